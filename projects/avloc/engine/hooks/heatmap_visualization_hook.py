"""Heatmap overlays of test clips, through MMEngine's Visualizer and as PNG files.

    python tools/test.py CONFIG CHECKPOINT --show-dir overlays --show-num 16
"""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
from mmengine.hooks import Hook

from avloc.datasets.transforms.loading import LoadFrame
from avloc.registry import HOOKS
from avloc.visualization import check_overlay_settings, frame_overlay


def _frame_loader(runner) -> LoadFrame:
    """The test pipeline's :class:`LoadFrame` (its ``frame_time`` picks the frame a
    video was scored on); a default one when the pipeline is out of reach."""
    loop = getattr(runner, 'test_loop', None)
    dataset = getattr(getattr(loop, 'dataloader', None), 'dataset', None)
    for transform in getattr(getattr(dataset, 'pipeline', None), 'transforms', ()):
        if isinstance(transform, LoadFrame):
            return transform
    return LoadFrame()


@HOOKS.register_module()
class HeatmapVisualizationHook(Hook):
    """Overlay each test clip's heatmap and ground-truth boxes on its original frame.

    The frame is decoded again from the sample's ``frame_path`` / ``video_path``
    and the heatmap of the first view is mapped back onto it through that view's
    homography (:func:`~avloc.visualization.frame_overlay`), so the overlay has
    the frame's resolution, not the network input's. Each overlay goes to the
    runner's Visualizer (``add_image(clip_id, overlay, step=runner.iter)``), hence
    to every configured vis backend (``LocalVisBackend``, ``TensorboardVisBackend``,
    ``WandbVisBackend``; see ``vis_backends`` in ``configs/_base_/default_runtime.py``),
    and, when ``out_dir`` is set, to ``<out_dir>/<clip_id>.png``.

    Args:
        draw (bool): Whether to draw anything. Defaults to False.
        out_dir (str, optional): Folder for the PNG files, relative to the work dir
            unless absolute; None sends the overlays to the Visualizer only.
            Defaults to 'overlays'.
        max_images (int): Stop after this many clips. Defaults to 16.
        alpha (float): Heatmap weight in [0, 1]. Defaults to 0.5.
        scale (str): ``'fixed'``: one colour scale for every clip, cosine 0 to 1
            (:mod:`avloc.visualization.colour_scale`), with a colour bar;
            ``'frame'``: each map stretched over the colours. Defaults to 'fixed'.
    """

    def __init__(self, draw: bool = False, out_dir: Optional[str] = 'overlays',
                 max_images: int = 16, alpha: float = 0.5, scale: str = 'fixed') -> None:
        check_overlay_settings(alpha, scale)
        self.alpha, self.scale = alpha, scale
        self.draw = draw
        self.out_dir = out_dir
        self.max_images = max_images
        self._written = 0

    def before_test(self, runner) -> None:
        self._written = 0
        self._dir = None
        if self.out_dir is not None:
            self._dir = (self.out_dir if osp.isabs(self.out_dir)
                         else osp.join(runner.work_dir, self.out_dir))
        self._load = _frame_loader(runner) if self.draw else None

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        if not self.draw or self._written >= self.max_images or not outputs:
            return
        if self._dir is not None:
            os.makedirs(self._dir, exist_ok=True)
        for sample in outputs:
            if self._written >= self.max_images:
                break
            frame = self._load(dict(frame_path=sample.get('frame_path'),
                                    video_path=sample.get('video_path')))['img']
            overlay = frame_overlay(frame, sample.pred_heatmap[0].float().cpu().numpy(),
                                    sample.homography_matrices[0].cpu().numpy(),
                                    sample.img_shape, sample.gt_bboxes.cpu().numpy(),
                                    self.alpha, self.scale)
            runner.visualizer.add_image(str(sample.clip_id), overlay, step=runner.iter)
            if self._dir is not None:
                cv2.imwrite(osp.join(self._dir, f'{sample.clip_id}.png'),
                            cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
            self._written += 1

    def after_test(self, runner) -> None:
        if self.draw and self._written:
            where = f' and to {self._dir}' if self._dir is not None else ''
            runner.logger.info(f'Sent {self._written} heatmap overlays at frame resolution '
                               f'to the visualizer{where}')
