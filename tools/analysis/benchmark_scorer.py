"""Time CIoUMetric's scoring against the public per-clip loop on the VGG-SS test list.

    python tools/analysis/benchmark_scorer.py --update-doc

Every clip of the 5,158 list (``vggss_test.csv`` with its ``vggss.json`` boxes, the
metadata shipped in ``tools/data/vggsound/meta``) gets four seeded random 14x14 maps
in [-1, 1], its own-audio, other-audio, silence and noise heatmaps, and is scored
these ways, in one process, ``--repeats`` times interleaved (the median is
reported):

* ``public``: the public per-clip loop, LVS's evaluator as SSL-TIE reuses it
  (hche11/Localizing-Visual-Sounds-the-Hard-Way, ``test.py`` ``main`` and
  ``utils.py``), written out below statement by statement: per clip the
  ground-truth map (``testset_gt``), then for each heatmap ``cv2.resize``,
  ``normalize_img``, the ``np.sort`` median and ``Evaluator.cal_CIOU``; the centre
  prior is predicted once and only ``cal_CIOU`` runs per clip (the public loop has
  no fixed map: this is the cheapest it could score one); cIoU@0.5 and AUC of the
  three lists at the end;
* ``per-clip``: avloc's own definitions clip by clip, ``protocol.predict`` and
  ``ciou`` (what ``CIoUMetric`` ran before it scored in batch);
* ``CIoUMetric``: ``compute_metrics`` of the default metric (protocol 'lvs'),
  ground-truth maps, model, centre prior and other-audio scores, the summaries and
  the log line, in its default threads (torch's intra-op setting, at most 4), and
  again in one thread (``CIoUMetric, one thread``);
* ``CIoUMetric(extended=True)``: the same plus SLAVC's extended protocol (each
  heatmap's confidence, AP, max-F1, cIoU by object size);
* ``CIoUMetric(negative_audio=True)``: the default metric plus the negative-audio
  measures of Juanola et al. (every pIA / AOC, IoU, cIoU / AUC and F key of
  ``avloc.evaluation.functional.negative_audio``) with the silence, noise and
  other-audio (offscreen) maps.

The cIoU@0.5 and AUC of all of them must be identical (the run stops otherwise). The
public loop has no negative-audio measures: that row's ratio is the price of the
whole metric with them, not a like-for-like comparison. The
ratio is each one's clips per second over the public loop's. ``--out`` saves the
rates, the machine and the date as JSON; ``--update-doc`` writes the table between
the scorer-benchmark markers of docs/throughput.md.
"""
import argparse
import datetime
import json
import logging
import os
import os.path as osp
import platform
import statistics
import textwrap
import time
from typing import Callable, Dict, List

import cv2
import numpy as np
import torch
from doc_markers import write_between_markers
from mmengine.logging import MMLogger

from avloc.datasets import read_box_file, read_id_list
from avloc.evaluation import CIoUMetric
from avloc.evaluation.functional import (boxes_to_gt_map, centre_prior_map, ciou, ciou_at_threshold,
                                         ciou_auc, get_protocol)
from avloc.evaluation.functional.batched import scoring_threads

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
META = osp.join(ROOT, 'tools', 'data', 'vggsound', 'meta')
DOC = osp.join(ROOT, 'docs', 'throughput.md')
MARKERS = ('<!-- scorer-benchmark:start -->', '<!-- scorer-benchmark:end -->')
COMMAND = 'python tools/analysis/benchmark_scorer.py --update-doc'
METHODS = ('public', 'per-clip', 'CIoUMetric, one thread', 'CIoUMetric',
           'CIoUMetric(extended=True)', 'CIoUMetric(negative_audio=True)')
MAPS = ('model', 'centre_prior', 'other_audio')


# ---------------------------------------------------------------------------
# The public loop: LVS (Chen et al., CVPR 2021), hche11/Localizing-Visual-Sounds-
# the-Hard-Way at 8fe8cbb, test.py main() and utils.py; SSL-TIE's main.py test()
# runs the same steps. Statement by statement, with names as theirs.
# ---------------------------------------------------------------------------
def normalize_img(value, vmax=None, vmin=None):
    """utils.py ``normalize_img``."""
    vmin = value.min() if vmin is None else vmin
    vmax = value.max() if vmax is None else vmax
    if not (vmax - vmin) == 0:
        value = (value - vmin) / (vmax - vmin)  # vmin..vmax
    return value


def testset_gt(gt):
    """utils.py ``testset_gt``, the VGG-SS branch, given ``args.gt_all[name]``."""
    gt_map = np.zeros([224, 224])
    for item_ in gt:
        item_ = list(map(lambda x: int(224 * max(x, 0)), item_))
        temp = np.zeros([224, 224])
        (xmin, ymin, xmax, ymax) = item_[0], item_[1], item_[2], item_[3]
        temp[ymin:ymax, xmin:xmax] = 1
        gt_map += temp
    gt_map[gt_map > 0] = 1
    return gt_map


def cal_CIOU(infer, gtmap, thres=0.01):
    """utils.py ``Evaluator.cal_CIOU``, returning the ciou (0 / 0 is NaN there too;
    its warning is silenced here)."""
    infer_map = np.zeros((224, 224))
    infer_map[infer >= thres] = 1
    with np.errstate(invalid='ignore'):
        return np.sum(infer_map * gtmap) / (np.sum(gtmap) + np.sum(infer_map * (gtmap == 0)))


def lvs_pred(heatmap):
    """test.py ``main``: one heatmap to the binary map ``cal_CIOU`` reads."""
    heatmap_now = cv2.resize(heatmap, dsize=(224, 224), interpolation=cv2.INTER_LINEAR)
    heatmap_now = normalize_img(-heatmap_now)
    pred = 1 - heatmap_now
    threshold = np.sort(pred.flatten())[int(pred.shape[0] * pred.shape[1] / 2)]
    pred[pred > threshold] = 1
    pred[pred < 1] = 0
    return pred


def lvs_finalize(iou):
    """test.py ``main``'s cIoU and ``auc`` (``sklearn.metrics.auc`` with increasing x
    is the trapezoid rule)."""
    results = []
    for i in range(21):
        result = np.sum(np.array(iou) >= 0.05 * i)
        result = result / len(iou)
        results.append(result)
    x = [0.05 * i for i in range(21)]
    return np.sum(np.array(iou) >= 0.5) / len(iou), np.trapezoid(results, x)


def run_public(clips: dict) -> Dict[str, tuple]:
    iou = {name: [] for name in MAPS}
    prior_pred = lvs_pred(centre_prior_map())
    for heat, other, gt in zip(clips['model'], clips['other_audio'], clips['raw_boxes']):
        gt_map = testset_gt(gt)
        iou['model'].append(cal_CIOU(lvs_pred(heat), gt_map, 0.5))
        iou['centre_prior'].append(cal_CIOU(prior_pred, gt_map, 0.5))
        iou['other_audio'].append(cal_CIOU(lvs_pred(other), gt_map, 0.5))
    return {name: tuple(float(v) for v in lvs_finalize(values))
            for name, values in iou.items()}


# ---------------------------------------------------------------------------
# avloc
# ---------------------------------------------------------------------------
def run_per_clip(clips: dict) -> Dict[str, tuple]:
    """The per-clip definitions, as CIoUMetric scored before it scored in batch."""
    protocol = get_protocol('lvs')
    prior_pred = protocol.predict(centre_prior_map())
    iou = {name: [] for name in MAPS}
    for heat, other, boxes in zip(clips['model'], clips['other_audio'], clips['boxes']):
        gt = boxes_to_gt_map(boxes)
        iou['model'].append(ciou(protocol.predict(heat, gt), gt))
        iou['centre_prior'].append(ciou(prior_pred, gt))
        iou['other_audio'].append(ciou(protocol.predict(other, gt), gt))
    return {name: (ciou_at_threshold(values), ciou_auc(values)[0])
            for name, values in iou.items()}


def one_thread(clips: dict) -> Dict[str, tuple]:
    """:func:`run_metric` with torch (and so the metric) set to one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run_metric(clips)
    finally:
        torch.set_num_threads(threads)


def run_metric(clips: dict, **kwargs) -> Dict[str, tuple]:
    metric = CIoUMetric(**kwargs)
    entries = [dict(clip_id=clip, heatmap=heat, gt_bboxes=boxes, is_sounding=True,
                    heatmap_other_audio=other)
               for clip, heat, other, boxes in zip(clips['ids'], clips['model'],
                                                   clips['other_audio'], clips['boxes'])]
    if kwargs.get('negative_audio'):  # the dataset's silence and noise controls
        for entry, silence, noise in zip(entries, clips['silence'], clips['noise']):
            entry.update(heatmap_silence=silence, heatmap_noise=noise)
    metrics = metric.compute_metrics(entries)
    prefix = dict(model='', centre_prior='centre_prior/', other_audio='other_audio/')
    return {name: (metrics[f'{key}cIoU@0.5'], metrics[f'{key}AUC'])
            for name, key in prefix.items()}


RUNNERS: Dict[str, Callable[[dict], Dict[str, tuple]]] = {
    'public': run_public, 'per-clip': run_per_clip, 'CIoUMetric, one thread': one_thread,
    'CIoUMetric': run_metric,
    'CIoUMetric(extended=True)': lambda clips: run_metric(clips, extended=True),
    'CIoUMetric(negative_audio=True)': lambda clips: run_metric(clips, negative_audio=True)}


def load_clips(num_clips: int, seed: int) -> dict:
    """The first ``num_clips`` of the VGG-SS list, their raw ``vggss.json`` boxes (as
    LVS reads them), the boxes as avloc's dataset reads them, and four (14, 14)
    float32 heatmaps each (model, other audio, then silence and noise, drawn last
    so the first two stay those of earlier runs)."""
    ids = read_id_list(osp.join(META, 'vggss_test.csv'))[:num_clips]
    with open(osp.join(META, 'vggss.json')) as f:
        raw = {entry['file']: entry['bbox'] for entry in json.load(f)}
    read = read_box_file(osp.join(META, 'vggss.json'), 'clip')
    rng = np.random.default_rng(seed)
    maps = {name: rng.uniform(-1, 1, (len(ids), 14, 14)).astype(np.float32)
            for name in ('model', 'other_audio', 'silence', 'noise')}
    return dict(ids=ids, raw_boxes=[raw[i] for i in ids], boxes=[read[i][1] for i in ids],
                **maps)


def machine() -> dict:
    """What the numbers were measured on."""
    model = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
        model = names[0] if names else model
    except OSError:
        pass
    return dict(cpu=model, cpu_count=os.cpu_count(), arch=platform.machine(),
                scoring_threads=scoring_threads(), load_average=os.getloadavg()[0],
                numpy=np.__version__, opencv=cv2.__version__, torch=torch.__version__)


def measure(args: argparse.Namespace) -> dict:
    clips = load_clips(args.clips, args.seed)
    seconds: Dict[str, List[float]] = {name: [] for name in METHODS}
    scores = {}
    started = time.perf_counter()
    for _ in range(args.repeats):
        for name in METHODS:
            start = time.perf_counter()
            scores[name] = RUNNERS[name](clips)
            seconds[name].append(time.perf_counter() - start)
    for name in METHODS[1:]:
        if scores[name] != scores['public']:
            raise SystemExit(f'{name} scored {scores[name]}, the public loop '
                             f'{scores["public"]}: the scores must be identical')
    num = len(clips['ids'])
    rows = []
    for name in METHODS:
        median = statistics.median(seconds[name])
        rows.append(dict(method=name, seconds=round(median, 3),
                         clips_per_s=round(num / median, 1)))
    for row in rows:
        row['vs_public'] = round(rows[0]['seconds'] / row['seconds'], 2)
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    return dict(date=today, clips=num, repeats=args.repeats, seed=args.seed,
                wall_seconds=round(time.perf_counter() - started, 1), machine=args.machine,
                scores={name: dict(zip(('cIoU@0.5', 'AUC'), value))
                        for name, value in scores['public'].items()},
                rows=rows)


def table(result: dict) -> str:
    lines = ['| scoring | seconds (median) | clips/s | vs public loop |', '|---|---|---|---|']
    lines += [f'| {row["method"]} | {row["seconds"]:.2f} | {row["clips_per_s"]:,.0f} | '
              f'{row["vs_public"]:.2f}x |' for row in result['rows']]
    return '\n'.join(lines)


def prose(text: str) -> str:
    """``text`` wrapped as the docs wrap their paragraphs."""
    return textwrap.fill(text, 84, break_long_words=False, break_on_hyphens=False)


def doc_block(result: dict) -> str:
    m = result['machine']
    model = result['scores']['model']
    return '\n'.join([
        prose(f'Measured on {result["date"]} with `{COMMAND}` on {result["clips"]:,} clips '
              f'({result["repeats"]} repeats, {result["wall_seconds"]:.0f} s in all), on a '
              f'{m["cpu_count"]}-core {m["arch"]} CPU ({m["cpu"]}; load average '
              f'{m["load_average"]:.1f} when it started); the metric scored in '
              f'{m["scoring_threads"]} threads, and in one for the row that says so:'),
        '', table(result), '',
        prose(f'All of them give the same cIoU@0.5 ({model["cIoU@0.5"]:.4f}) and AUC '
              f'({model["AUC"]:.4f}) of the model maps, and the same scores of the centre '
              'prior and the other-audio maps.')])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clips', type=int, default=5158,
                        help='the first CLIPS of the VGG-SS list (5,158: all of it)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='runs of each method, interleaved; the median is reported')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random heatmaps')
    parser.add_argument('--out', default='work_dirs/scorer_benchmark.json',
                        help='where the timings and scores go, as JSON '
                        '(default: %(default)s)')
    parser.add_argument('--update-doc', action='store_true',
                        help=f'write the table into {osp.relpath(DOC, ROOT)}')
    args = parser.parse_args()
    if args.clips < 1 or args.repeats < 1:
        parser.error('--clips and --repeats must be at least 1')
    args.machine = machine()
    # The metric logs a line per evaluation; four methods times the repeats of it
    # would bury the table.
    MMLogger.get_instance('benchmark_scorer', log_level=logging.WARNING)
    result = measure(args)
    print(table(result))
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'saved {args.out}')
    if args.update_doc:
        write_between_markers(DOC, MARKERS, doc_block(result))
        print(f'updated {osp.relpath(DOC, ROOT)}')


if __name__ == '__main__':
    main()
