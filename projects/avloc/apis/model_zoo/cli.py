"""``python -m avloc.apis.model_zoo``: list the zoo, fetch an entry, hash a file.

The command runs this module's :func:`main` through ``__main__.py``; the package
itself never imports ``__main__``, so ``python -m`` runs it without runpy's
warning about a module imported before it is run.
"""
import argparse
import json
import os.path as osp
import shutil
import sys
import textwrap
from typing import List, Optional
from urllib.error import URLError

from avloc.utils.download import ChecksumError, NonDirectLinkError, cache_path, file_sha256
from .entries import UnknownModelError, get_model, resolve
from .listing import as_record, format_entries, format_table, list_entries, zoo_summary

EXAMPLES = """examples:
  python -m avloc.apis.model_zoo list --method ssltie --dataset flickr
  python -m avloc.apis.model_zoo list --json > zoo.json
  python -m avloc.apis.model_zoo resolve ssltie_r18_1xb32-100e_flickr10k
  python -m avloc.apis.model_zoo hash ssltie_r18_1xb32-100e_flickr10k

Names are the Name fields of configs/*/metafile.yml (model-index.yml imports them,
as OpenMMLab's mim reads them). Checkpoints are downloaded into torch hub's cache
(torch.hub.get_dir()/checkpoints) and checked against their sha256."""


def terminal_width() -> int:
    """The terminal's width, kept within 80-120 columns (100 when not a terminal)."""
    return min(max(shutil.get_terminal_size((100, 24)).columns, 80), 120)


def parser() -> argparse.ArgumentParser:
    """The command line: ``list``, ``resolve NAME``, ``hash NAME``."""
    parser = argparse.ArgumentParser(
        prog='python -m avloc.apis.model_zoo', description='The model zoo: configs and '
        'checkpoints by name.', epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    listing = commands.add_parser('list', help='every entry: method, training set, '
                                  'weights, measured and published scores, config')
    listing.add_argument('--method', help="only this method (SSL-TIE or ssltie, LVS, ...)")
    listing.add_argument('--dataset', help='only entries whose training data mentions '
                         'this (e.g. vggsound, flickr, avshapes, 144k)')
    output = listing.add_mutually_exclusive_group()
    output.add_argument('--long', action='store_true',
                        help='a block per entry with every field: the full training '
                             'set, which file to download, every score, the config')
    output.add_argument('--json', action='store_true', help='one JSON list, for scripts')
    output.add_argument('--names', action='store_true', help='the names alone, one a line')
    fetch = commands.add_parser('resolve', help='download if needed; print config '
                                'and checkpoint')
    fetch.add_argument('name', help='a zoo name, or the path of its config')
    fetch.add_argument('--sha256', help='expected sha256, overriding the metafile')
    record = commands.add_parser('hash', help="print the cached file's sha256, to "
                                 'record in the metafile')
    record.add_argument('name')
    return parser


def print_list(args: argparse.Namespace) -> None:
    entries = list_entries(args.method, args.dataset)
    if not entries:
        filters = (('method', args.method), ('dataset', args.dataset))
        given = ' '.join(f'--{k} {v}' for k, v in filters if v)
        sys.exit(f'error: no zoo entry matches {given}; see `list --names`')
    if args.json:
        print(json.dumps([as_record(e) for e in entries], indent=1))
    elif args.names:
        print('\n'.join(e.name for e in entries))
    else:
        width = terminal_width()
        print(format_entries(entries, width) if args.long else format_table(entries))
        print('\n' + '\n'.join(textwrap.wrap(zoo_summary(entries, args.long), width)))


def print_resolved(args: argparse.Namespace) -> None:
    entry = get_model(args.name)
    if entry.by_hand and not osp.isfile(cache_path(entry.weights, entry.filename)):
        # Say what to do before trying: the download would only refuse the page.
        sys.exit(f'error: {entry.name}: its weights are in a shared folder, which no '
                 f'program can download: open {entry.weights}, download '
                 f'{entry.source_file or entry.filename} and save it as '
                 f'{cache_path(entry.weights, entry.filename)}; then run this again')
    config, checkpoint = resolve(args.name, args.sha256)
    if checkpoint is None:
        print(f'config: {config}\ncheckpoint: none (the zoo has no weights for '
              f'{entry.name}: train it, or pass your own checkpoint)')
        return
    note = f' (converted by {entry.converter} when loaded)' if entry.converter else ''
    print(f'config: {config}\ncheckpoint: {checkpoint}{note}')


def print_hash(args: argparse.Namespace) -> None:
    entry = get_model(args.name)
    if entry.weights is None:
        sys.exit(f'error: {args.name} has no weights to hash')
    path = cache_path(entry.weights, entry.filename)
    if not osp.isfile(path):
        sys.exit(f'error: {path} is not there yet: run `resolve {args.name}` '
                 'or put the file there by hand')
    print(f'sha256: {file_sha256(path)}  # {path}')


def main(argv: Optional[List[str]] = None) -> None:
    """Run the command line ``argv`` (``sys.argv[1:]`` when None)."""
    args = parser().parse_args(argv)
    commands = dict(list=print_list, resolve=print_resolved, hash=print_hash)
    try:
        commands[args.command](args)
    except (UnknownModelError, FileNotFoundError, ChecksumError, NonDirectLinkError,
            URLError) as err:
        sys.exit(f'error: {err}')
