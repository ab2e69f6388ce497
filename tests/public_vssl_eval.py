"""A transcription of the public negative-audio evaluation (Juanola et al., ICASSP 2025;
github.com/xavijuanola/vssl_eval at e8ebbc9) for parity tests, written statement by
statement from its sources and independent of avloc's modules. Only the path
without object guidance ("wogl") is transcribed:

- ``utils_dir/utils.py``: ``Evaluator_iiou.cal_CIOU`` (binarises with
  ``infer > thres``), without the list it appends to;
- ``utils_dir/eval_utils.py``: ``compute_AUC_pIA``, ``compute_AUC``,
  ``compute_IOU_maps``, ``compute_f``, ``compute_pIA``, and the wogl statements of
  ``define_metrics``, ``binarized_negatives_thresholds``,
  ``append_metrics_binarized_pred`` and ``compute_metrics``;
- ``eval.py``: ``eval_lvs``'s VGG-SS branch (``eval_ssltie`` runs the same loop):
  the per-clip maxima of the raw maps, the cv2 ``INTER_LINEAR`` resize, the median
  and adaptive thresholds and the cIoU at the fixed and peak levels (NaN -> 0).

Departures: ``sklearn.metrics.auc(x, y)`` with increasing x is
``np.trapezoid(y, x)`` (sklearn is not installed here); the per-model constants
(``args.lvs_th_max`` and the like, one ``if`` branch per model that differ only in
the names) are ``args.th_max``, ``args.th_max10``, ``args.th_maxq3``; the
object-guided statements, the evaluator's median / adaptive cIoU lists, iIoU and the
file output are left out; blocks repeated with only their names changed (one per
negative kind or per peak level) are written once with a loop over the names. The
0 / 0 of ``cal_CIOU`` and ``compute_f`` warns in numpy; ``eval_vggss`` silences
those warnings and keeps the NaN.
"""
from types import SimpleNamespace

import cv2
import numpy as np
import torch

KINDS = ('silence', 'noise', 'offscreen')


def make_args(th_max, th_max10, th_maxq3, threshold=0.5):
    """The ``args`` fields the wogl statements read."""
    return SimpleNamespace(threshold=threshold, th_max=th_max, th_max10=th_max10,
                           th_maxq3=th_maxq3)


# utils_dir/utils.py, Evaluator_iiou.cal_CIOU
def cal_CIOU(infer, gtmap, thres=0.01):
    infer_map = np.zeros((224, 224))
    infer_map[infer > thres] = 1
    ciou = (np.sum(infer_map * gtmap)
            / (np.sum(gtmap) + np.sum(infer_map * (gtmap == 0))))
    return ciou, np.sum(infer_map * gtmap), (np.sum(gtmap) + np.sum(infer_map * (gtmap == 0)))


# utils_dir/eval_utils.py
def compute_AUC_pIA(metric):
    cious = [np.sum(np.array(metric) <= 0.05 * i) / len(metric)
             for i in range(21)]
    thr = [0.05 * i for i in range(21)]
    auc = np.trapezoid(cious, thr)
    return auc


def compute_AUC(metric):
    cious = [np.sum(np.array(metric) >= 0.05 * i) / len(metric)
             for i in range(21)]
    thr = [0.05 * i for i in range(21)]
    auc = np.trapezoid(cious, thr)
    return auc


def compute_IOU_maps(binarized_map1, binarized_map2):
    if binarized_map2.sum() == 0 and binarized_map1.sum() > 0:
        iou = 0.0

    elif binarized_map1.sum() == 0 and binarized_map2.sum() == 0:
        iou = 1.0

    else:  # binarized_map1.sum() > 0 and binarized_map2.sum() > 0:
        intersection = np.logical_and(binarized_map1, binarized_map2).sum()
        union = np.logical_or(binarized_map1, binarized_map2).sum()

        iou = intersection / union
    return iou


def compute_f(metric1, metric2):
    return (2 * (metric1 * metric2) / (metric1 + metric2))


def compute_pIA(binarized_mask):
    highlighted_area = np.sum(binarized_mask)
    total_area = binarized_mask.size

    return (highlighted_area / total_area)


def define_metrics():
    """The wogl lists of ``define_metrics``."""
    metrics = {}
    for kind in ('', '_silence', '_noise', '_offscreen'):
        metrics[f'max_heatmap{kind}_list'] = []
        metrics[f'min_heatmap{kind}_list'] = []
    for rule in ('05', 'max', 'max10', 'maxq3'):
        metrics[f'ciou_{rule}_wogl'] = []
    for pair in ('pos_silence', 'pos_noise', 'pos_offscreen', 'silence_noise',
                 'silence_offscreen', 'noise_offscreen'):
        for rule in ('', '_adap', '_max', '_max10', '_maxq3'):
            metrics[f'iou_{pair}{rule}_wogl'] = []
    for kind in KINDS:
        for rule in ('', '_ciou', '_ciouadap', '_max', '_max10', '_maxq3'):
            metrics[f'pia_batch_{kind}{rule}_wogl'] = []
    return metrics


def binarized_negatives_thresholds(i, args, pred, heatmap_silence, heatmap_noise,
                                   heatmap_offscreen, threshold_ciou_wogl,
                                   threshold_ciouadap_wogl):
    """The wogl statements, the per-model branch written once with ``args.th_*``
    (``b`` is ``binarized_negatives``)."""
    binarized_negatives = b = {}

    heatmap_arr_silence = heatmap_silence.data.cpu().numpy()
    heatmap_now_silence = cv2.resize(heatmap_arr_silence[i, 0], dsize=(224, 224),
                                     interpolation=cv2.INTER_LINEAR)
    pred_silence = heatmap_now_silence
    b['binarized_pred_silence_wogl'] = (pred_silence > args.threshold).astype(int)
    b['binarized_pred_silence_thrciou_wogl'] = (
        pred_silence > threshold_ciou_wogl).astype(int)
    b['binarized_pred_silence_thrciouadap_wogl'] = (
        pred_silence > threshold_ciouadap_wogl).astype(int)

    heatmap_arr_noise = heatmap_noise.data.cpu().numpy()
    heatmap_now_noise = cv2.resize(heatmap_arr_noise[i, 0], dsize=(224, 224),
                                   interpolation=cv2.INTER_LINEAR)
    pred_noise = heatmap_now_noise
    b['binarized_pred_noise_wogl'] = (pred_noise > args.threshold).astype(int)
    b['binarized_pred_noise_thrciou_wogl'] = (pred_noise > threshold_ciou_wogl).astype(int)
    b['binarized_pred_noise_thrciouadap_wogl'] = (
        pred_noise > threshold_ciouadap_wogl).astype(int)

    heatmap_arr_offscreen = heatmap_offscreen.data.cpu().numpy()
    heatmap_now_offscreen = cv2.resize(heatmap_arr_offscreen[i, 0], dsize=(224, 224),
                                       interpolation=cv2.INTER_LINEAR)
    pred_offscreen = heatmap_now_offscreen
    b['binarized_pred_offscreen_wogl'] = (pred_offscreen > args.threshold).astype(int)
    b['binarized_pred_offscreen_thrciou_wogl'] = (
        pred_offscreen > threshold_ciou_wogl).astype(int)
    b['binarized_pred_offscreen_thrciouadap_wogl'] = (
        pred_offscreen > threshold_ciouadap_wogl).astype(int)

    b['binarized_pred_max_wogl'] = (pred > args.th_max).astype(int)
    b['binarized_pred_max10_wogl'] = (pred > args.th_max10).astype(int)
    b['binarized_pred_maxq3_wogl'] = (pred > args.th_maxq3).astype(int)

    b['binarized_pred_noise_max_wogl'] = (pred_noise > args.th_max).astype(int)
    b['binarized_pred_noise_max10_wogl'] = (pred_noise > args.th_max10).astype(int)
    b['binarized_pred_noise_maxq3_wogl'] = (pred_noise > args.th_maxq3).astype(int)

    b['binarized_pred_silence_max_wogl'] = (pred_silence > args.th_max).astype(int)
    b['binarized_pred_silence_max10_wogl'] = (pred_silence > args.th_max10).astype(int)
    b['binarized_pred_silence_maxq3_wogl'] = (pred_silence > args.th_maxq3).astype(int)

    b['binarized_pred_offscreen_max_wogl'] = (pred_offscreen > args.th_max).astype(int)
    b['binarized_pred_offscreen_max10_wogl'] = (pred_offscreen > args.th_max10).astype(int)
    b['binarized_pred_offscreen_maxq3_wogl'] = (pred_offscreen > args.th_maxq3).astype(int)

    b['binarized_pred_wogl'] = (pred > args.threshold).astype(int)
    b['binarized_pred_adap_wogl'] = (pred > threshold_ciouadap_wogl).astype(int)

    return binarized_negatives


def append_metrics_binarized_pred(metrics_eval, binarized_negatives):
    """The wogl statements in the public order; the max / max10 / maxq3 blocks and
    the per-kind pIA blocks, identical but for the names, written once with a loop
    (``m`` is ``metrics_eval``, ``b`` ``binarized_negatives``)."""
    m, b = metrics_eval, binarized_negatives
    m['iou_pos_silence_wogl'].append(compute_IOU_maps(
        b['binarized_pred_wogl'], b['binarized_pred_silence_wogl']))
    m['iou_pos_silence_adap_wogl'].append(compute_IOU_maps(
        b['binarized_pred_adap_wogl'], b['binarized_pred_silence_thrciouadap_wogl']))
    m['iou_pos_noise_wogl'].append(compute_IOU_maps(
        b['binarized_pred_wogl'], b['binarized_pred_noise_wogl']))
    m['iou_pos_noise_adap_wogl'].append(compute_IOU_maps(
        b['binarized_pred_adap_wogl'], b['binarized_pred_noise_thrciouadap_wogl']))
    m['iou_pos_offscreen_wogl'].append(compute_IOU_maps(
        b['binarized_pred_wogl'], b['binarized_pred_offscreen_wogl']))
    m['iou_pos_offscreen_adap_wogl'].append(compute_IOU_maps(
        b['binarized_pred_adap_wogl'], b['binarized_pred_offscreen_thrciouadap_wogl']))
    m['iou_silence_noise_wogl'].append(compute_IOU_maps(
        b['binarized_pred_silence_wogl'], b['binarized_pred_noise_wogl']))
    m['iou_silence_noise_adap_wogl'].append(compute_IOU_maps(
        b['binarized_pred_silence_thrciouadap_wogl'],
        b['binarized_pred_noise_thrciouadap_wogl']))
    m['iou_silence_offscreen_wogl'].append(compute_IOU_maps(
        b['binarized_pred_silence_wogl'], b['binarized_pred_offscreen_wogl']))
    m['iou_silence_offscreen_adap_wogl'].append(compute_IOU_maps(
        b['binarized_pred_silence_thrciouadap_wogl'],
        b['binarized_pred_offscreen_thrciouadap_wogl']))
    m['iou_noise_offscreen_wogl'].append(compute_IOU_maps(
        b['binarized_pred_noise_wogl'], b['binarized_pred_offscreen_wogl']))
    m['iou_noise_offscreen_adap_wogl'].append(compute_IOU_maps(
        b['binarized_pred_noise_thrciouadap_wogl'],
        b['binarized_pred_offscreen_thrciouadap_wogl']))

    for r in ('max', 'max10', 'maxq3'):
        m[f'iou_pos_silence_{r}_wogl'].append(compute_IOU_maps(
            b[f'binarized_pred_{r}_wogl'], b[f'binarized_pred_silence_{r}_wogl']))
        m[f'iou_pos_noise_{r}_wogl'].append(compute_IOU_maps(
            b[f'binarized_pred_{r}_wogl'], b[f'binarized_pred_noise_{r}_wogl']))
        m[f'iou_pos_offscreen_{r}_wogl'].append(compute_IOU_maps(
            b[f'binarized_pred_{r}_wogl'], b[f'binarized_pred_offscreen_{r}_wogl']))
        m[f'iou_silence_noise_{r}_wogl'].append(compute_IOU_maps(
            b[f'binarized_pred_silence_{r}_wogl'], b[f'binarized_pred_noise_{r}_wogl']))
        m[f'iou_silence_offscreen_{r}_wogl'].append(compute_IOU_maps(
            b[f'binarized_pred_silence_{r}_wogl'], b[f'binarized_pred_offscreen_{r}_wogl']))
        m[f'iou_noise_offscreen_{r}_wogl'].append(compute_IOU_maps(
            b[f'binarized_pred_noise_{r}_wogl'], b[f'binarized_pred_offscreen_{r}_wogl']))

    for k in ('noise', 'silence', 'offscreen'):
        m[f'pia_batch_{k}_wogl'].append(compute_pIA(b[f'binarized_pred_{k}_wogl']))
        m[f'pia_batch_{k}_max_wogl'].append(compute_pIA(b[f'binarized_pred_{k}_max_wogl']))
        m[f'pia_batch_{k}_max10_wogl'].append(
            compute_pIA(b[f'binarized_pred_{k}_max10_wogl']))
        m[f'pia_batch_{k}_maxq3_wogl'].append(
            compute_pIA(b[f'binarized_pred_{k}_maxq3_wogl']))
        m[f'pia_batch_{k}_ciou_wogl'].append(
            compute_pIA(b[f'binarized_pred_{k}_thrciou_wogl']))
        m[f'pia_batch_{k}_ciouadap_wogl'].append(
            compute_pIA(b[f'binarized_pred_{k}_thrciouadap_wogl']))

    return metrics_eval


def compute_metrics(metrics_eval):
    """The wogl statements; the blocks identical but for the names written once with
    a loop (``m`` is ``metrics_eval``)."""
    m = metrics_eval
    m['max_heatmap'] = np.mean(np.array(m['max_heatmap_list']))
    m['max_median_heatmap'] = np.median(np.array(m['max_heatmap_list']))

    m['ciou_05_mean_wogl'] = np.mean(np.array(m['ciou_05_wogl'])) * 100
    m['auc_05_wogl'] = compute_AUC(m['ciou_05_wogl']) * 100

    m['ciou_max_mean_wogl'] = np.mean(np.array(m['ciou_max_wogl'])) * 100
    m['ciou_max10_mean_wogl'] = np.mean(np.array(m['ciou_max10_wogl'])) * 100
    m['ciou_maxq3_mean_wogl'] = np.mean(np.array(m['ciou_maxq3_wogl'])) * 100
    m['auc_max_wogl'] = compute_AUC(m['ciou_max_wogl']) * 100
    m['auc_max10_wogl'] = compute_AUC(m['ciou_max10_wogl']) * 100
    m['auc_maxq3_wogl'] = compute_AUC(m['ciou_maxq3_wogl']) * 100

    for pair in ('pos_silence', 'pos_noise', 'pos_offscreen', 'silence_noise',
                 'silence_offscreen', 'noise_offscreen'):
        for r in ('', '_adap', '_max', '_max10', '_maxq3'):
            m[f'iou_{pair}{r}_wogl_metric'] = np.mean(np.array(m[f'iou_{pair}{r}_wogl'])) * 100

    for k in ('noise', 'silence', 'offscreen'):
        for r in ('', '_max', '_max10', '_maxq3', '_ciou', '_ciouadap'):
            m[f'pia_metric_{k}{r}_wogl'] = np.mean(np.array(m[f'pia_batch_{k}{r}_wogl'])) * 100
            m[f'auc_{k}{r}_wogl'] = compute_AUC_pIA(m[f'pia_batch_{k}{r}_wogl']) * 100

    m['pia_mean_neg'] = np.mean([100 - m['pia_metric_silence_maxq3_wogl'],
                                 100 - m['pia_metric_noise_maxq3_wogl'],
                                 100 - m['pia_metric_offscreen_maxq3_wogl']])

    m['f_pos_neg'] = compute_f(m['ciou_maxq3_mean_wogl'], m['pia_mean_neg'])
    m['f_ciou_pos_silence'] = compute_f(m['ciou_maxq3_mean_wogl'],
                                        (100 - m['pia_metric_silence_maxq3_wogl']))
    m['f_ciou_pos_noise'] = compute_f(m['ciou_maxq3_mean_wogl'],
                                      (100 - m['pia_metric_noise_maxq3_wogl']))
    m['f_ciou_pos_offscreen'] = compute_f(m['ciou_maxq3_mean_wogl'],
                                          (100 - m['pia_metric_offscreen_maxq3_wogl']))

    m['aoc_mean_neg'] = np.mean([m['auc_silence_maxq3_wogl'], m['auc_noise_maxq3_wogl'],
                                 m['auc_offscreen_maxq3_wogl']])

    m['f_auc_aoc_pos_neg'] = compute_f(m['auc_maxq3_wogl'], m['aoc_mean_neg'])
    m['f_auc_aoc_pos_silence'] = compute_f(m['auc_maxq3_wogl'], (m['auc_silence_maxq3_wogl']))
    m['f_auc_aoc_pos_noise'] = compute_f(m['auc_maxq3_wogl'], (m['auc_noise_maxq3_wogl']))
    m['f_auc_aoc_pos_offscreen'] = compute_f(m['auc_maxq3_wogl'],
                                             (m['auc_offscreen_maxq3_wogl']))

    return metrics_eval


# eval.py, eval_lvs (args.testset == 'vggss'), one batch
def eval_vggss(heatmap, heatmap_noise, heatmap_silence, heatmap_offscreen, gt_maps, args):
    """Per clip, as the loop reads (``m`` is ``metrics_eval``).

    Args:
        heatmap, heatmap_noise, heatmap_silence, heatmap_offscreen (torch.Tensor):
            (B, 1, h, w) raw float32 maps, as the model returns them.
        gt_maps (torch.Tensor): (B, 224, 224), ``bboxes['gt_map']``.
        args: :func:`make_args`.

    Returns:
        dict: ``metrics_eval`` after ``compute_metrics`` (percentages).
    """
    metrics_eval = m = define_metrics()
    with np.errstate(invalid='ignore', divide='ignore'):
        for htmp, htmp_noise, htmp_silence, htmp_offscreen in zip(
                heatmap, heatmap_noise, heatmap_silence, heatmap_offscreen):

            m['max_heatmap_list'].append(torch.max(htmp).item())
            m['max_heatmap_silence_list'].append(torch.max(htmp_silence).item())
            m['max_heatmap_noise_list'].append(torch.max(htmp_noise).item())
            m['max_heatmap_offscreen_list'].append(torch.max(htmp_offscreen).item())

            m['min_heatmap_list'].append(torch.min(htmp).item())
            m['min_heatmap_silence_list'].append(torch.min(htmp_silence).item())
            m['min_heatmap_noise_list'].append(torch.min(htmp_noise).item())
            m['min_heatmap_offscreen_list'].append(torch.min(htmp_offscreen).item())

        heatmap_arr = heatmap.data.cpu().numpy()

        for i in range(heatmap.shape[0]):
            heatmap_now = cv2.resize(heatmap_arr[i, 0], dsize=(224, 224),
                                     interpolation=cv2.INTER_LINEAR)
            gt_map = gt_maps[i].data.cpu().numpy()
            pred = heatmap_now
            threshold_ciou_wogl = np.sort(pred.flatten())[
                int(pred.shape[0] * pred.shape[1] / 2)]
            ciou_05_val, _, _ = cal_CIOU(pred, gt_map, 0.5)
            if np.isnan(ciou_05_val):
                metrics_eval['ciou_05_wogl'].append(0)
            else:
                metrics_eval['ciou_05_wogl'].append(ciou_05_val)

            ciou_max_neg_val, _, _ = cal_CIOU(pred, gt_map, args.th_max)
            ciou_max10_neg_val, _, _ = cal_CIOU(pred, gt_map, args.th_max10)
            ciou_maxq3_neg_val, _, _ = cal_CIOU(pred, gt_map, args.th_maxq3)

            if np.isnan(ciou_max_neg_val):
                metrics_eval['ciou_max_wogl'].append(0)
            else:
                metrics_eval['ciou_max_wogl'].append(ciou_max_neg_val)

            if np.isnan(ciou_max10_neg_val):
                metrics_eval['ciou_max10_wogl'].append(0)
            else:
                metrics_eval['ciou_max10_wogl'].append(ciou_max10_neg_val)

            if np.isnan(ciou_maxq3_neg_val):
                metrics_eval['ciou_maxq3_wogl'].append(0)
            else:
                metrics_eval['ciou_maxq3_wogl'].append(ciou_maxq3_neg_val)

            gt_nums = (gt_map != 0).sum()
            if int(gt_nums) == 0:
                gt_nums = int(pred.shape[0] * pred.shape[1]) // 2
            threshold_ciouadap_wogl = np.sort(pred.flatten())[
                int(pred.shape[0] * pred.shape[1]) - int(gt_nums)]  # adap

            binarized_negatives = binarized_negatives_thresholds(
                i, args, pred, heatmap_silence, heatmap_noise, heatmap_offscreen,
                threshold_ciou_wogl, threshold_ciouadap_wogl)
            metrics_eval = append_metrics_binarized_pred(metrics_eval, binarized_negatives)

        return compute_metrics(metrics_eval)
