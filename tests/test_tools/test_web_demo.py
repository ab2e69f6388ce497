"""tools/demo/web_demo.py end to end through Gradio's own client: the app served
in-process on 127.0.0.1, a tiny generated clip in, the heatmap video out; a clip
without audio gives the error message, and one line on the server. The limits and
Stop: a clip over a limit is refused from its header before the model sees a
frame, an upload over the size limit by the server, and Stop ends the work before
the next run starts. A folder of thousands of clips starts in seconds, with only
the clip picked ever read. The model counts the frames it is given, so a test sees
whether work runs."""
import importlib.util
import io
import os
import re
import socket
import sys
import threading
import time
from fractions import Fraction
from types import SimpleNamespace

import av
import httpx
import numpy as np
import pytest
import torch
from tool_runner import ROOT

from avloc.apis import init_localizer
from avloc.apis.clip_limits import ClipLimits
from avloc.fileio import write_video

gradio = pytest.importorskip('gradio')
from gradio_client import Client, handle_file  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, 'tests', 'test_apis'))
from media import RATE, tiny_clip  # noqa: E402

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')
# Small enough for clips made in a blink; the refusals are the same at any size.
STRICT = ClipLimits(max_megabytes=0.2, max_seconds=3, max_frames=8, max_side=128)


def _load_web_demo():
    spec = importlib.util.spec_from_file_location(
        'web_demo', os.path.join(ROOT, 'tools', 'demo', 'web_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Files under a watched folder that this process opened or ran a program on, while
# a test watches. An audit hook cannot be removed, so it is installed once and
# does nothing while no folder is watched.
_WATCHED = {}


def _audit(event: str, args: tuple) -> None:
    folder = _WATCHED.get('folder')
    if folder is None or event not in ('open', 'subprocess.Popen'):
        return
    # open: (path, mode, flags); subprocess.Popen: (executable, args, cwd, env)
    names = [args[0]] if event == 'open' else args[1]
    names = [names] if isinstance(names, (str, bytes, os.PathLike)) else names or []
    for name in names:
        if isinstance(name, (str, bytes, os.PathLike)):
            path = os.path.abspath(os.fsdecode(name))
            if path.startswith(folder + os.sep):
                _WATCHED['touched'].add(path)


sys.addaudithook(_audit)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class _FrameCounter:
    """Wraps ``model.test_step``: ``frames`` it was given, and the most calls
    that ever ran at once (two runs side by side would overlap)."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.frames = self.running = self.most_running = 0
        self.lock = threading.Lock()
        step = model.test_step

        def counted(data):
            with self.lock:
                self.running += 1
                self.most_running = max(self.most_running, self.running)
            try:
                samples = step(data)
            finally:
                with self.lock:
                    self.running -= 1
            with self.lock:
                self.frames += len(samples)
            return samples

        model.test_step = counted


def _serve(web_demo, model, limits: ClipLimits, examples=None, allowed=None):
    # One frame per model call: Stop waits for the call in flight, so this keeps
    # the test short; the default of 8 changes only how long that wait is.
    app = web_demo.build_app(model, examples, batch_size=1, limits=limits)
    port = _free_port()
    web_demo.launch(app, limits, server_name='127.0.0.1', server_port=port,
                    prevent_thread_lock=True, allowed_paths=allowed, quiet=True)
    return app, f'http://127.0.0.1:{port}/'


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp('web_demo')
    tiny_clip(str(root / 'clip.mp4'))
    tiny_clip(str(root / 'silent.mp4'), audio=False)
    torch.save({'state_dict': init_localizer(CONFIG, random_weights=True).state_dict()},
               str(root / 'model.pth'))
    web_demo = _load_web_demo()
    examples = web_demo.list_examples(str(root))
    assert [os.path.basename(p) for p in examples] == ['clip.mp4', 'silent.mp4']
    model = init_localizer(CONFIG, str(root / 'model.pth'))
    counter = _FrameCounter(model)
    app, url = _serve(web_demo, model, ClipLimits(), examples, [str(root)])
    strict_app, strict_url = _serve(web_demo, model, STRICT)
    try:
        yield SimpleNamespace(
            web_demo=web_demo, model=model, root=root, counter=counter,
            client=Client(url, verbose=False),
            strict=Client(strict_url, verbose=False), strict_url=strict_url)
    finally:
        app.close()
        strict_app.close()


def _frames(video) -> int:
    """Frames of a video Gradio's client returned."""
    path = video['video'] if isinstance(video, dict) else video
    with av.open(path) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


def test_web_demo_returns_the_heatmap_video(served):
    video = served.client.predict(handle_file(str(served.root / 'clip.mp4')),
                                  api_name='/localize')
    path = video['video'] if isinstance(video, dict) else video
    with av.open(path) as container:
        stream = container.streams.video[0]
        # The frame, and the colour bar overlay_video draws on its right.
        assert stream.height == 48 and stream.width > 64
        assert sum(1 for _ in container.decode(stream)) == 50
    with av.open(path) as container:
        assert container.streams.audio, 'the audio was not muxed back'


def test_the_page_settings_reach_the_overlay(served, tmp_path, monkeypatch):
    calls = []
    overlay_video = served.web_demo.overlay_video

    def recorded(*args, **kwargs):
        calls.append(kwargs)
        return overlay_video(*args, **kwargs)

    monkeypatch.setattr(served.web_demo, 'overlay_video', recorded)
    path = str(tmp_path / 'short.mp4')
    _clip(path, seconds=0.6, fps=10)
    video = served.client.predict(handle_file(path), 0.2, 'frame', api_name='/localize')
    assert _frames(video) == 6
    assert [(c['alpha'], c['scale'], c['colour_bar']) for c in calls] == [
        (0.2, 'frame', True)]


@pytest.mark.parametrize('alpha, scale, message', [
    (1.5, 'fixed', 'Value 1.5 is greater than maximum value 1'),
    (0.5, 'stretched', 'stretched'),
])
def test_settings_out_of_range_are_refused(served, alpha, scale, message):
    # By Gradio's slider and radio, before the request reaches the page's function.
    frames = served.counter.frames
    with pytest.raises(Exception, match=re.escape(message)):
        served.client.predict(handle_file(str(served.root / 'clip.mp4')), alpha, scale,
                              api_name='/localize')
    assert served.counter.frames == frames


def test_web_demo_shows_a_clip_without_audio_as_an_error(served):
    with pytest.raises(Exception, match='silent.mp4: no decodable audio stream') as err:
        served.client.predict(handle_file(str(served.root / 'silent.mp4')),
                              api_name='/localize')
    assert 'Traceback' not in str(err.value)


def test_a_refused_clip_is_one_line_on_the_server(served, capfd):
    capfd.readouterr()
    with pytest.raises(Exception, match='silent.mp4: no decodable audio stream'):
        served.client.predict(handle_file(str(served.root / 'silent.mp4')),
                              api_name='/localize')
    err = capfd.readouterr().err
    assert 'Traceback' not in err, err
    lines = [line for line in err.splitlines() if 'silent.mp4' in line]
    assert len(lines) == 1, err
    assert lines[0].startswith('refused silent.mp4: no decodable audio stream'), err


def test_an_unexpected_error_keeps_its_traceback(served, capfd, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError('a bug in the overlay')

    monkeypatch.setattr(served.web_demo, 'overlay_video', broken)
    capfd.readouterr()
    with pytest.raises(Exception):
        served.client.predict(handle_file(str(served.root / 'clip.mp4')),
                              api_name='/localize')
    err = capfd.readouterr().err
    assert 'Traceback' in err and 'RuntimeError: a bug in the overlay' in err, err
    assert 'refused' not in err


def test_the_limit_flags_default_to_the_documented_limits():
    args = _load_web_demo().parse_args(['config.py', 'model.pth'])
    assert ClipLimits(args.max_megabytes, args.max_seconds, args.max_frames,
                      args.max_side) == ClipLimits()
    args = _load_web_demo().parse_args(['config.py', 'model.pth', '--max-frames', '0'])
    assert ClipLimits(max_frames=args.max_frames).describe() == (
        'clips of at most 50 MB, 20 s and 1280 pixels on the longer side')


def _page_text(config: dict) -> str:
    """The text of a Blocks config's components, Markdown and labels included."""
    return ' '.join(str(c.get('props', {}).get(key, '')) for c in config['components']
                    for key in ('value', 'label', 'info'))


def test_the_page_lists_its_limits(served):
    text = _page_text(httpx.get(served.strict_url + 'config').json())
    assert ('clips of at most 0.2 MB, 3 s, 8 frames and 128 pixels on the longer side'
            in text)


def test_the_page_names_the_model_first(served):
    config = httpx.get(served.strict_url + 'config').json()
    first = next(c['props']['value'] for c in config['components']
                 if c['type'] == 'markdown')
    about = served.model.provenance.describe()
    assert first.startswith(f'**Model:** {about}')
    assert 'audible and visible' not in _page_text(config)


@pytest.mark.parametrize('about, warned', [
    ("m, checkpoint x.pth (epoch 1), trained on AVShapes (synthetic coloured shapes: "
     "it knows only AVShapes' classes)", True),
    ('m, checkpoint x.pth, trained on VGG-Sound (YouTube videos)', False),
])
def test_an_avshapes_model_is_said_to_know_only_shapes(about, warned):
    model = SimpleNamespace(provenance=SimpleNamespace(describe=lambda: about))
    app = _load_web_demo().build_app(model)
    text = _page_text(app.get_config_file())
    assert f'**Model:** {about}' in text
    assert ("knows only AVShapes' coloured shapes:** it will not localise the sounds "
            'of real videos' in text) is warned


def test_examples_are_spread_over_the_sorted_folder():
    sample = _load_web_demo().sample_examples
    paths = [f'{i:04d}.mp4' for i in range(4700)]
    picked = sample(paths, 12)
    assert picked == sample(paths, 12) and picked == sorted(set(picked))
    assert len(picked) == 12 and picked[0] < '0400' and picked[-1] > '4300'
    gaps = np.diff([int(p[:4]) for p in picked])
    assert gaps.min() >= 4700 // 12 - 1 and gaps.max() <= 4700 // 12 + 1
    assert sample(paths[:5], 12) == paths[:5] and sample(paths, 0) == []
    assert sample(paths[:2], 1) == ['0001.mp4']


def test_a_folder_of_thousands_of_clips_starts_in_seconds(served, tmp_path, capsys,
                                                          monkeypatch):
    """The issue's command on 3,000 clips: the terminal says what happens, the page
    is served within seconds, and no clip is opened, probed or copied until one is
    picked; then that clip alone."""
    folder = tmp_path / 'clips'
    folder.mkdir()
    for index in range(3000):  # links to one tiny clip: thousands of files, no disk
        os.link(served.root / 'clip.mp4', folder / f'clip_{index:04d}.mp4')
    from gradio import processing_utils
    probed = []
    # Probe as Gradio does where FFmpeg is installed (this machine may have none).
    monkeypatch.setattr(processing_utils, 'ffmpeg_installed', lambda: True)
    monkeypatch.setattr(processing_utils, 'video_is_playable',
                        lambda path: probed.append(os.path.abspath(path)) or True)
    web_demo, launch, apps = served.web_demo, served.web_demo.launch, []

    def launched(app, limits, **kwargs):  # serve, then return where main would block
        apps.append(app)
        monkeypatch.setattr(app, 'block_thread', lambda: None)
        return launch(app, limits, **kwargs)

    monkeypatch.setattr(web_demo, 'launch', launched)
    port, checkpoint = _free_port(), str(served.root / 'model.pth')
    _WATCHED.update(folder=str(folder), touched=set())
    try:
        start = time.perf_counter()
        web_demo.main([CONFIG, checkpoint, '--examples', str(folder), '--port', str(port)])
        seconds = time.perf_counter() - start
        assert _WATCHED['touched'] == set() and probed == [], 'clips read at start'
        assert seconds < 30, f'{seconds:.1f} s to start'
        out = capsys.readouterr().out.splitlines()
        assert out[:2] == [f'loading the model ({CONFIG}, {checkpoint}) ...',
                           f'model: {served.model.provenance.describe()}']
        assert (f'offering 12 of 3,000 clips in {folder} as examples (--max-examples 12)'
                in out)
        assert out[-2:] == ['starting Gradio ...',
                            f'serving on http://127.0.0.1:{port}/ (Ctrl+C stops)']
        offered = web_demo.sample_examples(web_demo.list_examples(str(folder)), 12)
        picked = Client(f'http://127.0.0.1:{port}/', verbose=False).predict(
            5, api_name='/pick_example')
        path = picked['video'] if isinstance(picked, dict) else picked
        assert os.path.basename(path) == os.path.basename(offered[5])
        assert _WATCHED['touched'] == {str(offered[5])} and probed == [str(offered[5])]
    finally:
        _WATCHED.clear()
        for app in apps:
            app.close()


def test_the_example_count_flag_defaults_to_one_page_and_refuses_negatives(capsys):
    web_demo = _load_web_demo()
    assert web_demo.parse_args(['c.py', 'm.pth']).max_examples == 12
    with pytest.raises(SystemExit):
        web_demo.parse_args(['c.py', 'm.pth', '--max-examples', '-1'])
    assert "--max-examples: '-1' is not a whole number, 0 or more" in capsys.readouterr().err


@pytest.mark.parametrize('name, clip, message', [
    ('long.mp4', dict(seconds=4, fps=2), 'long.mp4: 4.0 s long, the limit is 3 s'),
    # The clip in miniature: 1,000 fps packs the frames into a short file.
    ('fast.mp4', dict(seconds=0.5, fps=1000), 'fast.mp4: 500 frames, the limit is 8'),
    ('large.mp4', dict(seconds=0.6, fps=5, size=(128, 160)),
     'large.mp4: 160x128, the limit is 128 pixels on the longer side'),
    ('live.mkv', dict(seconds=1, fps=5, live=True), 'live.mkv: its header gives no duration'),
])
def test_a_clip_over_a_limit_is_refused_at_once(served, tmp_path, name, clip, message):
    _clip(str(tmp_path / name), **clip)
    frames, start = served.counter.frames, time.perf_counter()
    with pytest.raises(Exception, match=re.escape(message)) as err:
        served.strict.predict(handle_file(str(tmp_path / name)), api_name='/localize')
    assert time.perf_counter() - start < 5, 'the refusal should come from the header'
    assert served.counter.frames == frames, 'the model saw frames of a refused clip'
    assert 'Traceback' not in str(err.value) and f'/{name}' not in str(err.value)  # no path


def test_an_upload_over_the_size_limit_is_refused_by_the_server(served, tmp_path):
    path = tmp_path / 'big.mp4'
    path.write_bytes(os.urandom(int(STRICT.max_bytes * 1.5)))
    # Gradio's client and page read the limit from the config and refuse first ...
    with pytest.raises(ValueError, match='exceeds the maximum file size of 200000 bytes'):
        served.strict.predict(handle_file(str(path)), api_name='/localize')
    # ... and the server refuses a request that does not ask them.
    upload = served.strict.upload_url
    small = httpx.post(upload, files={'files': ('small.mp4', b'0' * 1000)})
    assert small.status_code == 200, small.text
    big = httpx.post(upload, files={'files': ('big.mp4', path.read_bytes())})
    assert big.status_code == 413, big.text
    assert 'maximum allowed size' in big.text


def test_a_clip_whose_header_understates_its_frames_stops_at_the_limit(served, tmp_path):
    path = str(tmp_path / 'understated.mkv')
    _clip(path, seconds=1, fps=100, declared_fps=5)  # 100 frames; the header: about 5
    assert STRICT.check(path)['frames'] <= STRICT.max_frames
    frames = served.counter.frames
    with pytest.raises(Exception, match='understated.mkv: more than 8 frames'):
        served.strict.predict(handle_file(path), api_name='/localize')
    assert served.counter.frames - frames <= STRICT.max_frames + 1


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.02)


def test_stop_ends_the_work_and_the_next_request_runs_alone(served, tmp_path):
    """Three submit-and-stop rounds: each run stops at once and stays stopped, and
    the next request runs by itself (before, each stopped run went on, beside the
    next, however tight the queue's concurrency limit)."""
    long, short = str(tmp_path / 'long.mp4'), str(tmp_path / 'short.mp4')
    _clip(long, seconds=10, fps=25)  # 250 frames: a minute or more on a CPU
    _clip(short, seconds=0.6, fps=10)  # 6 frames
    counter, client = served.counter, served.client
    first = counter.frames
    for _ in range(3):
        before = counter.frames
        job = client.submit(handle_file(long), api_name='/localize')
        _wait_for(lambda: counter.frames > before)
        job.cancel()  # returns once the server has cancelled the run
        stopped = counter.frames
        time.sleep(0.5)
        assert counter.frames == stopped, 'the stopped run kept going'
    assert counter.frames - first < 250 // 2
    before = counter.frames
    video = client.predict(handle_file(short), api_name='/localize')
    assert counter.frames - before == 6, 'the model saw frames of another run'
    assert _frames(video) == 6
    assert counter.most_running == 1


class _Unseekable(io.RawIOBase):
    """A file the muxer cannot seek back into, as a live stream or a browser
    recording is written: Matroska then stores no duration."""

    def __init__(self, file) -> None:
        self.file = file

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self.file.write(data)


def _clip(path: str, seconds: float, fps: float, size=(48, 64), declared_fps=None,
          live: bool = False) -> None:
    """A grey H.264 clip with a tone (small at any frame count); ``declared_fps``
    writes Matroska whose stream declares that rate while the frames keep ``fps``,
    ``live`` writes Matroska without a duration."""
    count, t = int(seconds * fps), np.arange(int(seconds * RATE)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    if declared_fps is None and not live:
        write_video(path, np.full((count, *size, 3), 128, np.uint8), fps, tone, RATE)
        return
    with open(path, 'wb') as file:
        out = av.open(_Unseekable(file) if live else file, 'w', format='matroska')
        with out:
            video = out.add_stream('libx264', rate=declared_fps or fps)
            video.width, video.height, video.pix_fmt = size[1], size[0], 'yuv420p'
            video.codec_context.time_base = Fraction(1, 1000)
            sound = out.add_stream('aac', rate=RATE, layout='mono')
            for index in range(count):
                frame = av.VideoFrame.from_ndarray(np.full((*size, 3), 128, np.uint8),
                                                   'rgb24')
                frame.pts, frame.time_base = int(index * 1000 / fps), Fraction(1, 1000)
                out.mux(video.encode(frame))
            out.mux(video.encode(None))
            for start in range(0, len(tone), 1024):
                chunk = av.AudioFrame.from_ndarray(tone[None, start:start + 1024],
                                                   format='fltp', layout='mono')
                chunk.sample_rate, chunk.pts = RATE, start
                out.mux(sound.encode(chunk))
            out.mux(sound.encode(None))
