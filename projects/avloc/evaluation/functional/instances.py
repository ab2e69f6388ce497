"""Scores of frames with several sound sources, one instance at a time: IIoU and
iAUC of SSL-Align (Senocak et al., "Sound Source Localization is All about
Cross-Modal Alignment", ICCV 2023; code at https://github.com/kaistmm/SSLalignment).

A frame of IS3 holds two objects and is tested twice, once with each object's
sound; each test is an instance with its own ciou. A frame counts as localised at
threshold ``t`` only when every one of its instances reaches ``t``: a model that
points at the most salient object whatever it hears succeeds on one instance and
fails the frame. The public code (``utils.py`` ``Evaluator_iiou``) groups the
instances of a frame by file name (:func:`instance_group`).
"""
from typing import Hashable, Sequence

import numpy as np

# The thresholds of the public finalize_IAUC: 0.05 * i for i = 0..20.
IAUC_THRESHOLDS = 0.05 * np.arange(21)


def instance_group(stem: str) -> str:
    """The frame an instance belongs to, from its file stem: everything before the
    last ``_``, SSL-Align's ``short_name`` (``accordion_baby_10467_baby`` ->
    ``accordion_baby_10467``). A stem without ``_`` gives ``''``, as theirs does.

    Args:
        stem (str): File name without folder and extension.

    Returns:
        str: The group key.
    """
    return '_'.join(stem.split('_')[:-1])


def _frame_successes(cious: np.ndarray, inverse: np.ndarray, num_frames: int,
                     threshold: float) -> np.ndarray:
    """(num_frames,) bool: whether every instance of each frame reaches ``threshold``
    (a NaN ciou never does)."""
    failed = np.zeros(num_frames, bool)
    np.logical_or.at(failed, inverse, ~(cious >= threshold))
    return ~failed


def instance_scores(cious: Sequence[float], groups: Sequence[Hashable],
                    threshold: float = 0.5) -> dict:
    """IIoU and iAUC of per-instance cious, as ``Evaluator_iiou`` computes them.

    ``IIoU@t`` is the share of frames whose every instance has ``ciou >= t``
    (``finalize_cIoU``'s iiou: the minimum of the instances' 0/1 successes, averaged
    over frames); ``iAUC`` the trapezoid area under ``IIoU@t`` for t = 0, 0.05, ...,
    1 (``finalize_IAUC``, whose ``sklearn.metrics.auc`` is this trapezoid). Pass
    the adaptive protocol's cious to get ``finalize_IAUC_adap`` and the adaptive
    iiou. The cious may come from any protocol.

    One difference from the public code: a NaN ciou (an empty ground truth and an
    empty prediction) fails its instance, and so its frame, at every threshold.
    The public code carries the NaN through ``np.min`` into the mean, which makes
    the whole score NaN.

    Args:
        cious (Sequence[float]): (M,) ciou of each instance.
        groups (Sequence[Hashable]): (M,) the frame of each instance, e.g.
            :func:`instance_group` of its file stem.
        threshold (float): The ciou ``IIoU`` is reported at. Defaults to 0.5.

    Returns:
        dict: ``IIoU@<threshold>`` (the key formats ``threshold`` with ``:g``),
        ``iAUC``, ``num_frames`` (distinct groups) and ``num_instances`` (M).

    Raises:
        ValueError: if ``cious`` and ``groups`` differ in length or are empty.
    """
    cious = np.asarray(cious, np.float64).reshape(-1)
    groups = list(groups)
    if len(groups) != cious.size:
        raise ValueError(f'{cious.size} cious but {len(groups)} groups: one group '
                         'key per instance')
    if not groups:
        raise ValueError('no instances to score')
    # Frames in order of first appearance, as the public dict keeps them.
    index = {key: i for i, key in enumerate(dict.fromkeys(groups))}
    inverse = np.array([index[g] for g in groups])
    curve = np.array([_frame_successes(cious, inverse, len(index), t).mean()
                      for t in IAUC_THRESHOLDS])
    iiou = _frame_successes(cious, inverse, len(index), threshold).mean()
    return {f'IIoU@{threshold:g}': float(iiou),
            'iAUC': float(np.trapezoid(curve, IAUC_THRESHOLDS)),
            'num_frames': len(index), 'num_instances': int(cious.size)}
