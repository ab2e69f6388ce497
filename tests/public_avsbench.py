"""A transcription of AVSBench's public evaluator (github.com/OpenNLPLab/AVSBench,
commit f7414af) for parity tests, written statement by statement from its sources
and independent of avloc's modules:

- ``avs_scripts/avs_ms3/utils/utility.py`` (the same in ``avs_s4/``): ``mask_iou``,
  ``_eval_pr`` and ``Eval_Fmeasure`` (its ``FMeasure.txt`` log file and prints left
  out; ``cuda_flag=False``, as a CPU run);
- ``avs_scripts/avs_ms3/test.py`` with ``test.sh``'s ``--test_batch_size 4``: each
  batch of 4 videos x 5 frames is scored by both, and ``pyutils.AverageMeter``
  averages the batches' values.

Inputs are the model's logits ``output.squeeze(1)`` (N, H, W) and the float masks
(N, H, W), as in ``test.py``.
"""
import torch


def mask_iou(pred, target, eps=1e-7, size_average=True):
    """``utils/utility.py`` ``mask_iou``."""
    assert len(pred.shape) == 3 and pred.shape == target.shape

    N = pred.size(0)
    num_pixels = pred.size(-1) * pred.size(-2)
    no_obj_flag = (target.sum(2).sum(1) == 0)

    temp_pred = torch.sigmoid(pred)
    pred = (temp_pred > 0.5).int()
    inter = (pred * target).sum(2).sum(1)
    union = torch.max(pred, target).sum(2).sum(1)

    inter_no_obj = ((1 - target) * (1 - pred)).sum(2).sum(1)
    inter[no_obj_flag] = inter_no_obj[no_obj_flag]
    union[no_obj_flag] = num_pixels

    iou = torch.sum(inter / (union + eps)) / N

    return iou


def _eval_pr(y_pred, y, num, cuda_flag=False):
    """``utils/utility.py`` ``_eval_pr`` (here on the CPU)."""
    if cuda_flag:
        prec, recall = torch.zeros(num).cuda(), torch.zeros(num).cuda()
        thlist = torch.linspace(0, 1 - 1e-10, num).cuda()
    else:
        prec, recall = torch.zeros(num), torch.zeros(num)
        thlist = torch.linspace(0, 1 - 1e-10, num)
    for i in range(num):
        y_temp = (y_pred >= thlist[i]).float()
        tp = (y_temp * y).sum()
        prec[i], recall[i] = tp / (y_temp.sum() + 1e-20), tp / (y.sum() + 1e-20)

    return prec, recall


def Eval_Fmeasure(pred, gt, pr_num=255):  # noqa: N802 (their name)
    """``utils/utility.py`` ``Eval_Fmeasure`` without its log file."""
    pred = torch.sigmoid(pred)
    N = pred.size(0)
    beta2 = 0.3
    avg_f, img_num = 0.0, 0
    score = torch.zeros(pr_num)

    for img_id in range(N):
        # examples with totally black GTs are out of consideration
        if torch.mean(gt[img_id]) == 0.0:
            continue
        prec, recall = _eval_pr(pred[img_id], gt[img_id], pr_num)
        f_score = (1 + beta2) * prec * recall / (beta2 * prec + recall)
        f_score[f_score != f_score] = 0  # for Nan
        avg_f += f_score
        img_num += 1
        score = avg_f / img_num

    return score.max().item()


class AverageMeter:
    """``utils/pyutils.py`` ``AverageMeter``, the keys test.py uses."""

    def __init__(self, *keys):
        self.__data = dict()
        for k in keys:
            self.__data[k] = [0.0, 0]

    def add(self, dict):
        for k, v in dict.items():
            self.__data[k][0] += v
            self.__data[k][1] += 1

    def get(self, *keys):
        if len(keys) == 1:
            return self.__data[keys[0]][0] / self.__data[keys[0]][1]
        else:
            v_list = [self.__data[k][0] / self.__data[k][1] for k in keys]
            return tuple(v_list)

    def pop(self, key=None):
        if key is None:
            for k in self.__data.keys():
                self.__data[k] = [0.0, 0]
        else:
            v = self.get(key)
            self.__data[key] = [0.0, 0]
            return v


def run_test_loop(outputs, masks, test_batch_size=4, frames=5):
    """``test.py``'s loop over the test loader (``shuffle=False``): each batch's
    ``output.squeeze(1)`` and ``mask.view(B*frame, H, W)`` are the next
    ``test_batch_size * frames`` frames. Returns (miou, F_score) as it prints them."""
    avg_meter_miou = AverageMeter('miou')
    avg_meter_F = AverageMeter('F_score')
    step = test_batch_size * frames
    for start in range(0, outputs.shape[0], step):
        output, mask = outputs[start:start + step], masks[start:start + step]
        miou = mask_iou(output, mask)
        avg_meter_miou.add({'miou': miou})
        F_score = Eval_Fmeasure(output, mask)
        avg_meter_F.add({'F_score': F_score})
    miou = (avg_meter_miou.pop('miou'))
    F_score = (avg_meter_F.pop('F_score'))
    return miou.item(), F_score
