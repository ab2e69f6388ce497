"""An independent transcription of the published evaluators' logic (LVS / SSL-TIE,
EZ-VSL and its adaptive variant), written loop by loop as their code reads, to
check avloc's vectorised protocols against."""
import numpy as np

SIZE = 224


def gt_map_from_boxes(boxes):
    """VGG-SS ground truth as the public loaders build it: union of boxes after
    clipping to [0, 1] and scaling to int pixels."""
    gt = np.zeros([SIZE, SIZE])
    for box in boxes:
        xmin, ymin, xmax, ymax = [int(min(max(v, 0.0), 1.0) * SIZE) for v in box]
        temp = np.zeros([SIZE, SIZE])
        temp[ymin:ymax, xmin:xmax] = 1
        gt += temp
    gt[gt > 0] = 1
    return gt


def normalize_img(value):
    with np.errstate(invalid='ignore', divide='ignore'):
        value = value - np.min(value)
        return value / np.max(value)  # a constant map becomes NaN, as in their code


def cal_ciou(infer_map, gt):
    return np.sum(infer_map * gt) / (np.sum(gt) + np.sum(infer_map * (gt == 0)))


def ciou_lvs(heat, gt):
    pred = normalize_img(heat)
    thr = np.sort(pred.flatten())[int(SIZE * SIZE / 2)]
    infer = np.zeros((SIZE, SIZE))
    infer[pred > thr] = 1
    return cal_ciou(infer, gt)


def ciou_ezvsl(heat, gt):
    pred = normalize_img(heat)
    thr = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1] * 0.5)]
    infer = np.zeros((SIZE, SIZE))
    infer[pred >= thr] = 1
    return cal_ciou(infer, gt)


def ciou_absolute(heat, gt, value=0.5):
    pred = normalize_img(heat)
    infer = np.zeros((SIZE, SIZE))
    infer[pred > value] = 1
    return cal_ciou(infer, gt)


def ciou_adaptive(heat, gt):
    pred = normalize_img(heat)
    gt_nums = (gt != 0).sum()
    if int(gt_nums) == 0:
        gt_nums = int(pred.shape[0] * pred.shape[1]) // 2
    thr = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1]) - int(gt_nums)]
    infer = np.zeros((SIZE, SIZE))
    infer[pred >= thr] = 1
    return cal_ciou(infer, gt)


def finalize(cious):
    """cIoU@0.5 and AUC as their Evaluator computes them."""
    cious = np.asarray(cious)
    curve = [np.sum(cious >= 0.05 * i) / len(cious) for i in range(21)]
    auc = sum(0.05 * (curve[i] + curve[i + 1]) / 2 for i in range(20))
    return np.sum(cious >= 0.5) / len(cious), auc
