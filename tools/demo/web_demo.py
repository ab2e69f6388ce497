"""A local web page: upload or pick a clip, get the heatmap video and the per-second
"audible and visible" scores back (what ``video_demo.py`` writes, in a browser).

    pip install -e ".[demo]"
    python tools/demo/web_demo.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py \
        epoch_1.pth --examples data/avshapes/video

then open http://127.0.0.1:7860. The model is loaded once; requests run one at a
time (one model, and on a CPU a second request would only halve the speed of both).
A clip over the limits (``--max-megabytes``, ``--max-seconds``, ``--max-frames``,
``--max-side``; the page lists them) is refused from its header before a frame is
decoded, and an upload over ``--max-megabytes`` is cut off by the server as it
arrives. Stop (or a client's cancel) ends the run at its next frame. Closing the
page does not: Gradio lets a run whose client left finish, within the limits.
Outputs go to the system's temporary folder; only a stopped or failed run's
partial video is deleted.
"""
import argparse
import asyncio
import contextlib
import os
import os.path as osp
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import torch

from avloc.apis import init_localizer
from avloc.apis.clip_limits import ClipLimits
from avloc.apis.input_errors import INPUT_ERRORS, exit_on_input_error
from avloc.apis.overlay_video import SCORE_MEANING, overlay_video

VIDEO_EXTENSIONS = ('.mp4', '.mkv', '.webm', '.mov', '.avi')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file (or a model-zoo name)')
    parser.add_argument('checkpoint', help='checkpoint file or URL')
    parser.add_argument('--examples', default=None,
                        help='folder whose videos are offered as examples to pick')
    parser.add_argument('--port', type=int, default=7860, help="port (default: Gradio's 7860)")
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to serve on (default 127.0.0.1: this machine only; '
                             '0.0.0.0 serves the network, with no authentication)')
    parser.add_argument('--device', default='cpu', help='torch device (default: cpu)')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='frames per model call (default 8: larger gains little on a CPU)')
    limits = ClipLimits()
    group = parser.add_argument_group(
        'limits', 'the largest clip a request may bring (0 turns a limit off), read\n'
        "from the file's header before anything is decoded. The defaults bound a\n"
        'request to about 3.5 minutes on a 2-core CPU (about 2.8 frames/s at\n'
        '1280x720) while others wait.')
    group.add_argument('--max-megabytes', type=float, default=limits.max_megabytes,
                       help=f'upload size in MB (default {limits.max_megabytes:g}: a 20-s '
                            '720p phone clip is about 20-25)')
    group.add_argument('--max-seconds', type=float, default=limits.max_seconds,
                       help=f'duration, audio included (default {limits.max_seconds:g})')
    group.add_argument('--max-frames', type=int, default=limits.max_frames,
                       help=f'video frames (default {limits.max_frames}: 20 s at 30 fps; '
                            'a 400 KB clip can hold 20,000)')
    group.add_argument('--max-side', type=int, default=limits.max_side,
                       help=f'longer side of the frame in pixels (default {limits.max_side}: '
                            '720p either way up; the model sees a small resize anyway)')
    return parser.parse_args(argv)


def list_examples(folder: Optional[str]) -> List[str]:
    """The videos directly in ``folder``, sorted; none if ``folder`` is None."""
    if folder is None:
        return []
    if not osp.isdir(folder):
        raise FileNotFoundError(f'--examples {folder}: not a folder')
    return sorted(osp.join(folder, name) for name in os.listdir(folder)
                  if name.lower().endswith(VIDEO_EXTENSIONS))


class _Stopped(Exception):
    """Raised in the worker thread at the next frame after a run is cancelled."""


def build_app(model: torch.nn.Module, examples: Optional[List[str]] = None,
              batch_size: int = 8, limits: ClipLimits = ClipLimits()):
    """The Gradio Blocks page around ``model``; its endpoint is ``/localize``
    (video path in; overlay video and scores table out). Serve it with
    :func:`launch`, which also sets the upload limit."""
    import gradio as gr
    out_dir = tempfile.mkdtemp(prefix='avloc_web_demo_')
    # The work runs in this one thread, not in Gradio's: Gradio's cancel cannot
    # stop a running sync function (it frees the queue's slot and lets it run on),
    # but it does cancel a coroutine, which then flags the thread to stop. One
    # thread also means a new run waits for a stopping one instead of joining it.
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix='avloc_web_demo')

    def shown(err: Exception, video: str) -> str:
        return str(err).replace(video, osp.basename(video))  # no server paths

    def run(video: str, out: str, stop: threading.Event, done: list) -> dict:
        def on_frame(count: int, total: int) -> None:
            if stop.is_set():
                raise _Stopped
            limits.check_frames(video, count)
            done[:] = count, total
        return overlay_video(model, video, out, batch_size=batch_size, on_frame=on_frame)

    async def localize(video: Optional[str], progress=gr.Progress()):
        if not video:
            raise gr.Error('Upload a video or pick an example first.')
        try:
            info = await asyncio.to_thread(limits.check, video)  # the header only
        except INPUT_ERRORS as err:
            raise gr.Error(shown(err, video))
        out = tempfile.NamedTemporaryFile(suffix='.mp4', dir=out_dir, delete=False).name
        stop, done, finished = threading.Event(), [0, max(info['frames'], 1)], False
        future = worker.submit(run, video, out, stop, done)
        try:
            while not future.done():
                progress(tuple(done), unit='frames')
                await asyncio.sleep(0.1)
            report, finished = future.result(), True
        except asyncio.CancelledError:
            # Stopped from the page or a client: wait for the thread to reach its
            # next frame, so that the queue's slot is free only once the work is.
            stop.set()
            while not future.done():
                await asyncio.sleep(0.05)
            raise
        except INPUT_ERRORS as err:
            raise gr.Error(shown(err, video))
        finally:
            if not finished:
                with contextlib.suppress(OSError):
                    os.remove(out)
        rows = [[s['second'], s['score'], s['frames']] for s in report['per_second']]
        return out, rows

    with gr.Blocks(title='avloc: where the sound comes from') as app:
        refused = '' if limits.describe() == 'none' else (
            '; a larger clip is refused before it is decoded')
        gr.Markdown('## Where the sound comes from\nUpload a video with sound (or pick '
                    'an example); each frame comes back with a heatmap of the '
                    'locations that match its audio, the audio muxed back in.\n\n'
                    f'**Limits:** {limits.describe()}{refused}. One clip is processed '
                    'at a time.')
        with gr.Row():
            with gr.Column():
                video = gr.Video(label='input video (with audio)', sources=['upload'])
                with gr.Row():
                    button = gr.Button('Localise', variant='primary')
                    stop_button = gr.Button('Stop', variant='stop')
                if examples:
                    gr.Examples(examples=[[path] for path in examples], inputs=[video])
            with gr.Column():
                heat = gr.Video(label='heatmap video', interactive=False)
                scores = gr.Dataframe(
                    headers=['second', 'score', 'frames'],
                    datatype=['number', 'number', 'number'], interactive=False,
                    label=f'audible and visible, per second ({SCORE_MEANING}; '
                          'about 0.5: no location matches)')
        event = button.click(localize, inputs=[video], outputs=[heat, scores],
                             api_name='localize', concurrency_limit=1)
        stop_button.click(None, cancels=[event])
    return app


def launch(app, limits: ClipLimits = ClipLimits(), **kwargs):
    """Serve ``app`` (from :func:`build_app`); the server refuses an upload over
    ``limits.max_megabytes`` as it arrives. ``kwargs`` go to ``app.launch``."""
    return app.launch(max_file_size=limits.max_bytes, **kwargs)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        import gradio  # noqa: F401
    except ImportError:
        sys.exit('error: the web demo needs Gradio: pip install -e ".[demo]"')
    limits = ClipLimits(args.max_megabytes, args.max_seconds, args.max_frames, args.max_side)
    with exit_on_input_error():
        examples = list_examples(args.examples)
        model = init_localizer(args.config, args.checkpoint, args.device)
    app = build_app(model, examples, args.batch_size, limits)
    allowed = [osp.abspath(args.examples)] if args.examples else None
    launch(app, limits, server_name=args.host, server_port=args.port, allowed_paths=allowed)


if __name__ == '__main__':
    main()
