"""The cIoU protocols of the sound-localisation literature, and how each turns a raw
heatmap into a binary prediction.

Every protocol scores a clip with the same ``ciou`` (:func:`.ciou.ciou`) against the
same 224x224 ground-truth map; they differ in how the heatmap is resized and
normalised and which pixels count as predicted:

========== =================== ======================= ===============================
name       resize to 224       normalised map          prediction
========== =================== ======================= ===============================
lvs        OpenCV bilinear     ``1 - minmax(-H)``      ``> sorted[N // 2]`` (median),
                                                       plus every pixel at 1 or more
ezvsl      bilinear,           ``minmax(H)``           ``>= sorted[N // 2]``
           align_corners=True
absolute   OpenCV bilinear     ``minmax(H)``           ``> value`` (default 0.5)
adaptive   bilinear,           ``minmax(H)``           ``>=`` the |G|-th largest value
           align_corners=True                          (|G| = ground-truth area,
                                                       N // 2 when it is empty)
========== =================== ======================= ===============================

Sources: ``lvs`` is the evaluator of LVS (Chen et al., CVPR 2021, ``test.py``) reused
by SSL-TIE (``main.py``); ``ssltie`` is another name for it. ``ezvsl`` is EZ-VSL's
(Mo & Morgado, ECCV 2022, ``test.py`` and ``utils.py``), reused by SLAVC and FNAC.
``adaptive`` is an EZ-VSL-derived evaluator that keeps as many pixels as the ground
truth covers. ``absolute`` cuts the normalised map at a fixed level and follows no
single public code: it is defined here.

Edge cases, as the public code behaves (checked against it on the whole VGG-SS list
by ``tests/test_evaluation/test_protocols_on_vggss.py``):

* Constant map (max == min after the resize). Every public ``normalize_img`` skips
  the division then. EZ-VSL thresholds with ``>=``, so ``ezvsl`` and ``adaptive``
  predict the whole frame. LVS / SSL-TIE compute ``pred = 1 - normalize_img(-H)``,
  which leaves a constant ``c`` at ``1 + c``; nothing is above the median, and their
  next step (``pred[pred < 1] = 0``, then ``>= 0.5``) keeps the whole frame when
  ``1 + c >= 1`` in float32 (``c >= 0``, or negative within rounding of 0) and
  nothing otherwise. ``absolute`` maps a constant map to 0 (no pixel above any
  other) and so predicts nothing: its cut measures height above the minimum, and a
  constant map has none.
* More than half the frame tied at the maximum: under ``lvs`` the median element
  is the maximum, nothing is strictly above it, but the pixels at it (1 after the
  flip) survive the same ``pred[pred < 1] = 0`` step, so they are all predicted.
* Empty ground truth: the prediction is unchanged (``adaptive`` keeps N // 2
  pixels) and the ciou is ``0 / sum(P) = 0``, or NaN when nothing is predicted.
  Whether such a clip is scored is :class:`~avloc.evaluation.CIoUMetric`'s
  ``empty_gt`` option (scored as a failure by default, as in the public code).
"""
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from avloc.structures.geometry import resize_heatmap
from .ciou import EVAL_SIZE, lvs_normalize, median_threshold_mask, minmax_normalize, top_k_mask


@dataclass(frozen=True)
class LocalizationProtocol:
    """How a heatmap becomes a binary prediction.

    Attributes:
        name (str): Protocol name, as logged.
        align_corners (bool): Resize with corner pixels aligned (torch) instead of
            pixel centres (OpenCV).
        normalize (str): 'lvs' (``1 - minmax(-H)``, LVS's steps, pixels at 1 always
            kept) or 'minmax' (``minmax(H)``, a constant map becomes 0).
        threshold (str): 'median', 'absolute' or 'adaptive'.
        inclusive (bool): Keep pixels equal to the threshold.
        value (float): The cut of the 'absolute' rule on the normalised map.
    """

    name: str
    align_corners: bool
    normalize: str
    threshold: str
    inclusive: bool
    value: float = 0.5

    @property
    def reads_gt(self) -> bool:
        """Whether the prediction depends on the ground truth (the adaptive rule's
        area); the other rules predict once per heatmap."""
        return self.threshold == 'adaptive'

    def predict(self, heatmap: np.ndarray,
                gt_map: Optional[np.ndarray] = None) -> np.ndarray:
        """(h, w) raw heatmap -> (224, 224) bool prediction. ``gt_map`` (224, 224)
        is read only by the adaptive rule, for its area."""
        resized = resize_heatmap(heatmap, EVAL_SIZE, self.align_corners)
        if self.normalize == 'lvs':
            norm = lvs_normalize(resized)
            # LVS sets the pixels above the threshold to 1, those below 1 to 0 and
            # keeps >= 0.5, so a pixel at 1 or more survives the threshold: the
            # maximum when it holds over half the frame, a constant map c >= 0.
            return self._threshold(norm, gt_map) | (norm >= 1)
        return self._threshold(minmax_normalize(resized), gt_map)

    def _threshold(self, norm: np.ndarray, gt_map: Optional[np.ndarray]) -> np.ndarray:
        if self.threshold == 'median':
            return median_threshold_mask(norm, self.inclusive)
        if self.threshold == 'absolute':
            return norm >= self.value if self.inclusive else norm > self.value
        if gt_map is None:
            raise ValueError(f'protocol {self.name!r} keeps as many pixels as the '
                             'ground truth covers: pass gt_map')
        area = int((gt_map > 0).sum()) or norm.size // 2
        return top_k_mask(norm, area)


PROTOCOLS = {
    'lvs': LocalizationProtocol('lvs', align_corners=False, normalize='lvs',
                                threshold='median', inclusive=False),
    'ezvsl': LocalizationProtocol('ezvsl', align_corners=True, normalize='minmax',
                                  threshold='median', inclusive=True),
    'absolute': LocalizationProtocol('absolute', align_corners=False,
                                     normalize='minmax', threshold='absolute',
                                     inclusive=False),
    'adaptive': LocalizationProtocol('adaptive', align_corners=True, normalize='minmax',
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
                  normalize=base.normalize, threshold=base.threshold,
                  inclusive=base.inclusive, value=base.value)
    fields.update(overrides)
    if overrides:
        settings = ', '.join(f'{k}={v}' for k, v in sorted(overrides.items()))
        fields['name'] = f'{name}({settings})'
    return LocalizationProtocol(**fields)
