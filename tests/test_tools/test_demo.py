"""tools/demo on tiny generated media: a 2-s 64x48 video with audio, a frame and a
wav, a random model saved as a checkpoint."""
import os
import re
import runpy
import subprocess
import sys

import av
import cv2
import pytest
import torch
from tool_runner import ROOT, run_tool

from avloc.apis import init_localizer
from avloc.fileio import write_wav
from avloc.visualization import colour_bar_width

sys.path.insert(0, os.path.join(ROOT, 'tests', 'test_apis'))
from hostile_media import h264_claiming, png_claiming, riff_wav  # noqa: E402
from media import RATE, tiny_clip  # noqa: E402

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')
DEMO = os.path.join(ROOT, 'tools', 'demo')


@pytest.fixture(scope='module')
def media(tmp_path_factory):
    root = tmp_path_factory.mktemp('demo')
    frames = tiny_clip(str(root / 'clip.mp4'))
    tiny_clip(str(root / 'silent.mp4'), audio=False)
    h264_claiming(str(root / 'huge.mp4'), 12000, 12000)
    png_claiming(str(root / 'huge.png'), 20000, 20000)
    riff_wav(str(root / 'rate0.wav'), rate=0)
    cv2.imwrite(str(root / 'frame.png'), frames[0][..., ::-1])
    write_wav(str(root / 'tone.wav'), 0.3 * torch.sin(torch.arange(RATE) * 0.17).numpy(), RATE)
    torch.save({'state_dict': init_localizer(CONFIG, random_weights=True).state_dict()},
               str(root / 'model.pth'))
    return root


def test_video_demo_writes_the_video_with_the_audio_as_it_was(media):
    out = str(media / 'out.mp4')
    log = run_tool(os.path.join(DEMO, 'video_demo.py'), str(media / 'clip.mp4'), CONFIG,
                   str(media / 'model.pth'), '--out', out, '--side-by-side')
    assert 'model: ssltie_r18_1xb16-1e_avshapes, checkpoint' in log
    assert 'audible' not in log and 'task/s' in log
    rates = [float(r) for r in re.findall(r'([\d.]+) task/s', log)]
    assert max(rates) < 1000, f'a rate timed from the first frame, not the start: {rates}'
    with av.open(out) as container:
        video = container.streams.video[0]
        # the frame, its overlay and the colour bar
        assert (video.width, video.height, video.average_rate) == (
            128 + colour_bar_width(48), 48, 25)
        assert sum(1 for _ in container.decode(video)) == 50
    with av.open(out) as container, av.open(str(media / 'clip.mp4')) as source:
        audio, original = container.streams.audio[0], source.streams.audio[0]
        assert audio.codec_context.channels == original.codec_context.channels == 1
        assert ([bytes(p) for p in container.demux(audio) if p.size] ==
                [bytes(p) for p in source.demux(original) if p.size])


def test_video_demo_at_a_lower_frame_rate(media):
    out = str(media / 'out10.mp4')
    run_tool(os.path.join(DEMO, 'video_demo.py'), str(media / 'clip.mp4'), CONFIG,
             str(media / 'model.pth'), '--out', out, '--fps', '10', '--no-colour-bar',
             '--scale', 'frame', '--alpha', '0.8')
    with av.open(out) as container:
        video = container.streams.video[0]
        assert (video.width, video.height) == (64, 48)
        assert sum(1 for _ in container.decode(video)) == 20


def test_image_demo_writes_a_png(media):
    out = str(media / 'out.png')
    run_tool(os.path.join(DEMO, 'image_demo.py'), str(media / 'frame.png'),
             str(media / 'tone.wav'), CONFIG, str(media / 'model.pth'), '--out', out)
    assert cv2.imread(out).shape == (48, 64 + colour_bar_width(48), 3)


def demo_exit(monkeypatch, script: str, *args: str):
    """Run a demo in this process as ``python tools/demo/SCRIPT ARGS`` does and return
    what it exits with (a process start saved per case; the command line's own
    output is checked by :func:`test_a_bad_input_is_one_line_on_the_real_command_line`)."""
    monkeypatch.setattr(sys, 'argv', [os.path.join(DEMO, script), *args])
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(os.path.join(DEMO, script), run_name='__main__')
    return exited.value.code


def test_a_bad_input_is_one_line_on_the_real_command_line(media):
    proc = subprocess.run([sys.executable, os.path.join(DEMO, 'video_demo.py'),
                           str(media / 'silent.mp4'), CONFIG, str(media / 'model.pth'),
                           '--out', str(media / 'x.mp4')], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f"error: {media / 'silent.mp4'}: no decodable audio stream")
    assert 'Traceback' not in proc.stderr


@pytest.mark.parametrize('video,checkpoint,message', [
    ('junk.mp4', 'model.pth', 'junk.mp4: not a readable video'),
    ('huge.mp4', 'model.pth', 'huge.mp4: a 12000x12000 picture (144.0 MP) is larger than '
                              'max_pixels=16777216 (16.8 MP); to read it, pass a larger '
                              'max_pixels'),
    ('clip.mp4', 'bad.pth',
     'bad.pth: does not fit the model of this config: 1 missing key (audio_encoder.conv1.weight)'),
])
def test_video_demo_bad_input_is_one_line(media, video, checkpoint, message, monkeypatch):
    (media / 'junk.mp4').write_bytes(b'not a video')
    state = torch.load(str(media / 'model.pth'), weights_only=True)['state_dict']
    state.pop('audio_encoder.conv1.weight')
    torch.save(state, str(media / 'bad.pth'))
    code = demo_exit(monkeypatch, 'video_demo.py', str(media / video), CONFIG,
                     str(media / checkpoint), '--out', str(media / 'x.mp4'))
    assert isinstance(code, str) and code.startswith('error: ') and '\n' not in code
    assert message in code


@pytest.mark.parametrize('image,audio,message', [
    ('huge.png', 'tone.wav', 'huge.png: Image size (400000000 pixels) exceeds limit'),
    ('frame.png', 'rate0.wav', 'rate0.wav: its header gives a sample rate of 0 Hz'),
])
def test_image_demo_bad_input_is_one_line(media, image, audio, message, monkeypatch):
    """A png claiming 20000x20000 was Pillow's DecompressionBombError, a wav giving
    a sample rate of 0 a ZeroDivisionError: tracebacks naming no file."""
    code = demo_exit(monkeypatch, 'image_demo.py', str(media / image), str(media / audio),
                     CONFIG, str(media / 'model.pth'), '--out', str(media / 'x.png'))
    assert isinstance(code, str) and code.startswith('error: ') and '\n' not in code
    assert message in code


def test_video_demo_max_pixels_is_the_largest_frame_read(media, monkeypatch):
    code = demo_exit(monkeypatch, 'video_demo.py', str(media / 'clip.mp4'), CONFIG,
                     str(media / 'model.pth'), '--out', str(media / 'x.mp4'),
                     '--max-pixels', '3071')
    assert 'clip.mp4: a 64x48 picture (0.0 MP) is larger than max_pixels=3071' in code
