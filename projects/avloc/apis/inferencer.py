"""Localising sounds in files or arrays in one call, as mmdet's ``DetInferencer``
and mmpretrain's ``ImageClassificationInferencer`` do for their tasks.

    from avloc.apis import LocalizerInferencer

    inferencer = LocalizerInferencer('configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py',
                                     'work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth')
    result = inferencer([dict(image='frame.jpg', audio='sound.wav'), 'clip.mp4'],
                        out_dir='outputs')
    result['predictions'][0]['heatmap']  # (H, W) float32 in [0, 1]

An input is a video path (or ``dict(video=path)``): every frame (or ``fps`` of them)
with the audio centred on it (:func:`localize_video`); or ``dict(image=..., audio=...)``
for one frame, each a path or an array:

- ``image``: an image file, or an (H, W, 3) uint8 array with its ``channel_order``
  (``'rgb'``, or ``'bgr'`` as ``cv2.imread`` and ``mmcv.imread`` give) given in
  the dict or to the call; an array without one is refused.
- ``audio``: any file FFmpeg reads (a video's track too), or (N,) float mono samples
  in [-1, 1] with their ``sample_rate``; integer or int16-scale samples are refused
  (:mod:`avloc.apis.input_arrays`).

Heatmaps are each location's cosine similarity with the audio mapped to [0, 1] by
``(x + 1) / 2`` at the frame's own size; ``peak`` is their maximum. A peak is not a
test of whether the sounding object is in view: a model can match silence or noise
as well as the clip's own sound (``docs/evaluation.md``, negative audio).
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar

from avloc.fileio import MAX_PIXELS, read_image, read_window
from avloc.visualization import check_overlay_settings, overlay_heatmap
from .init_localizer import init_localizer
from .input_arrays import checked_audio, checked_frame
from .localize import InferencePipeline, localize_packed
from .localize_video import localize_video
from .overlay_video import overlay_video
from .progress import frame_progress

Input = Union[str, dict]


def _input_name(item: dict, index: int) -> str:
    """A file-name stem for an input's outputs: its video's or image's name."""
    source = item.get('video', item.get('image'))
    if isinstance(source, (str, os.PathLike)):
        return f'{index:04d}_{osp.splitext(osp.basename(source))[0]}'
    return f'{index:04d}'


class LocalizerInferencer:
    """Heatmaps, peaks and overlays for frames and videos, from files or arrays.

    Args:
        model: A config file, a :class:`Config`, a model-zoo name, or a model from
            :func:`init_localizer`.
        weights (str, optional): The checkpoint (path, URL or released SSL-TIE
            file) when ``model`` is not built yet. Defaults to None.
        device: Where the model runs. Defaults to 'cpu'.
        random_weights (bool): Run an untrained model when there is no checkpoint
            (:func:`init_localizer` refuses otherwise). Defaults to False.
        batch_size (int): Frames per model call. Defaults to 8.
        max_pixels (int): The largest image or video frame to decode. Defaults to
            :data:`MAX_PIXELS` (4096 x 4096).
    """

    def __init__(self, model: Union[str, Config, torch.nn.Module],
                 weights: Optional[str] = None, device: Union[str, torch.device] = 'cpu',
                 random_weights: bool = False, batch_size: int = 8,
                 max_pixels: int = MAX_PIXELS) -> None:
        if isinstance(model, torch.nn.Module):
            self.model = model
        else:
            self.model = init_localizer(model, weights, device, random_weights=random_weights)
        self.pipeline = InferencePipeline(self.model.cfg)
        self.batch_size, self.max_pixels = batch_size, max_pixels

    @property
    def model_description(self) -> str:
        """Which checkpoint runs and what it was trained on, in one line."""
        provenance = getattr(self.model, 'provenance', None)
        return provenance.describe() if provenance is not None else 'unknown model'

    def __call__(self, inputs: Union[Input, Sequence[Input]],
                 channel_order: Optional[str] = None, fps: Optional[float] = None,
                 return_vis: bool = False, out_dir: Optional[str] = None,
                 alpha: float = 0.5, scale: str = 'fixed', colour_bar: bool = True,
                 show_progress: bool = False) -> dict:
        """Localise the sound of every input.

        Args:
            inputs: One input or a list (see the module's docstring).
            channel_order (str, optional): ``'rgb'`` or ``'bgr'``, for image
                arrays whose dict does not say. Defaults to None (an array
                without one is refused).
            fps (float, optional): Frames per second of a video to localise;
                None: every frame. Defaults to None.
            return_vis (bool): Also return overlays: (H, W', 3) uint8 RGB per
                image, or per frame of a video. Defaults to False.
            out_dir (str, optional): Write ``vis/<name>.png`` or ``.mp4`` (the
                video with its audio) and ``preds/<name>.npz`` (``heatmap``,
                ``peak``; for a video ``times``, ``heatmaps``, ``peaks``).
                Defaults to None.
            alpha, scale, colour_bar: Overlay settings
                (:func:`~avloc.visualization.overlay_heatmap`): heatmap weight,
                ``'fixed'`` (cosine 0 to 1) or ``'frame'`` colour scale, and a
                colour bar. Defaults to 0.5, 'fixed', True.
            show_progress (bool): A progress bar with its ETA. Defaults to False.

        Returns:
            dict: ``predictions``, one dict per input: for an image ``heatmap``
            (H, W) float32 in [0, 1], ``peak`` and ``peak_xy`` (x, y pixels);
            for a video ``times`` (s), ``heatmaps`` (T, H, W) float32 and
            ``peaks``. ``visualization``: the overlays per input, or None.
            ``model``: which checkpoint ran and what it was trained on.

        Raises:
            ValueError: A bad input (named by its index), or bad settings; all
                are checked before the model runs. MediaError and OSError for
                files that do not decode or do not exist.
        """
        items = [self._parse(item, i, channel_order)
                 for i, item in enumerate(inputs if isinstance(inputs, (list, tuple))
                                          else [inputs])]
        check_overlay_settings(alpha, scale)  # before any work
        draw = dict(alpha=alpha, scale=scale, with_colour_bar=colour_bar)
        for sub in ('vis', 'preds') if out_dir else ():
            os.makedirs(osp.join(out_dir, sub), exist_ok=True)
        images = [i for i, item in enumerate(items) if 'video' not in item]
        bar = ProgressBar(len(images)) if show_progress and images else None
        predictions, visuals = [None] * len(items), [None] * len(items)
        for start in range(0, len(images), self.batch_size):
            batch = images[start:start + self.batch_size]
            frames = [self._frame(items[i]) for i in batch]
            packed = [self.pipeline(frame, self._audio(items[i]))
                      for i, frame in zip(batch, frames)]
            for i, frame, heatmap in zip(batch, frames, localize_packed(self.model, packed)):
                y, x = np.unravel_index(int(np.argmax(heatmap)), heatmap.shape)
                predictions[i] = dict(heatmap=heatmap, peak=float(heatmap.max()),
                                      peak_xy=(int(x), int(y)))
                if return_vis or out_dir:
                    visuals[i] = overlay_heatmap(frame, heatmap, **draw)
                if out_dir:
                    self._save(out_dir, items[i]['name'], predictions[i], visuals[i])
                if bar is not None:
                    bar.update()
        for i, item in enumerate(items):
            if 'video' in item:
                predictions[i], visuals[i] = self._video(
                    item, fps, return_vis, out_dir, draw, show_progress)
        return dict(predictions=predictions,
                    visualization=visuals if return_vis else None,
                    model=self.model_description)

    def _parse(self, item: Input, index: int, channel_order: Optional[str]) -> dict:
        """An input as a dict with ``name``, checked without decoding anything."""
        where = f'inputs[{index}]'
        if isinstance(item, (str, os.PathLike)):
            item = dict(video=item)
        if not isinstance(item, dict):
            raise ValueError(f'{where}: an input is a video path or a dict with '
                             f"'video' or 'image' and 'audio', got {type(item).__name__}")
        item = dict(item)
        keys = set(item) - {'channel_order', 'sample_rate'}
        if keys not in ({'video'}, {'image', 'audio'}):
            raise ValueError(f"{where}: give 'video', or 'image' and 'audio'; got keys "
                             f'{sorted(item)}')
        for key in keys:
            if isinstance(item[key], (str, os.PathLike)) and not osp.isfile(item[key]):
                raise FileNotFoundError(f'{where}: {item[key]}: no such file')
        if 'image' in item and not isinstance(item['image'], (str, os.PathLike)):
            item['image'] = checked_frame(item['image'], f'{where}.image',
                                          item.get('channel_order', channel_order))
        if 'audio' in item and not isinstance(item['audio'], (str, os.PathLike)):
            if not isinstance(item.get('sample_rate'), int) or item['sample_rate'] <= 0:
                raise ValueError(f'{where}: audio given as samples needs its '
                                 "'sample_rate' in Hz (a positive int)")
            item['audio'] = self.pipeline.resample(
                checked_audio(item['audio'], f'{where}.audio'), item['sample_rate'])
        item['name'] = _input_name(item, index)
        return item

    def _frame(self, item: dict) -> np.ndarray:
        image = item['image']
        return read_image(image, self.max_pixels) if isinstance(image, (str, os.PathLike)) \
            else image

    def _audio(self, item: dict) -> np.ndarray:
        audio = item['audio']
        if isinstance(audio, (str, os.PathLike)):
            return read_window(audio, self.pipeline.sample_rate, 0, None)
        return audio

    def _video(self, item: dict, fps: Optional[float], return_vis: bool,
               out_dir: Optional[str], draw: dict, show_progress: bool):
        """A video's prediction and overlays; with ``out_dir``, the overlay video
        is written in the same pass."""
        times: List[float] = []
        heatmaps: List[np.ndarray] = []
        visuals: Optional[List[np.ndarray]] = [] if return_vis else None
        on_frame = frame_progress() if show_progress else None

        def keep(time: float, frame: np.ndarray, heatmap: np.ndarray) -> None:
            times.append(time)
            heatmaps.append(heatmap)
            if visuals is not None:
                visuals.append(overlay_heatmap(frame, heatmap, **draw))

        if out_dir:
            overlay_video(self.model, item['video'],
                          osp.join(out_dir, 'vis', item['name'] + '.mp4'), fps=fps,
                          batch_size=self.batch_size, on_frame=on_frame,
                          max_pixels=self.max_pixels, alpha=draw['alpha'],
                          scale=draw['scale'], colour_bar=draw['with_colour_bar'],
                          on_heatmap=keep)
        else:
            frames = localize_video(self.model, item['video'], fps=fps,
                                    batch_size=self.batch_size, max_pixels=self.max_pixels)
            if on_frame is not None:
                on_frame(0, 0)
            for done, (time, frame, heatmap) in enumerate(frames, 1):
                keep(time, frame, heatmap)
                if on_frame is not None:
                    on_frame(done, 0)
        prediction = dict(times=np.asarray(times), heatmaps=np.stack(heatmaps),
                          peaks=np.asarray([h.max() for h in heatmaps], np.float32))
        if out_dir:
            np.savez_compressed(osp.join(out_dir, 'preds', item['name'] + '.npz'),
                                **prediction)
        return prediction, visuals

    @staticmethod
    def _save(out_dir: str, name: str, prediction: dict, visual: np.ndarray) -> None:
        path = osp.join(out_dir, 'vis', name + '.png')
        if not cv2.imwrite(path, visual[..., ::-1]):
            raise OSError(f'{path}: could not write the image')
        np.savez_compressed(osp.join(out_dir, 'preds', name + '.npz'),
                            heatmap=prediction['heatmap'], peak=prediction['peak'])
