"""Multi-view augmentation and packing of a clip into model inputs."""
import copy
from typing import List, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform, Compose

from avloc.registry import TRANSFORMS
from avloc.structures import AVDataSample
from .frame_transform import FrameTransform

_VIEW_KEYS = ('img', 'img_shape', 'homography_matrix', 'valid_mask')


@TRANSFORMS.register_module()
class MultiView(FrameTransform):
    """Make ``num_views`` independently augmented views of the frame.

    Each view runs ``transforms`` on its own copy of the frame and keeps its own
    homography and valid mask, so the equivariance loss can map one view onto
    another. Adds ``imgs`` (list of (H, W, 3)), ``homography_matrices`` (list of
    (3, 3)) and ``valid_masks`` (list of (H, W)).

    Args:
        transforms (list[dict]): The per-view pipeline.
        num_views (int): Number of views. Defaults to 2.
    """

    def __init__(self, transforms: List[dict], num_views: int = 2) -> None:
        # Built from avloc's registry, whatever the default scope is.
        self.pipeline = Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t
                                 for t in transforms])
        self.num_views = num_views

    def transform(self, results: dict) -> dict:
        views = []
        for _ in range(self.num_views):
            view = {k: copy.deepcopy(v) for k, v in results.items() if k in _VIEW_KEYS}
            views.append(self.pipeline(view))
        shapes = {tuple(v['img_shape']) for v in views}
        if len(shapes) != 1:
            raise ValueError(f'MultiView views differ in shape {shapes}: end the per-view '
                             'pipeline with a fixed-size transform')
        results['imgs'] = [v['img'] for v in views]
        results['homography_matrices'] = [v['homography_matrix'] for v in views]
        results['valid_masks'] = [v['valid_mask'] for v in views]
        results['img_shape'] = views[0]['img_shape']
        for key in ('img', 'homography_matrix', 'valid_mask'):
            results.pop(key, None)
        return results


@TRANSFORMS.register_module()
class PackAVInputs(BaseTransform):
    """Pack frames and spectrogram into ``inputs`` and the rest into a data sample.

    Output: ``inputs = dict(imgs=(V, 3, H, W) uint8, spec=(1, F, T) float32)`` (or
    ``audio=(N,) float32`` when no spectrogram was computed) and
    ``data_samples`` an :class:`AVDataSample` with ``homography_matrices`` (V, 3, 3),
    ``valid_masks`` (V, H, W) bool, ``gt_bboxes`` (N, 4) normalised boxes and, when
    loaded, ``gt_mask`` (H, W) uint8. An audio-only pipeline (no frame loaded) packs
    ``spec`` alone.

    Args:
        meta_keys (Sequence[str]): Keys copied into the sample's metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = ('clip_id', 'video_path', 'frame_path',
                                                   'audio_path', 'ori_shape', 'img_shape',
                                                   'class_name', 'gt_label',
                                                   'is_sounding', 'instance_group')
                 ) -> None:
        self.meta_keys = meta_keys

    def transform(self, results: dict) -> dict:
        sample = AVDataSample(metainfo={k: results[k] for k in self.meta_keys
                                        if k in results})
        boxes = np.asarray(results.get('gt_bboxes', np.zeros((0, 4))), dtype=np.float32)
        sample.gt_bboxes = torch.from_numpy(boxes.reshape(-1, 4))
        if 'gt_mask' in results:
            sample.gt_mask = torch.from_numpy(np.ascontiguousarray(results['gt_mask']))
        # The waveform when the spectrogram is left to the data preprocessor.
        inputs = (dict(spec=torch.from_numpy(results['spec'])) if 'spec' in results else
                  dict(audio=torch.from_numpy(np.ascontiguousarray(results['audio'],
                                                                   dtype=np.float32))))
        if 'imgs' in results or 'img' in results:  # audio-only pipelines pack no frame
            imgs = results.get('imgs', [results.get('img')])
            matrices = results.get('homography_matrices', [results.get('homography_matrix')])
            masks = results.get('valid_masks', [results.get('valid_mask')])
            inputs['imgs'] = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).contiguous()
            sample.homography_matrices = torch.from_numpy(
                np.stack(matrices).astype(np.float32))
            sample.valid_masks = torch.from_numpy(np.stack(masks).astype(bool))
        return dict(inputs=inputs, data_samples=sample)
