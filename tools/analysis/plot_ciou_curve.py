"""Plot the curve behind AUC: the share of test clips whose ciou reaches each
threshold, for one or more dumped test runs and protocols.

    python tools/test.py CONFIG CHECKPOINT --dump work_dirs/preds.pth
    python tools/analysis/plot_ciou_curve.py work_dirs/preds.pth \
        --protocols lvs ezvsl adaptive --out work_dirs/ciou_curve.png

Each curve is labelled with its run, protocol, cIoU@0.5 and AUC (the shaded area of
the first curve); the centre prior (a centred disc of half the frame) is drawn
dashed for reference.
"""
import argparse
import os.path as osp

import numpy as np

from avloc.evaluation import CIoUMetric, load_predictions
from avloc.evaluation.functional import centre_prior_map, ciou_at_threshold, ciou_auc


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot the cIoU-threshold curve')
    parser.add_argument('dumps', nargs='+', help='files written by tools/test.py --dump')
    parser.add_argument('--protocols', nargs='+', default=['lvs'],
                        help='cIoU protocols to score each dump with (default: lvs)')
    parser.add_argument('--gt-map', default='union', choices=['union', 'consensus'],
                        help="'consensus' for Flickr-SoundNet's annotators")
    parser.add_argument('--out', default='ciou_curve.png', help='PNG to write')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    thresholds = np.linspace(0, 1, 21)
    fig, ax = plt.subplots(figsize=(7, 6))
    for d, path in enumerate(args.dumps):
        entries = load_predictions(path)
        for p, protocol in enumerate(args.protocols):
            metric = CIoUMetric(protocol=protocol, gt_map=args.gt_map)
            cious = metric.clip_cious(entries)
            auc, curve = ciou_auc(cious)
            label = (f'{osp.basename(path)} {metric.protocol.name}: cIoU@0.5 '
                     f'{ciou_at_threshold(cious):.3f}, AUC {auc:.3f} ({len(cious)} clips)')
            ax.plot(thresholds, curve, marker='o', markersize=3, label=label)
            if d == 0 and p == 0:
                ax.fill_between(thresholds, curve, alpha=0.15)
                prior_auc, prior_curve = ciou_auc(
                    metric.clip_cious(entries, centre_prior_map()))
                ax.plot(thresholds, prior_curve, 'k--',
                        label=f'centre prior: AUC {prior_auc:.3f}')
            print(label)
    ax.axvline(0.5, color='grey', linewidth=0.8)
    ax.set(xlabel='ciou threshold t', ylabel='share of clips with ciou >= t',
           xlim=(0, 1), ylim=(0, 1.02), title='cIoU success curve (AUC = area)')
    ax.legend(fontsize=7, loc='upper center', bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
