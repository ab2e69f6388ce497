"""The zoo as ``python -m avloc.apis.model_zoo list`` prints it: for each entry its
method, training set, whether weights can be had (and the file to save by hand
when they are behind a sharing page), the scores this repository measured beside
the ones published elsewhere, and its config.

Measured (``Results``) and published (``Published Results``) scores are never
mixed: a published number was not reproduced here.
"""
import os.path as osp
import textwrap
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .entries import ZooModel, models, zoo_root

LABEL = 12  # width of the field names of a block: 'trained on', 'published'


def weights_summary(entry: ZooModel) -> str:
    """``'no'``, ``'yes'`` or, for a sharing page, which file to save by hand."""
    if entry.weights is None:
        return 'no'
    converted = f'; converted ({entry.converter}) when loaded' if entry.converter else ''
    if entry.by_hand:
        return (f'by hand: {entry.source_file or entry.filename} from a shared folder, '
                f'saved as {entry.filename} (`resolve` says where){converted}')
    return f'yes, downloaded by `resolve`{converted}'


def scores_summary(scores: Sequence[Tuple[str, Dict[str, float]]]) -> str:
    """``'AVShapes test (500 clips): cIoU@0.5 0.844, AUC 0.567'``, or ``'-'``."""
    return '; '.join(f'{dataset}: ' + ', '.join(f'{k} {v}' for k, v in metrics.items())
                     for dataset, metrics in scores) or '-'


def select(entries: Iterable[ZooModel], method: Optional[str] = None,
           dataset: Optional[str] = None) -> List[ZooModel]:
    """The entries of a method and trained on a dataset, by name.

    Args:
        entries: The entries.
        method: The collection (``'SSL-TIE'``) or config folder (``'ssltie'``),
            case and hyphens ignored. Defaults to every method.
        dataset: A part of the training data's description (``'vggsound'``,
            ``'flickr'``), case, hyphens and spaces ignored. Defaults to any.
    """
    def plain(text: Optional[str]) -> str:
        return (text or '').lower().replace('-', '').replace(' ', '')

    chosen = []
    for entry in entries:
        folder = osp.basename(osp.dirname(entry.config))
        if method and plain(method) not in (plain(entry.method), plain(folder)):
            continue
        if dataset and plain(dataset) not in plain(entry.training_data):
            continue
        chosen.append(entry)
    return sorted(chosen, key=lambda e: e.name)


def relative_config(entry: ZooModel, root: Optional[str] = None) -> str:
    """The config's path relative to the zoo root (``configs/...``)."""
    return osp.relpath(entry.config, root or zoo_root())


def as_record(entry: ZooModel, root: Optional[str] = None) -> dict:
    """One entry as plain values (``list --json``)."""
    return dict(name=entry.name, method=entry.method, trained_on=entry.training_data,
                weights=entry.weights, filename=entry.filename, by_hand=entry.by_hand,
                source_file=entry.source_file,
                converter=entry.converter,
                measured=[dict(dataset=d, metrics=m) for d, m in entry.results],
                published=[dict(dataset=d, metrics=m) for d, m in entry.published],
                config=relative_config(entry, root))


def format_entries(entries: Sequence[ZooModel], width: int = 100,
                   root: Optional[str] = None) -> str:
    """A block per entry: its name and method, then one field a line, each wrapped
    to ``width`` columns under its label (a config path is cut at ``/`` only).

    Example::

        ssltie_r18_1xb16-1e_avshapes  [SSL-TIE]
          trained on  AVShapes
          weights     no
          measured    AVShapes test (500 clips): cIoU@0.5 0.844, AUC 0.567
          published   -
          config      configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py
    """
    indent = ' ' * (2 + LABEL)
    blocks = []
    for entry in entries:
        lines = [f'{entry.name}  [{entry.method or "?"}]']
        for label, text in (('trained on', entry.training_data or 'unknown'),
                            ('weights', weights_summary(entry)),
                            ('measured', scores_summary(entry.results)),
                            ('published', scores_summary(entry.published)),
                            ('config', relative_config(entry, root))):
            head = f'  {label:<{LABEL}}'
            room = max(width - len(indent), 20)
            wrapped = _wrap_path(text, room) if label == 'config' else textwrap.wrap(
                text, room, break_long_words=False, break_on_hyphens=False)
            lines += [head + wrapped[0]] + [indent + line for line in wrapped[1:]]
        blocks.append('\n'.join(lines))
    return '\n\n'.join(blocks)


def first_score(scores: Sequence[Tuple[str, Dict[str, float]]]) -> str:
    """The first metric of the first test set (``'cIoU@0.5 0.844'``), or ``'-'``."""
    if not scores:
        return '-'
    name, value = next(iter(scores[0][1].items()))
    return f'{name} {value}'


def format_table(entries: Sequence[ZooModel]) -> str:
    """One row per entry, as ``mim search`` prints a zoo: name, method, training
    set, weights (``yes``, ``no``, ``by hand``: a sharing page's file to save), the
    first score measured here and the first published; the config is
    ``configs/<method folder>/<name>.py`` (``list --long`` gives every field).

    Example::

        name                          method   trained on  weights  measured        published
        ssltie_r18_1xb16-1e_avshapes  SSL-TIE  AVShapes    no       cIoU@0.5 0.844  -
    """
    header = ('name', 'method', 'trained on', 'weights', 'measured', 'published')
    rows = [header] + [(
        e.name, e.method or '?', (e.training_data or 'unknown').split(' (')[0],
        'no' if e.weights is None else 'by hand' if e.by_hand else 'yes',
        first_score(e.results), first_score(e.published)) for e in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return '\n'.join('  '.join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in rows)


def _wrap_path(path: str, width: int) -> List[str]:
    """``path`` in lines of at most ``width`` characters, broken after a ``/`` (a
    file name longer than ``width`` keeps its own line)."""
    lines, line = [], ''
    for part in path.replace('/', '/\0').split('\0'):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ''
        line += part
    return lines + [line]


def zoo_summary(entries: Sequence[ZooModel], long: bool = True) -> str:
    """The closing line: how many entries, with weights, and where scores come from
    (and, after the table, where the rest is)."""
    with_weights = sum(e.weights is not None for e in entries)
    more = '' if long else (' Each config is configs/<method>/<name>.py; `list --long` '
                            'shows every score, the file to download and the config.')
    return (f'{len(entries)} entries, {with_weights} with weights. measured: scores this '
            'repository measured (metafile Results); published: numbers from the paper or '
            "the authors' README (Published Results), not reproduced here." + more)


def list_entries(method: Optional[str] = None, dataset: Optional[str] = None
                 ) -> List[ZooModel]:
    """The zoo's entries, filtered as :func:`select` does."""
    return select(models().values(), method, dataset)
