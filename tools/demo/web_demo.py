"""A local web page: upload or pick a clip, get the heatmap video and the per-second
"audible and visible" scores back (what ``video_demo.py`` writes, in a browser).

    pip install -e ".[demo]"
    python tools/demo/web_demo.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py \
        epoch_1.pth --examples data/avshapes/video

then open http://127.0.0.1:7860. The model is loaded once; requests run one at a
time (one model, and on a CPU a second request would only halve the speed of both).
Outputs go to the system's temporary folder and are not deleted by this script.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from typing import List, Optional

import torch

from avloc.apis import init_localizer
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
    return parser.parse_args(argv)


def list_examples(folder: Optional[str]) -> List[str]:
    """The videos directly in ``folder``, sorted; none if ``folder`` is None."""
    if folder is None:
        return []
    if not osp.isdir(folder):
        raise FileNotFoundError(f'--examples {folder}: not a folder')
    return sorted(osp.join(folder, name) for name in os.listdir(folder)
                  if name.lower().endswith(VIDEO_EXTENSIONS))


def build_app(model: torch.nn.Module, examples: Optional[List[str]] = None,
              batch_size: int = 8):
    """The Gradio Blocks page around ``model``; its endpoint is ``/localize``
    (video path in; overlay video and scores table out)."""
    import gradio as gr
    out_dir = tempfile.mkdtemp(prefix='avloc_web_demo_')

    def localize(video: Optional[str], progress=gr.Progress()):
        if not video:
            raise gr.Error('Upload a video or pick an example first.')
        out = tempfile.NamedTemporaryFile(suffix='.mp4', dir=out_dir, delete=False).name
        try:
            report = overlay_video(
                model, video, out, batch_size=batch_size,
                on_frame=lambda done, total: progress((done, total), unit='frames'))
        except INPUT_ERRORS as err:
            raise gr.Error(str(err).replace(video, osp.basename(video)))
        rows = [[s['second'], s['score'], s['frames']] for s in report['per_second']]
        return out, rows

    with gr.Blocks(title='avloc: where the sound comes from') as app:
        gr.Markdown('## Where the sound comes from\nUpload a video with sound (or pick '
                    'an example); each frame comes back with a heatmap of the '
                    'locations that match its audio, the audio muxed back in.')
        with gr.Row():
            with gr.Column():
                video = gr.Video(label='input video (with audio)', sources=['upload'])
                button = gr.Button('Localise', variant='primary')
                if examples:
                    gr.Examples(examples=[[path] for path in examples], inputs=[video])
            with gr.Column():
                heat = gr.Video(label='heatmap video', interactive=False)
                scores = gr.Dataframe(
                    headers=['second', 'score', 'frames'],
                    datatype=['number', 'number', 'number'], interactive=False,
                    label=f'audible and visible, per second ({SCORE_MEANING}; '
                          'about 0.5: no location matches)')
        button.click(localize, inputs=[video], outputs=[heat, scores], api_name='localize',
                     concurrency_limit=1)
    return app


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        import gradio  # noqa: F401
    except ImportError:
        sys.exit('error: the web demo needs Gradio: pip install -e ".[demo]"')
    with exit_on_input_error():
        examples = list_examples(args.examples)
        model = init_localizer(args.config, args.checkpoint, args.device)
    app = build_app(model, examples, args.batch_size)
    allowed = [osp.abspath(args.examples)] if args.examples else None
    app.launch(server_name=args.host, server_port=args.port, allowed_paths=allowed)


if __name__ == '__main__':
    main()
