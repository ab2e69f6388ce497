"""Checkpoints crafted to run code when unpickled, for attacking avloc's loaders.

Each attack writes ``marker`` if its payload runs; a loader passes when it raises an
error naming the file and the marker does not exist.
"""
import os
from typing import Callable, Dict

import torch


class _Call:
    """Pickles as ``func(*args)``; ``func`` may itself be a :class:`_Call`, so a
    chain of calls is evaluated by the unpickler."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args

    def __call__(self, *args):  # pickle insists that the reduced callable be callable
        raise AssertionError('only ever unpickled')


def _os_system(marker: str):
    return _Call(os.system, f'touch {marker}')


def _exec(marker: str):
    return _Call(exec, f'open({marker!r}, "w").close()')


def _getattr_chain(marker: str):
    # getattr(getattr(getattr, '__self__'), 'exec')(code): only builtins.getattr is
    # named in the pickle; the builtins module and exec are reached through it.
    builtins_module = _Call(getattr, getattr, '__self__')
    exec_fn = _Call(getattr, builtins_module, 'exec')
    return _Call(exec_fn, f'open({marker!r}, "w").close()')


ATTACKS: Dict[str, Callable[[str], object]] = {
    'os.system': _os_system, 'exec': _exec, 'getattr chain': _getattr_chain}


def write_attack(path: str, attack: str, marker: str) -> str:
    """Save a checkpoint-shaped file at ``path`` whose payload writes ``marker``."""
    payload = ATTACKS[attack](marker)
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': payload}, path)
    return path
