"""Write heatmap overlays of test clips as PNG files."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
from mmengine.hooks import Hook

from avloc.registry import HOOKS
from avloc.visualization import overlay_heatmap


@HOOKS.register_module()
class HeatmapVisualizationHook(Hook):
    """Save ``<clip_id>.png`` overlays (heatmap + ground-truth boxes) during testing.

    Args:
        draw (bool): Whether to write anything. Defaults to False.
        out_dir (str): Folder, relative to the work dir unless absolute.
            Defaults to 'overlays'.
        max_images (int): Stop after this many clips. Defaults to 16.
    """

    def __init__(self, draw: bool = False, out_dir: str = 'overlays',
                 max_images: int = 16) -> None:
        self.draw = draw
        self.out_dir = out_dir
        self.max_images = max_images
        self._written = 0

    def before_test(self, runner) -> None:
        self._written = 0
        self._dir = self.out_dir if osp.isabs(self.out_dir) else osp.join(runner.work_dir,
                                                                          self.out_dir)

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        if not self.draw or self._written >= self.max_images or not outputs:
            return
        os.makedirs(self._dir, exist_ok=True)
        frames = data_batch['inputs']['imgs']
        for frame, sample in zip(frames, outputs):
            if self._written >= self.max_images:
                break
            img = frame[0].permute(1, 2, 0).cpu().numpy()  # first view, (H, W, 3) RGB
            overlay = overlay_heatmap(img, sample.pred_heatmap[0].float().cpu().numpy(),
                                      sample.gt_bboxes.cpu().numpy())
            path = osp.join(self._dir, f'{sample.clip_id}.png')
            cv2.imwrite(path, cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
            self._written += 1

    def after_test(self, runner) -> None:
        if self.draw and self._written:
            runner.logger.info(f'Wrote {self._written} heatmap overlays to {self._dir}')
