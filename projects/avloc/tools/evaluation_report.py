"""One report per checkpoint: every protocol its test set supports, from one pass.

    python tools/test.py CONFIG CHECKPOINT --report work_dirs/report

:func:`report_config` switches a test config to the report: the test set also
carries the audio controls (another clip's audio, silence and noise), and the
evaluator scores each cIoU protocol of :data:`REPORT_PROTOCOLS` on the same
heatmaps, the first (the config's own protocol) with SLAVC's extended protocol and
the negative-audio measures as well, plus AVSBench's mIoU and F-score when the test
set has masks. A config that names an ``instance_test_dataloader`` (several sources
in one frame, each with its own audio) is scored per instance in a second pass
(:func:`instance_config`). :func:`format_report` makes the table and
:func:`write_report` writes it beside the JSON; every column is defined in
``docs/evaluation.md``.
"""
import datetime
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

from mmengine.config import Config

from avloc.structures import SUBSTITUTE_AUDIO

#: The cIoU protocols a report scores (see avloc.evaluation.functional.protocols).
REPORT_PROTOCOLS = ('lvs', 'ezvsl', 'adaptive', 'sslalign', 'sslalign_adaptive')
#: The negative-audio threshold rule the report's table shows (all are in the JSON).
NEGATIVE_RULE = 'maxq3'


def _as_list(evaluator) -> List[dict]:
    return [dict(m) for m in (evaluator if isinstance(evaluator, (list, tuple))
                              else [evaluator])]


def _own_ciou(cfg: Config) -> dict:
    """The config's own CIoUMetric settings (the default metric when it has none)."""
    return next((m for m in _as_list(cfg.test_evaluator) if m.get('type') == 'CIoUMetric'),
                dict(type='CIoUMetric'))


def _reads_masks(pipeline: Sequence[dict]) -> bool:
    return any(t.get('type') == 'LoadGroundTruthMask' for t in pipeline)


def _protocol_name(protocol) -> str:
    return protocol if isinstance(protocol, str) else protocol.get('name', 'lvs')


def ciou_evaluators(base: dict, prefix: str, full: bool) -> List[dict]:
    """A CIoUMetric per report protocol, each with ``base``'s ground-truth settings.

    The config's own protocol comes first and keeps the metric prefix ``prefix``
    (so its keys, e.g. ``ciou/cIoU@0.5``, are those of a plain test run); each other
    protocol gets ``<prefix>_<protocol>``.

    Args:
        base: The config's own CIoUMetric settings.
        prefix: Metric prefix of the config's own protocol.
        full: Give the config's own protocol the extended and negative-audio
            measures too.
    """
    own = _protocol_name(base.get('protocol', 'lvs'))
    own = 'lvs' if own == 'ssltie' else own
    keep = {k: v for k, v in base.items() if k in ('gt_map', 'empty_gt', 'threshold')}
    metrics = [dict(type='CIoUMetric', protocol=base.get('protocol', 'lvs'), prefix=prefix,
                    **keep, **(dict(extended=True, negative_audio=True) if full else {}))]
    metrics += [dict(type='CIoUMetric', protocol=name, prefix=f'{prefix}_{name}', **keep)
                for name in REPORT_PROTOCOLS if name != own]
    return metrics


def protocol_rows(evaluators: Sequence[dict]) -> List[Tuple[str, str]]:
    """(metric prefix, protocol name) of each CIoUMetric in ``evaluators``."""
    return [(m.get('prefix') or 'ciou', _protocol_name(m.get('protocol', 'lvs')))
            for m in evaluators if m.get('type') == 'CIoUMetric']


def report_config(cfg: Config) -> None:
    """Switch ``cfg``'s test set and evaluator to the full report, in place.

    The test dataset attaches every audio control; the config's own metrics other
    than CIoUMetric (e.g. the audio-visual correspondence accuracy) are kept.
    """
    dataset = cfg.test_dataloader.dataset
    dataset.update(other_audio_control=True, negative_audio=list(SUBSTITUTE_AUDIO))
    own = _as_list(cfg.test_evaluator)
    base = _own_ciou(cfg)
    others = [m for m in own if m.get('type') not in ('CIoUMetric', 'AVSBenchMetric')]
    metrics = ciou_evaluators(base, 'ciou', full=True) + others
    if _reads_masks(dataset.get('pipeline', [])):
        metrics.append(dict(type='AVSBenchMetric'))
    cfg.test_evaluator = metrics


def instance_config(cfg: Config) -> Config:
    """The config of the per-instance pass: ``cfg`` testing its
    ``instance_test_dataloader`` with each protocol's cIoU, IIoU and iAUC (metric
    prefixes ``instances`` and ``instances_<protocol>``), drawing no overlays."""
    base = _own_ciou(cfg)
    instance_cfg = cfg.copy()
    instance_cfg.test_dataloader = cfg.instance_test_dataloader
    instance_cfg.test_evaluator = ciou_evaluators(base, 'instances', full=False)
    instance_cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                                 if h.get('type') != 'HeatmapVisualizationHook']
    return instance_cfg


def _protocol_rows(metrics: dict, prefixes: Sequence[Tuple[str, str]],
                   threshold: str) -> List[Tuple[str, dict]]:
    rows = []
    for key, name in prefixes:
        if f'{key}/AUC' not in metrics:
            continue
        row = {f'cIoU@{threshold}': metrics.get(f'{key}/cIoU@{threshold}'),
               'AUC': metrics.get(f'{key}/AUC'),
               'mean cIoU': metrics.get(f'{key}/mean_cIoU')}
        if f'{key}/instances/IIoU@{threshold}' in metrics:
            row[f'IIoU@{threshold}'] = metrics[f'{key}/instances/IIoU@{threshold}']
            row['iAUC'] = metrics[f'{key}/instances/iAUC']
        rows.append((name, row))
    return rows


def report_sections(metrics: dict, prefixes: Sequence[Tuple[str, str]],
                    instance_prefixes: Sequence[Tuple[str, str]] = (),
                    threshold: float = 0.5) -> List[Tuple[str, list]]:
    """The report's tables: (title, [(row name, {column: value})]) each, leaving
    out the sections the test set does not support.

    Args:
        metrics: The scores of both passes.
        prefixes: :func:`protocol_rows` of the main pass; the first is the config's
            own protocol, which carries the controls, extended and negative-audio
            scores.
        instance_prefixes: :func:`protocol_rows` of the per-instance pass.
        threshold: The cIoU threshold of the headline columns.
    """
    t = f'{threshold:g}'
    sections = [('Localisation of the visible source, per cIoU protocol',
                 _protocol_rows(metrics, prefixes, t)),
                ('Several sources in one frame, each instance with its own audio',
                 _protocol_rows(metrics, instance_prefixes, t))]
    own, protocol = prefixes[0]
    controls = [(name, {f'cIoU@{t}': metrics.get(f'{own}/{key}/cIoU@{t}'),
                        'AUC': metrics.get(f'{own}/{key}/AUC')})
                for name, key in (('centre prior', 'centre_prior'),
                                  ('other audio', 'other_audio'))
                if f'{own}/{key}/AUC' in metrics]
    sections.append((f'Controls ({protocol} protocol): scores that must stay low',
                     controls))
    if f'{own}/extended/AP@0.5' in metrics:
        sections.append((f'SLAVC extended protocol ({protocol})', [
            (f'IoU {iou}', {'AP': metrics.get(f'{own}/extended/AP@{iou}'),
                            'max-F1': metrics.get(f'{own}/extended/max_F1@{iou}'),
                            'precision': metrics.get(f'{own}/extended/precision@{iou}')})
            for iou in ('0.5', '0.75')]))
    sections.append(_negative_section(metrics, f'{own}/negative'))
    sections.append(('AVSBench segmentation measures', [
        (name, {score: metrics[f'avsbench/{key}{score}'] for score in ('mIoU', 'F-score')})
        for name, key in (('model', ''), ('centre prior', 'centre_prior/'),
                          ('other audio', 'other_audio/'))
        if f'avsbench/{key}mIoU' in metrics]))
    return [(title, rows) for title, rows in sections if rows]


def _negative_section(metrics: dict, negative: str) -> Tuple[str, list]:
    rule = NEGATIVE_RULE
    rows = [(kind, {f'pIA@{rule}': metrics.get(f'{negative}/pIA/{kind}@{rule}'),
                    f'AOC@{rule}': metrics.get(f'{negative}/AOC/{kind}@{rule}'),
                    f'IoU(pos, neg)@{rule}': metrics.get(f'{negative}/IoU/pos-{kind}@{rule}'),
                    'F': metrics.get(f'{negative}/F/pos-{kind}'),
                    'F(AUC, AOC)': metrics.get(f'{negative}/F_AUC_AOC/pos-{kind}')})
            for kind in ('silence', 'noise', 'offscreen')
            if f'{negative}/pIA/{kind}@{rule}' in metrics]
    if not rows:
        return '', []
    if f'{negative}/F/pos-neg' in metrics:
        rows.append(('all three', {'F': metrics[f'{negative}/F/pos-neg'],
                                   'F(AUC, AOC)': metrics.get(f'{negative}/F_AUC_AOC/pos-neg')}))
    return (f'Negative audio: the raw map cut at {rule} = '
            f'{metrics[f"{negative}/threshold/{rule}"]:.4f} (cIoU there, mean '
            f'{metrics[f"{negative}/cIoU_mean@{rule}"]:.4f})', rows)


def _cell(value) -> str:
    if value is None:
        return '-'
    return f'{value:.4f}' if isinstance(value, float) else str(value)


def _table(rows: list) -> List[str]:
    columns = list(dict.fromkeys(c for _, row in rows for c in row))
    lines = [['', *columns]] + [[name, *(_cell(row.get(c)) for c in columns)]
                                for name, row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns) + 1)]
    text = ['| ' + ' | '.join(cell.ljust(w) if i == 0 else cell.rjust(w)
                              for i, (cell, w) in enumerate(zip(line, widths))) + ' |'
            for line in lines]
    text.insert(1, '|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    return text


def format_report(metrics: dict, header: str, prefixes: Sequence[Tuple[str, str]],
                  instance_prefixes: Sequence[Tuple[str, str]] = (),
                  threshold: float = 0.5) -> str:
    """The whole report as text: ``header``, then one table per section (see
    :func:`report_sections` for the arguments)."""
    out = [header]
    for title, rows in report_sections(metrics, prefixes, instance_prefixes, threshold):
        out += ['', title, *_table(rows)]
    return '\n'.join(out)


def test_set_summary(metainfo: dict, metrics: dict, prefix: str) -> dict:
    """The test list's name, md5 and clip counts (those of the metric ``prefix``),
    as the JSON records them."""
    counts = {k.split('/')[-1]: v for k, v in metrics.items()
              if k.startswith(prefix + '/num_')}
    return dict(list_name=metainfo.get('list_name'), list_md5=metainfo.get('list_md5'),
                **counts)


def write_report(out_dir: str, text: str, metrics: dict, meta: Dict[str, object]
                 ) -> Tuple[str, str]:
    """Write ``report.txt`` (``text``, the tables) and ``report.json`` (``meta``, the
    date and every score) into ``out_dir``.

    Returns:
        tuple: The two paths.
    """
    os.makedirs(out_dir, exist_ok=True)
    text_path, json_path = osp.join(out_dir, 'report.txt'), osp.join(out_dir, 'report.json')
    with open(text_path, 'w', encoding='utf-8') as f:
        f.write(text + '\n')
    with open(json_path, 'w', encoding='utf-8') as f:
        json.dump(dict(meta, date=datetime.date.today().isoformat(), metrics=metrics), f,
                  indent=1)
    return text_path, json_path
