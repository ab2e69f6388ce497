"""An independent transcription of the published evaluators, written statement by
statement as their code reads, to check avloc's protocols against.

Sources (the repositories' HEAD as fetched on 2026-11-27, commit in brackets):

* LVS, hche11/Localizing-Visual-Sounds-the-Hard-Way [8fe8cbb]: ``test.py`` (resize,
  threshold, AUC), ``utils.py`` (``normalize_img``, ``Evaluator.cal_CIOU``,
  ``testset_gt``). SSL-TIE, jinxiang-liu/SSL-TIE [c49e6a9] ``main.py`` ``test()``,
  runs the same steps.
* EZ-VSL, stoneMo/EZ-VSL [95ff5bf]: ``test.py`` (``validate``), ``utils.py``
  (``normalize_img``, ``Evaluator``), ``datasets.py`` (``load_all_bboxes``,
  ``bbox2gtmap``).
* adaptive: the EZ-VSL-derived rule ``thr = sort(pred)[N - |G|]`` with ``>=``.
* SSL-Align, kaistmm/SSLalignment [e7ae3c5]: ``test.py`` ``validate_lvs``, the
  branch for a test set other than VGG-SS (bilinear upsampling with corners
  aligned, ``pred = 1 - normalize_img(-H)``, the median and adaptive thresholds);
  ``utils.py`` ``Evaluator_iiou.cal_CIOU`` / ``cal_CIOU_adap`` (``>``);
  ``utils_lvs.py`` ``normalize_img``; ``datasets_lvs.py`` ``load_all_bboxes``
  (format 'vggss') and ``bbox2gtmap`` (a format other than 'flickr': union).
* absolute: no single public evaluator; avloc's definition (cut the min-max
  normalised map at a level; a constant map has no height above its minimum).

Heatmaps enter as the models hand them over: (h, w) float32 arrays.
"""
import cv2
import numpy as np
import torch
import torch.nn.functional as F


def gt_map_lvs(bboxes):
    """LVS ``testset_gt``, VGG-SS branch: ``int(224 * max(x, 0))``, union."""
    gt_map = np.zeros([224, 224])
    for item_ in bboxes:
        item_ = list(map(lambda x: int(224 * max(x, 0)), item_))
        temp = np.zeros([224, 224])
        (xmin, ymin, xmax, ymax) = item_[0], item_[1], item_[2], item_[3]
        temp[ymin:ymax, xmin:xmax] = 1
        gt_map += temp
    gt_map[gt_map > 0] = 1
    return gt_map


def gt_map_ezvsl(bbox_list):
    """EZ-VSL ``load_all_bboxes`` (format 'vggss') then ``bbox2gtmap``."""
    bboxes = [(np.clip(np.array(bbox), 0, 1) * 224).astype(int) for bbox in bbox_list]
    gt_map = np.zeros([224, 224])
    for xmin, ymin, xmax, ymax in bboxes:
        temp = np.zeros([224, 224])
        temp[ymin:ymax, xmin:xmax] = 1
        gt_map += temp
    gt_map[gt_map > 0] = 1
    return gt_map


def normalize_img(value, vmax=None, vmin=None):
    """Identical in LVS ``utils.py``, SSL-TIE ``main.py`` and EZ-VSL ``utils.py``:
    the division is skipped when max == min."""
    vmin = value.min() if vmin is None else vmin
    vmax = value.max() if vmax is None else vmax
    if not (vmax - vmin) == 0:
        value = (value - vmin) / (vmax - vmin)  # vmin..vmax
    return value


def cal_CIOU(infer, gtmap, thres=0.01):
    """``Evaluator.cal_CIOU`` (LVS, SSL-TIE and EZ-VSL alike), returning the ciou."""
    infer_map = np.zeros((224, 224))
    infer_map[infer >= thres] = 1
    # 0 / 0 (no ground truth, no prediction) is NaN; their code warns and goes on.
    with np.errstate(invalid='ignore'):
        return np.sum(infer_map * gtmap) / (np.sum(gtmap) +
                                            np.sum(infer_map * (gtmap == 0)))


def ciou_lvs(heatmap, bboxes):
    """LVS ``test.py`` main loop for one clip (SSL-TIE ``main.py`` ``test()`` alike)."""
    heatmap_now = cv2.resize(heatmap, dsize=(224, 224), interpolation=cv2.INTER_LINEAR)
    heatmap_now = normalize_img(-heatmap_now)
    gt_map = gt_map_lvs(bboxes)
    pred = 1 - heatmap_now
    threshold = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1] / 2)]
    pred[pred > threshold] = 1
    pred[pred < 1] = 0
    return cal_CIOU(pred, gt_map, 0.5)


def _interpolate_ezvsl(heatmap):
    heatmap_av = torch.from_numpy(heatmap)[None, None]
    heatmap_av = F.interpolate(heatmap_av, size=(224, 224), mode='bilinear',
                               align_corners=True)
    return heatmap_av.data.cpu().numpy()


def ciou_ezvsl(heatmap, bboxes):
    """EZ-VSL ``test.py`` ``validate`` for one clip, the audio-visual map."""
    heatmap_av = _interpolate_ezvsl(heatmap)
    pred_av = normalize_img(heatmap_av[0, 0])
    gt_map = gt_map_ezvsl(bboxes)
    thr_av = np.sort(pred_av.flatten())[int(pred_av.shape[0] * pred_av.shape[1] * 0.5)]
    return cal_CIOU(pred_av, gt_map, thr_av)


def ciou_adaptive(heatmap, bboxes):
    """EZ-VSL's resize and normalisation, then as many pixels as the ground truth
    covers (half the frame when it is empty)."""
    pred = normalize_img(_interpolate_ezvsl(heatmap)[0, 0])
    gt_map = gt_map_ezvsl(bboxes)
    gt_nums = (gt_map != 0).sum()
    if int(gt_nums) == 0:
        gt_nums = int(pred.shape[0] * pred.shape[1]) // 2
    threshold = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1]) - int(gt_nums)]
    return cal_CIOU(pred, gt_map, threshold)


def ciou_absolute(heatmap, bboxes, value=0.5):
    """avloc's definition: OpenCV resize, min-max normalise (a constant map is 0
    everywhere), predict the pixels strictly above ``value``."""
    pred = cv2.resize(heatmap, dsize=(224, 224), interpolation=cv2.INTER_LINEAR)
    if pred.max() > pred.min():
        pred = (pred - pred.min()) / (pred.max() - pred.min())
    else:
        pred = np.zeros_like(pred)
    infer_map = np.zeros((224, 224))
    infer_map[pred > value] = 1
    gt_map = gt_map_lvs(bboxes)
    with np.errstate(invalid='ignore'):
        return np.sum(infer_map * gt_map) / (
            np.sum(gt_map) + np.sum(infer_map * (gt_map == 0)))


def gt_map_sslalign(bbox_list):
    """SSL-Align ``datasets_lvs.load_all_bboxes`` (format 'vggss') then
    ``bbox2gtmap`` (a format other than 'flickr')."""
    bboxes = [(np.clip(np.array(bbox), 0, 1) * 224).astype(int) for bbox in bbox_list]
    gt_map = np.zeros([224, 224])
    for xmin, ymin, xmax, ymax in bboxes:
        temp = np.zeros([224, 224])
        temp[ymin:ymax, xmin:xmax] = 1
        gt_map += temp
    gt_map[gt_map > 0] = 1
    return gt_map


def cal_CIOU_sslalign(infer, gtmap, thres=0.01):
    """SSL-Align ``Evaluator_iiou.cal_CIOU`` (``cal_CIOU_adap`` alike): ``>``."""
    infer_map = np.zeros((224, 224))
    infer_map[infer > thres] = 1
    with np.errstate(invalid='ignore'):
        return np.sum(infer_map * gtmap) / (np.sum(gtmap) + np.sum(infer_map * (gtmap == 0)))


def _pred_sslalign(heatmap):
    """SSL-Align ``validate_lvs`` (not VGG-SS) up to ``pred``, for one clip of the
    batch it upsamples at once (torch upsamples each map of a batch alike)."""
    heatmap = F.interpolate(torch.from_numpy(heatmap)[None, None], size=(224, 224),
                            mode='bilinear', align_corners=True)
    heatmap_now = heatmap[0:1].cpu().numpy()
    heatmap_now = normalize_img(-heatmap_now[0][0])
    pred = 1 - heatmap_now
    return pred


def ciou_sslalign(heatmap, bboxes):
    """SSL-Align ``validate_lvs`` (not VGG-SS): the median threshold, ``>``."""
    pred = _pred_sslalign(heatmap)
    gt_map = gt_map_sslalign(bboxes)
    threshold = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1] / 2)]
    return cal_CIOU_sslalign(pred, gt_map, threshold)


def ciou_sslalign_adaptive(heatmap, bboxes):
    """SSL-Align ``validate_lvs`` (not VGG-SS): the adaptive threshold, ``>``."""
    pred = _pred_sslalign(heatmap)
    gt_map = gt_map_sslalign(bboxes)
    gt_nums = (gt_map != 0).sum()
    if int(gt_nums) == 0:
        gt_nums = int(pred.shape[0] * pred.shape[1]) // 2
    threshold = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1]) - int(gt_nums)]
    return cal_CIOU_sslalign(pred, gt_map, threshold)


def finalize(iou):
    """cIoU@0.5 and AUC as LVS ``test.py`` and EZ-VSL ``Evaluator`` compute them.
    ``sklearn.metrics.auc(x, y)`` with increasing x is ``np.trapezoid(y, x)``
    (sklearn is not a dependency here)."""
    results = []
    for i in range(21):
        result = np.sum(np.array(iou) >= 0.05 * i)
        result = result / len(iou)
        results.append(result)
    x = [0.05 * i for i in range(21)]
    auc_ = np.trapezoid(results, x)
    return np.sum(np.array(iou) >= 0.5) / len(iou), auc_
