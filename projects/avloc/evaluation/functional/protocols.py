"""The cIoU protocols of the sound-localisation literature, and how each turns a raw
heatmap into a binary prediction.

Every protocol scores a clip with the same ``ciou`` (:func:`.ciou.ciou`) against the
same 224x224 ground-truth map; they differ in how the heatmap is resized and which
pixels count as predicted:

========== ===================== =========================== ===========================
name       resize to 224         prediction                  source
========== ===================== =========================== ===========================
lvs        OpenCV bilinear       > sorted[N // 2] (median)   LVS (Chen et al., CVPR
                                                             2021) and SSL-TIE's code
ezvsl      bilinear,             >= sorted[N // 2]           EZ-VSL (Mo & Morgado,
           align_corners=True                                ECCV 2022) and its
                                                             descendants (FNAC, SLAVC)
absolute   OpenCV bilinear       > value (default 0.5) on    evaluators that cut the
                                 the min-max normalised map  normalised map at a fixed
                                                             level
adaptive   bilinear,             >= the |G|-th largest value EZ-VSL-derived evaluators
           align_corners=True    (|G| = ground-truth area;   that keep as many pixels as
                                 N // 2 when it is empty)    the ground truth covers
========== ===================== =========================== ===========================

``ssltie`` is another name for ``lvs``. All maps are min-max normalised after the
resize. A constant map (no peak) predicts nothing under every protocol, as in the
published evaluators, whose min-max step divides by zero there.
"""
from dataclasses import dataclass
from typing import Union

import numpy as np

from .ciou import EVAL_SIZE, median_threshold_mask, resize_and_normalize, top_k_mask


@dataclass(frozen=True)
class LocalizationProtocol:
    """How a heatmap becomes a binary prediction.

    Attributes:
        name (str): Protocol name, as logged.
        align_corners (bool): Resize with corner pixels aligned (torch) instead of
            pixel centres (OpenCV).
        threshold (str): 'median', 'absolute' or 'adaptive'.
        inclusive (bool): Keep pixels equal to the threshold.
        value (float): The cut of the 'absolute' rule on the normalised map.
    """

    name: str
    align_corners: bool
    threshold: str
    inclusive: bool
    value: float = 0.5

    def predict(self, heatmap: np.ndarray, gt_map: np.ndarray) -> np.ndarray:
        """(h, w) raw heatmap -> (224, 224) bool prediction. ``gt_map`` is read only
        by the adaptive rule, for its area."""
        norm = resize_and_normalize(heatmap, EVAL_SIZE, self.align_corners)
        if norm.max() == 0:
            # A constant map has no peak. The published evaluators divide by zero in
            # their min-max step and predict nothing; so does avloc, explicitly.
            return np.zeros(norm.shape, bool)
        if self.threshold == 'median':
            return median_threshold_mask(norm, self.inclusive)
        if self.threshold == 'absolute':
            return norm >= self.value if self.inclusive else norm > self.value
        area = int((gt_map > 0).sum()) or norm.size // 2
        return top_k_mask(norm, area)


PROTOCOLS = {
    'lvs': LocalizationProtocol('lvs', align_corners=False, threshold='median',
                                inclusive=False),
    'ezvsl': LocalizationProtocol('ezvsl', align_corners=True, threshold='median',
                                  inclusive=True),
    'absolute': LocalizationProtocol('absolute', align_corners=False,
                                     threshold='absolute', inclusive=False),
    'adaptive': LocalizationProtocol('adaptive', align_corners=True,
                                     threshold='adaptive', inclusive=True),
}
PROTOCOLS['ssltie'] = PROTOCOLS['lvs']


def get_protocol(protocol: Union[str, dict, LocalizationProtocol]) -> LocalizationProtocol:
    """A protocol by name, or a name plus overrides, e.g.
    ``dict(name='absolute', value=0.3)``."""
    if isinstance(protocol, LocalizationProtocol):
        return protocol
    overrides = dict(protocol) if isinstance(protocol, dict) else dict(name=protocol)
    name = overrides.pop('name', None)
    if name not in PROTOCOLS:
        raise ValueError(f'unknown cIoU protocol {name!r}; choose one of '
                         f'{sorted(PROTOCOLS)}')
    unknown = set(overrides) - {'align_corners', 'inclusive', 'value'}
    if unknown:
        raise ValueError(f'protocol {name!r}: unknown options {sorted(unknown)}')
    base = PROTOCOLS[name]
    fields = dict(name=base.name, align_corners=base.align_corners,
                  threshold=base.threshold, inclusive=base.inclusive, value=base.value)
    fields.update(overrides)
    if overrides:
        fields['name'] = name + '(' + ', '.join(f'{k}={v}' for k, v in
                                                 sorted(overrides.items())) + ')'
    return LocalizationProtocol(**fields)
