"""tools/demo/web_demo.py end to end through Gradio's own client: the app served
in-process on 127.0.0.1, a tiny generated clip in, the heatmap video and the scores
out; a clip without audio gives the error message."""
import importlib.util
import os
import socket
import sys

import av
import pytest
import torch
from tool_runner import ROOT

from avloc.apis import init_localizer

gradio = pytest.importorskip('gradio')
from gradio_client import Client, handle_file  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, 'tests', 'test_apis'))
from media import tiny_clip  # noqa: E402

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')


def _load_web_demo():
    spec = importlib.util.spec_from_file_location(
        'web_demo', os.path.join(ROOT, 'tools', 'demo', 'web_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp('web_demo')
    tiny_clip(str(root / 'clip.mp4'))
    tiny_clip(str(root / 'silent.mp4'), audio=False)
    torch.save({'state_dict': init_localizer(CONFIG).state_dict()}, str(root / 'model.pth'))
    web_demo = _load_web_demo()
    examples = web_demo.list_examples(str(root))
    assert [os.path.basename(p) for p in examples] == ['clip.mp4', 'silent.mp4']
    app = web_demo.build_app(init_localizer(CONFIG, str(root / 'model.pth')), examples)
    port = _free_port()
    app.launch(server_name='127.0.0.1', server_port=port, prevent_thread_lock=True,
               allowed_paths=[str(root)], quiet=True)
    try:
        yield root, Client(f'http://127.0.0.1:{port}/', verbose=False)
    finally:
        app.close()


def test_web_demo_returns_the_heatmap_video_and_scores(served):
    root, client = served
    video, scores = client.predict(handle_file(str(root / 'clip.mp4')),
                                   api_name='/localize')
    path = video['video'] if isinstance(video, dict) else video
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (64, 48)
        assert sum(1 for _ in container.decode(stream)) == 50
    with av.open(path) as container:
        assert container.streams.audio, 'the audio was not muxed back'
    assert scores['headers'] == ['second', 'score', 'frames']
    assert [row[0] for row in scores['data']] == [0, 1]
    assert all(0 <= row[1] <= 1 for row in scores['data'])
    assert sum(row[2] for row in scores['data']) == 50


def test_web_demo_shows_a_clip_without_audio_as_an_error(served):
    root, client = served
    with pytest.raises(Exception, match='silent.mp4: no decodable audio stream') as err:
        client.predict(handle_file(str(root / 'silent.mp4')), api_name='/localize')
    assert 'Traceback' not in str(err.value)
