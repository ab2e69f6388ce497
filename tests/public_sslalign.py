"""A transcription of SSL-Align's public evaluation (github.com/kaistmm/SSLalignment at
e7ae3c5, 2025-05-28) for parity tests, written statement by statement from its
sources and independent of avloc's modules:

- ``utils.py``: class ``Evaluator_iiou`` (``cal_CIOU``, ``cal_CIOU_adap``,
  ``finalize_AUC``, ``finalize_IAUC``, ``finalize_IAUC_adap``, ``finalize_cIoU``);
- ``utils_lvs.py``: ``normalize_img``;
- ``datasets_lvs.py``: ``load_all_bboxes`` (format 'is3': ``int`` of each
  ``gt_box`` coordinate) and ``bbox2gtmap`` (a format other than 'flickr': union);
- ``test.py``: ``validate_lvs``, the branch for a test set other than VGG-SS (IS3
  goes there): bilinear upsampling to 224 with corners aligned, ``pred = 1 -
  normalize_img(-H)``, the median threshold ``sort(pred)[N // 2]`` and the
  adaptive ``sort(pred)[N - |G|]`` (``|G| = N // 2`` when G is empty), both with
  ``>`` in ``cal_CIOU``, and the instances grouped by ``short_name``.

``sklearn.metrics.auc`` is restated as what it computes for increasing x, the
trapezoid rule (sklearn is not a test dependency).
"""
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F


def sklearn_auc(x, y) -> float:
    """``sklearn.metrics.auc`` for increasing ``x``: ``np.trapezoid(y, x)``."""
    return float(np.trapezoid(y, x))


def normalize_img(value, vmax=None, vmin=None):
    """``utils_lvs.normalize_img``."""
    vmin = value.min() if vmin is None else vmin
    vmax = value.max() if vmax is None else vmax
    if not (vmax - vmin) == 0:
        value = (value - vmin) / (vmax - vmin)  # vmin..vmax
    return value


def load_is3_bboxes(annotations) -> dict:
    """``datasets_lvs.load_all_bboxes`` with ``format='is3'``, given the parsed json
    (theirs opens ``metadata/synthetic3240_bbox.json``)."""
    gt_bboxes = {}
    for annotation in annotations:
        bboxes = [[int(bbox) for bbox in annotation['gt_box']]]
        gt_bboxes[annotation['image'].split('/')[-1].split('.')[0]] = bboxes
    return gt_bboxes


def bbox2gtmap(bboxes, format='is3'):
    """``datasets_lvs.bbox2gtmap``."""
    gt_map = np.zeros([224, 224])
    for xmin, ymin, xmax, ymax in bboxes:
        temp = np.zeros([224, 224])
        temp[ymin:ymax, xmin:xmax] = 1
        gt_map += temp

    if format == 'flickr':
        # Annotation consensus
        gt_map = gt_map / 2
        gt_map[gt_map > 1] = 1

    else:
        # Single annotation
        gt_map[gt_map > 0] = 1

    return gt_map


class Evaluator_iiou(object):
    """``utils.Evaluator_iiou``."""

    def __init__(self):
        super(Evaluator_iiou, self).__init__()
        self.ciou = []
        self.ciou_adap = []
        self.iou = {}
        self.iou_adap = {}
        self.iiou = []
        self.iiou_adap = []

    def cal_CIOU(self, infer, gtmap, thres=0.01):
        infer_map = np.zeros((224, 224))
        infer_map[infer > thres] = 1
        ciou = np.sum(infer_map * gtmap) / (np.sum(gtmap) + np.sum(infer_map * (gtmap == 0)))

        self.ciou.append(ciou)
        return ciou, np.sum(infer_map * gtmap), (np.sum(gtmap) + np.sum(infer_map * (gtmap == 0)))

    def cal_CIOU_adap(self, infer, gtmap, thres=0.01):
        infer_map = np.zeros((224, 224))
        infer_map[infer > thres] = 1
        ciou = np.sum(infer_map * gtmap) / (np.sum(gtmap) + np.sum(infer_map * (gtmap == 0)))

        self.ciou_adap.append(ciou)

    def finalize_AUC(self):
        cious = [np.sum(np.array(self.ciou) >= 0.05 * i) / len(self.ciou)
                 for i in range(21)]
        thr = [0.05 * i for i in range(21)]
        auc = sklearn_auc(thr, cious)

        cious_adap = [np.sum(np.array(self.ciou_adap) >= 0.05 * i) / len(self.ciou_adap)
                      for i in range(21)]
        thr = [0.05 * i for i in range(21)]
        auc_adap = sklearn_auc(thr, cious_adap)
        return auc, auc_adap

    def finalize_IAUC(self):
        iious = []
        for i in range(21):
            iiou = []
            for name in self.iou:
                iou_pair = np.array(self.iou[name])
                iou_pair[iou_pair >= 0.05 * i] = 1
                iou_pair[iou_pair < 0.05 * i] = 0
                iiou.append(np.min(iou_pair))
            iious.append(np.mean(iiou))

        thr = [0.05 * i for i in range(21)]
        auc = sklearn_auc(thr, iious)
        return auc

    def finalize_IAUC_adap(self):
        iious = []
        for i in range(21):
            iiou_adap = []
            for name in self.iou_adap:
                iou_pair = np.array(self.iou_adap[name])
                iou_pair[iou_pair >= 0.05 * i] = 1
                iou_pair[iou_pair < 0.05 * i] = 0
                iiou_adap.append(np.min(iou_pair))
            iious.append(np.mean(iiou_adap))

        thr = [0.05 * i for i in range(21)]
        auc = sklearn_auc(thr, iious)
        return auc

    def finalize_cIoU(self):
        ciou05 = np.sum(np.array(self.ciou) >= 0.5) / len(self.ciou)
        ciou_adap = np.sum(np.array(self.ciou_adap) >= 0.5) / len(self.ciou_adap)
        ciou = ciou05

        for name in self.iou:
            iou_pair = np.array(self.iou[name])
            iou_pair[iou_pair >= 0.5] = 1
            iou_pair[iou_pair < 0.5] = 0
            self.iiou.append(np.min(iou_pair))
        for name in self.iou_adap:
            iou_pair = np.array(self.iou_adap[name])
            iou_pair[iou_pair >= 0.5] = 1
            iou_pair[iou_pair < 0.5] = 0
            self.iiou_adap.append(np.min(iou_pair))

        return [ciou, ciou_adap, np.mean(self.iiou), np.mean(self.iiou_adap)]


def validate_is3(heatmaps: Sequence[np.ndarray], gt_maps: Sequence[np.ndarray],
                 names: Sequence[str]) -> Evaluator_iiou:
    """``test.validate_lvs``'s loop for a test set other than VGG-SS, from the model's
    (h, w) heatmaps on: ``evaluator`` filled for every instance (the object-prior
    ``evaluator_ogl`` and the visualisation are left out). ``names`` are the
    dataset's file names (``<stem>.jpg``)."""
    evaluator = Evaluator_iiou()
    heatmap = torch.from_numpy(np.stack(heatmaps)[:, None])  # (B, 1, h, w)
    heatmap = F.interpolate(heatmap, size=(224, 224), mode='bilinear', align_corners=True)
    for i in range(heatmap.shape[0]):
        heatmap_now = heatmap[i:i + 1].cpu().numpy()
        heatmap_now = normalize_img(-heatmap_now[0][0])
        gt_map = gt_maps[i]
        pred = 1 - heatmap_now
        threshold = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1] / 2)]
        evaluator.cal_CIOU(pred, gt_map, threshold)

        gt_nums = (gt_map != 0).sum()
        if int(gt_nums) == 0:
            gt_nums = int(pred.shape[0] * pred.shape[1]) // 2
        threshold = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1]) - int(gt_nums)]
        evaluator.cal_CIOU_adap(pred, gt_map, threshold)

        short_name = '_'.join(names[i].split('/')[-1].replace('.jpg', '').split('_')[:-1])
        if short_name in evaluator.iou.keys():
            evaluator.iou_adap[short_name].append(evaluator.ciou_adap[-1])
            evaluator.iou[short_name].append(evaluator.ciou[-1])
        else:
            evaluator.iou_adap[short_name] = [evaluator.ciou_adap[-1]]
            evaluator.iou[short_name] = [evaluator.ciou[-1]]
    return evaluator
