"""The cIoU protocols of the sound-localisation literature, and how each turns a raw
heatmap into a binary prediction.

Every protocol scores a clip with the same ``ciou`` (:func:`.ciou.ciou`) against the
same 224x224 ground-truth map; they differ in how the heatmap is resized and
normalised and which pixels count as predicted:

================= =================== ==================== ================================
name              resize to 224       normalised map       prediction
================= =================== ==================== ================================
lvs               OpenCV bilinear     ``1 - minmax(-H)``   ``> sorted[N // 2]`` (median),
                                                           plus every pixel at 1 or more
ezvsl             bilinear,           ``minmax(H)``        ``>= sorted[N // 2]``
                  align_corners=True
absolute          OpenCV bilinear     ``minmax(H)``        ``> value`` (default 0.5)
adaptive          bilinear,           ``minmax(H)``        ``>=`` the |G|-th largest value
                  align_corners=True                       (|G| = ground-truth area,
                                                           N // 2 when it is empty)
sslalign          bilinear,           ``1 - minmax(-H)``   ``> sorted[N // 2]`` (median)
                  align_corners=True
sslalign_adaptive bilinear,           ``1 - minmax(-H)``   ``>`` the |G|-th largest value,
                  align_corners=True                       ``sorted[N - |G|]``
================= =================== ==================== ================================

Sources: ``lvs`` is the evaluator of LVS (Chen et al., CVPR 2021, ``test.py``) reused
by SSL-TIE (``main.py``); ``ssltie`` is another name for it. ``ezvsl`` is EZ-VSL's
(Mo & Morgado, ECCV 2022, ``test.py`` and ``utils.py``), reused by SLAVC and FNAC.
``adaptive`` is an EZ-VSL-derived evaluator that keeps as many pixels as the ground
truth covers. ``absolute`` cuts the normalised map at a fixed level and follows no
single public code: it is defined here. ``sslalign`` and ``sslalign_adaptive`` are
SSL-Align's (Senocak et al., ICCV 2023, https://github.com/kaistmm/SSLalignment):
``test.py`` ``validate_lvs``, the branch for test sets other than VGG-SS (the one
its IS3 evaluation runs), with ``utils.py`` ``Evaluator_iiou.cal_CIOU`` /
``cal_CIOU_adap`` (``>``); its VGG-SS branch resizes with OpenCV instead,
``dict(name='sslalign', align_corners=False)``. Unlike LVS it has no step that
keeps the pixels at 1.

``inclusive`` (keep the pixels equal to the threshold) applies to every rule, so
``dict(name='adaptive', inclusive=False)`` is ``sslalign_adaptive``'s ``>`` on
EZ-VSL's map.

Edge cases, as the public code behaves (checked against it on the VGG-SS list by
``tests/test_evaluation/test_protocols_on_vggss.py`` and, for SSL-Align's,
``test_sslalign_protocols.py``):

* Constant map (max == min after the resize). Every public ``normalize_img`` skips
  the division then. EZ-VSL thresholds with ``>=``, so ``ezvsl`` and ``adaptive``
  predict the whole frame. LVS / SSL-TIE compute ``pred = 1 - normalize_img(-H)``,
  which leaves a constant ``c`` at ``1 + c``; nothing is above the median, and their
  next step (``pred[pred < 1] = 0``, then ``>= 0.5``) keeps the whole frame when
  ``1 + c >= 1`` in float32 (``c >= 0``, or negative within rounding of 0) and
  nothing otherwise. SSL-Align computes the same ``1 + c`` but has no such step:
  ``sslalign`` and ``sslalign_adaptive`` predict nothing. ``absolute`` maps a
  constant map to 0 (no pixel above any other) and so predicts nothing: its cut
  measures height above the minimum, and a constant map has none.
* More than half the frame tied at the maximum: under ``lvs`` the median element
  is the maximum, nothing is strictly above it, but the pixels at it (1 after the
  flip) survive the same ``pred[pred < 1] = 0`` step, so they are all predicted.
  ``sslalign`` predicts nothing there, and ``sslalign_adaptive`` nothing whenever
  |G| or more pixels tie at the maximum.
* Empty ground truth: the prediction is unchanged (``adaptive`` keeps N // 2
  pixels; ``sslalign_adaptive``, with |G| = N // 2, is ``sslalign``) and the ciou is
  ``0 / sum(P) = 0``, or NaN when nothing is predicted.
  Whether such a clip is scored is :class:`~avloc.evaluation.CIoUMetric`'s
  ``empty_gt`` option (scored as a failure by default, as in the public code).

:mod:`.batched` scores many clips at once with the same predictions and cious.
"""
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from avloc.structures.geometry import resize_heatmap
from .ciou import EVAL_SIZE, lvs_normalize, median_threshold_mask, minmax_normalize, top_k_mask

NORMALIZATIONS = ('lvs', 'flip', 'minmax')
THRESHOLDS = ('median', 'absolute', 'adaptive')


def adaptive_area(gt_map: np.ndarray) -> int:
    """|G| of the adaptive rules: the ground-truth map's pixels above 0, or half the
    frame (``N // 2``) when it has none, as the public code counts it."""
    return int((gt_map > 0).sum()) or gt_map.size // 2


@dataclass(frozen=True)
class LocalizationProtocol:
    """How a heatmap becomes a binary prediction.

    Attributes:
        name (str): Protocol name, as logged.
        align_corners (bool): Resize with corner pixels aligned (torch) instead of
            pixel centres (OpenCV).
        normalize (str): 'lvs' (``1 - minmax(-H)``, LVS's steps, pixels at 1 always
            kept), 'flip' (``1 - minmax(-H)`` alone, SSL-Align's) or 'minmax'
            (``minmax(H)``, a constant map becomes 0).
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

    def __post_init__(self) -> None:
        if self.normalize not in NORMALIZATIONS:
            raise ValueError(f'protocol {self.name!r}: normalize must be one of '
                             f'{NORMALIZATIONS}, got {self.normalize!r}')
        if self.threshold not in THRESHOLDS:
            raise ValueError(f'protocol {self.name!r}: threshold must be one of '
                             f'{THRESHOLDS}, got {self.threshold!r}')

    @property
    def reads_gt(self) -> bool:
        """Whether the prediction depends on the ground truth (the adaptive rule's
        area); the other rules predict once per heatmap."""
        return self.threshold == 'adaptive'

    @property
    def keeps_max(self) -> bool:
        """Whether every pixel at 1 or more after the normalisation is predicted
        whatever the threshold (LVS's ``pred[pred < 1] = 0`` step)."""
        return self.normalize == 'lvs'

    def predict(self, heatmap: np.ndarray,
                gt_map: Optional[np.ndarray] = None) -> np.ndarray:
        """(h, w) raw heatmap -> (224, 224) bool prediction. ``gt_map`` (224, 224)
        is read only by the adaptive rule, for its area."""
        resized = resize_heatmap(heatmap, EVAL_SIZE, self.align_corners)
        return self.threshold_map(self.normalize_map(resized), gt_map)

    def normalize_map(self, resized: np.ndarray) -> np.ndarray:
        """(H, W) resized float32 map -> the normalised map the threshold reads."""
        if self.normalize == 'minmax':
            return minmax_normalize(resized)
        return lvs_normalize(resized)

    def threshold_map(self, norm: np.ndarray,
                      gt_map: Optional[np.ndarray] = None) -> np.ndarray:
        """(H, W) normalised map -> (H, W) bool prediction."""
        if self.threshold == 'median':
            pred = median_threshold_mask(norm, self.inclusive)
        elif self.threshold == 'absolute':
            pred = norm >= self.value if self.inclusive else norm > self.value
        else:
            if gt_map is None:
                raise ValueError(f'protocol {self.name!r} keeps as many pixels as the '
                                 'ground truth covers: pass gt_map')
            pred = top_k_mask(norm, adaptive_area(gt_map), self.inclusive)
        if self.keeps_max:
            # LVS sets the pixels above the threshold to 1, those below 1 to 0 and
            # keeps >= 0.5, so a pixel at 1 or more survives the threshold: the
            # maximum when it holds over half the frame, a constant map c >= 0.
            pred |= norm >= 1
        return pred


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
    'sslalign': LocalizationProtocol('sslalign', align_corners=True, normalize='flip',
                                     threshold='median', inclusive=False),
    'sslalign_adaptive': LocalizationProtocol('sslalign_adaptive', align_corners=True,
                                              normalize='flip', threshold='adaptive',
                                              inclusive=False),
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
