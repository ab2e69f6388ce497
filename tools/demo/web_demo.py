r"""A local web page: upload or pick a clip, get it back with the heatmap over every
frame and a colour bar (what ``video_demo.py`` writes, in a browser).

    pip install -e ".[demo]"
    python tools/demo/web_demo.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py \
        epoch_1.pth --examples data/avshapes/video

then open http://127.0.0.1:7860. The terminal says what happens while the page
starts (the model loading, which checkpoint it is and what it was trained on, the
examples offered, the address); the page's first line names the model too.

Examples: ``--max-examples`` clips of the folder (12 by default), spread evenly
over its names in order and listed by name. Only the names are read; a clip is
opened when it is picked, so a folder of thousands of clips starts as fast as one
of ten (Gradio's own examples probe, copy and draw a thumbnail of every clip
before the page starts: minutes for a few thousand).

The model is loaded once; requests run one at a time (one model, and on a CPU a
second request would only halve the speed of both). A clip over the limits
(``--max-megabytes``, ``--max-seconds``, ``--max-frames``, ``--max-side``; the page
lists them) is refused from its header before a frame is decoded, and an upload
over ``--max-megabytes`` is cut off by the server as it arrives. A refused clip
is one line on the terminal (``refused clip.mp4: ...``); any other error keeps its
traceback. Stop (or a client's cancel) ends the run at its next frame. Closing
the page does not: Gradio lets a run whose client left finish, within the limits.
Outputs go to the system's temporary folder; only a stopped or failed run's
partial video is deleted.

To look at the page without a browser window (a server, a check of a change):

    chromium --headless --no-sandbox --screenshot=web.png --window-size=1280,1000 \
        --virtual-time-budget=15000 http://127.0.0.1:7860
"""
import argparse
import asyncio
import contextlib
import importlib.util
import os
import os.path as osp
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Sequence

import torch

from avloc.apis import init_localizer
from avloc.apis.clip_limits import ClipLimits
from avloc.apis.input_errors import INPUT_ERRORS, exit_on_input_error
from avloc.apis.overlay_video import overlay_video
from avloc.tools.demo_args import add_model_arguments

VIDEO_EXTENSIONS = ('.mp4', '.mkv', '.webm', '.mov', '.avi')
MAX_EXAMPLES = 12
# The colour scales of avloc.visualization.colour_scale, as the page names them.
SCALE_CHOICES = [('fixed', 'fixed'), ('per frame', 'frame')]
SCALE_HELP = ("fixed: the same colours in every frame, blue for a location that does "
              "not match the audio (cosine 0 or less) to red for a full match (cosine "
              "1), so a flat map looks flat. Per frame: each frame's lowest to highest "
              "value over all the colours, which shows any map's shape and makes a "
              "flat one look as sure as a sharp one.")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(parser)
    parser.add_argument('--examples', default=None,
                        help='folder whose videos are offered as examples to pick')
    parser.add_argument('--max-examples', type=_count, default=MAX_EXAMPLES,
                        help=f'examples offered, spread over the folder (default '
                             f'{MAX_EXAMPLES}: one page of names; 0 offers none)')
    parser.add_argument('--port', type=int, default=7860, help="port (default: Gradio's 7860)")
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to serve on (default 127.0.0.1: this machine only; '
                             '0.0.0.0 serves the network, with no authentication)')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='frames per model call (default 8: larger gains little on a CPU)')
    limits = ClipLimits()
    group = parser.add_argument_group(
        'limits', 'the largest clip a request may bring (0 turns a limit off), read\n'
        "from the file's header before anything is decoded. The defaults bound a\n"
        'request to about a minute on a quiet 2-core CPU (9.5 frames/s at\n'
        '1280x720; longer beside other jobs) while others wait.')
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


def _count(text: str) -> int:
    """argparse type: a whole number, 0 or more."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number, 0 or more')
    return int(text)


def list_examples(folder: Optional[str]) -> List[str]:
    """The videos directly in ``folder``, sorted by name; none if ``folder`` is None.

    Reads the folder's names alone (``os.scandir``): no clip is opened or probed.
    """
    if folder is None:
        return []
    if not osp.isdir(folder):
        raise FileNotFoundError(f'--examples {folder}: not a folder')
    with os.scandir(folder) as entries:
        names = [entry.name for entry in entries
                 if entry.name.lower().endswith(VIDEO_EXTENSIONS) and entry.is_file()]
    return [osp.join(folder, name) for name in sorted(names)]


def sample_examples(paths: Sequence[str], count: int) -> List[str]:
    """``count`` of ``paths``, one from the middle of each of ``count`` equal
    stretches of it, in order: the same clips on every start, from all over a
    sorted folder (a folder sorted by class then shows most of its classes).

    Args:
        paths: The clips, e.g. from :func:`list_examples`.
        count: How many to keep; all of ``paths`` when it holds no more.

    Returns:
        list[str]: ``min(count, len(paths))`` paths.
    """
    total = len(paths)
    if count >= total:
        return list(paths)
    return [paths[(2 * i + 1) * total // (2 * count)] for i in range(count)]


def knows_only_avshapes(about: str) -> bool:
    """Whether a model's provenance line (``model.provenance.describe()``) says it
    was trained on AVShapes."""
    return 'trained on AVShapes' in about


class _Stopped(Exception):
    """Raised in the worker thread at the next frame after a run is cancelled."""


def _refuse(message: str, logged: Optional[str] = None):
    """The page's error for a clip or request it refuses, logged as one line,
    ``refused <logged or message>``.

    Gradio prints the traceback of every error a function raises; this one is the
    user's input, already explained on the page, so the terminal gets one line.
    """
    import gradio as gr
    print(f'refused {logged or message}', file=sys.stderr, flush=True)
    return gr.Error(message, print_exception=False)


def build_app(model: torch.nn.Module, examples: Optional[Sequence[str]] = None,
              batch_size: int = 8, limits: ClipLimits = ClipLimits(),
              max_examples: int = MAX_EXAMPLES, about: Optional[str] = None):
    """The Gradio Blocks page around ``model``. Serve it with :func:`launch`, which
    also sets the upload limit.

    Endpoints: ``/localize`` (a video path, the heatmap's weight ``alpha`` in
    [0, 1] and the colour ``scale``, ``'fixed'`` or ``'frame'``, in; the overlay
    video out) and, with examples, ``/pick_example`` (an example's index in; that
    clip, as the input video, out).

    Args:
        model: From :func:`init_localizer`.
        examples: Clips that may be offered, e.g. :func:`list_examples`'s. None
            offers none. Defaults to None.
        batch_size: Frames per model call. Defaults to 8.
        limits: What a clip may hold. Defaults to ``ClipLimits()``.
        max_examples: How many of ``examples`` the page offers
            (:func:`sample_examples`). Defaults to 12.
        about: The page's line on the model. Defaults to None
            (``model.provenance.describe()``, which :func:`init_localizer` sets).
    """
    import gradio as gr
    examples = list(examples or [])
    offered = sample_examples(examples, max_examples)
    about = about or model.provenance.describe()
    out_dir = tempfile.mkdtemp(prefix='avloc_web_demo_')
    # The work runs in this one thread, not in Gradio's: Gradio's cancel cannot
    # stop a running sync function (it frees the queue's slot and lets it run on),
    # but it does cancel a coroutine, which then flags the thread to stop. One
    # thread also means a new run waits for a stopping one instead of joining it.
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix='avloc_web_demo')

    def shown(err: Exception, video: str) -> str:
        return str(err).replace(video, osp.basename(video))  # no server paths

    def refused(err: Exception, video: str):
        message, name = shown(err, video), osp.basename(video)
        return _refuse(message if message.startswith(name) else f'{name}: {message}')

    def run(video: str, out: str, stop: threading.Event, done: list, alpha: float,
            scale: str) -> dict:
        def on_frame(count: int, total: int) -> None:
            if stop.is_set():
                raise _Stopped
            limits.check_frames(video, count)
            done[:] = count, total
        return overlay_video(model, video, out, batch_size=batch_size, on_frame=on_frame,
                             alpha=alpha, scale=scale, colour_bar=True)

    async def localize(video: Optional[str], alpha: float = 0.5, scale: str = 'fixed',
                       progress=gr.Progress()) -> str:
        if not video:
            raise _refuse('Upload a video or pick an example first.',
                          'a request without a video')
        try:
            info = await asyncio.to_thread(limits.check, video)  # the header only
        except INPUT_ERRORS as err:
            raise refused(err, video)
        out = tempfile.NamedTemporaryFile(suffix='.mp4', dir=out_dir, delete=False).name
        stop, done, finished = threading.Event(), [0, max(info['frames'], 1)], False
        future = worker.submit(run, video, out, stop, done, alpha, scale)
        try:
            while not future.done():
                progress(tuple(done), unit='frames')
                await asyncio.sleep(0.1)
            future.result()
            finished = True
        except asyncio.CancelledError:
            # Stopped from the page or a client: wait for the thread to reach its
            # next frame, so that the queue's slot is free only once the work is.
            stop.set()
            while not future.done():
                await asyncio.sleep(0.05)
            raise
        except INPUT_ERRORS as err:
            raise refused(err, video)
        finally:
            if not finished:
                with contextlib.suppress(OSError):
                    os.remove(out)
        return out

    with gr.Blocks(title='avloc: where the sound comes from') as app:
        gr.Markdown(_header(about, limits))
        with gr.Row():
            with gr.Column():
                video = gr.Video(label='input video (with audio)', sources=['upload'])
                with gr.Row():
                    alpha = gr.Slider(0, 1, value=0.5, step=0.05, label='heatmap weight',
                                      info='0: the frame alone, 1: the colours alone')
                    scale = gr.Radio(SCALE_CHOICES, value='fixed', label='colour scale',
                                     info=SCALE_HELP)
                with gr.Row():
                    button = gr.Button('Localise', variant='primary')
                    stop_button = gr.Button('Stop', variant='stop')
                if offered:
                    _example_picker(gr, examples, offered, video)
            with gr.Column():
                heat = gr.Video(label='heatmap video, colour bar on the right',
                                interactive=False)
        event = button.click(localize, inputs=[video, alpha, scale], outputs=[heat],
                             api_name='localize', concurrency_limit=1)
        stop_button.click(None, cancels=[event])
    return app


def _header(about: str, limits: ClipLimits) -> str:
    """The page's text above the video: the model, what it is for, the limits."""
    refused = '' if limits.describe() == 'none' else (
        '; a larger clip is refused before it is decoded')
    lines = [f'**Model:** {about}']
    if knows_only_avshapes(about):
        lines.append("**This model knows only AVShapes' coloured shapes:** it will not "
                     'localise the sounds of real videos.')
    lines += ['## Where the sound comes from',
              'Upload a video with sound (or pick an example); each frame comes back '
              'with a heatmap of the locations that match its audio, a colour bar on '
              'the right and the audio muxed back in.',
              f'**Limits:** {limits.describe()}{refused}. One clip is processed at a '
              'time.']
    return '\n\n'.join(lines)


def _example_picker(gr, examples: List[str], offered: List[str], video) -> None:
    """A list of the offered clips' names; a click puts that clip in ``video``.

    A list of names, not ``gr.Examples``: Gradio's examples probe and copy every
    clip while the page is built and show it as a thumbnail, blank for many
    clips; here only the clip picked is read, when it is picked.
    """
    folder = osp.basename(osp.normpath(osp.dirname(offered[0]))) or '.'
    label = (f'examples: {len(offered)} of the {len(examples):,} clips in {folder}'
             if len(offered) < len(examples) else f'examples: the clips in {folder}')
    picker = gr.Dataset(components=[gr.Textbox(render=False)], label=label,
                        samples=[[osp.basename(path)] for path in offered],
                        type='index', samples_per_page=len(offered))
    picker.click(lambda index: offered[index], inputs=[picker], outputs=[video],
                 api_name='pick_example')


def launch(app, limits: ClipLimits = ClipLimits(), **kwargs):
    """Serve ``app`` (from :func:`build_app`); the server refuses an upload over
    ``limits.max_megabytes`` as it arrives. ``kwargs`` go to ``app.launch``."""
    return app.launch(max_file_size=limits.max_bytes, **kwargs)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if importlib.util.find_spec('gradio') is None:  # before the model: seconds to load
        sys.exit('error: the web demo needs Gradio: pip install -e ".[demo]"')
    limits = ClipLimits(args.max_megabytes, args.max_seconds, args.max_frames, args.max_side)
    with exit_on_input_error():
        examples = list_examples(args.examples)  # a wrong folder fails before the model
        named = ', '.join(filter(None, [args.config, args.checkpoint]))
        print(f'loading the model ({named}) ...', flush=True)
        model = init_localizer(args.config, args.checkpoint, args.device,
                               random_weights=args.random_weights)
    about = model.provenance.describe()
    print(f'model: {about}', flush=True)
    if knows_only_avshapes(about):
        print("  it knows only AVShapes' coloured shapes: it will not localise the "
              'sounds of real videos', flush=True)
    if args.examples:
        offered = min(args.max_examples, len(examples))
        print(f'offering {offered} of {len(examples):,} clips in {args.examples} as '
              f'examples (--max-examples {args.max_examples})', flush=True)
    print('starting Gradio ...', flush=True)
    app = build_app(model, examples, args.batch_size, limits, args.max_examples, about)
    allowed = [osp.abspath(args.examples)] if args.examples else None
    launch(app, limits, server_name=args.host, server_port=args.port, allowed_paths=allowed,
           prevent_thread_lock=True, quiet=True)
    print(f'serving on {app.local_url} (Ctrl+C stops)', flush=True)
    app.block_thread()


if __name__ == '__main__':
    main()
