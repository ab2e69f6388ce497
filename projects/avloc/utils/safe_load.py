"""Loading files without trusting their pickle.

Every checkpoint, converted release and prediction dump avloc reads goes through
:func:`load_checkpoint_file`: first :func:`~avloc.utils.checkpoint_check.check_checkpoint`
(records that hold what their storages declare, nothing compressed, no allocation
or walk out of proportion to the file's size), then torch's restricted unpickler
(``weights_only=True``) with no extra allowed globals. Tensors, containers and
plain Python values load; anything that would import or call other code is
refused, with an error naming the file, before any of it runs.
"""
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, Union

import numpy as np
import torch

from .checkpoint_check import MalformedCheckpointError, check_checkpoint
from .download import download


class UnsafeCheckpointError(ValueError):
    """A file that cannot be loaded without running code it names."""


def numpy_scalar_globals() -> list:
    """What a pickled numpy scalar (e.g. a ``np.float64`` score) refers to: the
    scalar constructor and the dtypes. Building a scalar from its bytes runs no
    code; arrays and every other numpy callable stay refused."""
    from numpy._core.multiarray import scalar
    dtypes = [type(np.dtype(t)) for t in ('float64', 'float32', 'int64', 'int32', 'bool')]
    return [scalar, np.dtype, *dtypes]


def load_checkpoint_file(filename: str,
                         map_location: Union[str, torch.device, None] = 'cpu',
                         allow_numpy_scalars: bool = False) -> Any:
    """Load a local or http(s) checkpoint with torch's restricted unpickler.

    Args:
        filename: Local path or ``http(s)://`` URL (downloaded once into torch
            hub's cache by :func:`avloc.utils.download.download`, which checks the
            hash of a new or cached file when one is known).
        map_location: Same as :func:`torch.load`. Defaults to 'cpu'.
        allow_numpy_scalars: Also allow numpy scalars (:func:`numpy_scalar_globals`),
            for this call only; e.g. the released SSL-TIE checkpoints store their
            best score as ``np.float64``. Defaults to False.

    Returns:
        Whatever the file holds: tensors, containers and plain values.

    Raises:
        FileNotFoundError: No such local file.
        UnsafeCheckpointError: The pickle needs a global (a class or a function)
            that the restricted unpickler does not allow, e.g. code a crafted file
            would run. Nothing from the file has run.
        MalformedCheckpointError: The file is not a checkpoint (HTML, a video...),
            is in torch's legacy format, or its records or pickle fail a check of
            :mod:`avloc.utils.checkpoint_check`. Nothing from it has been loaded.
        ValueError: The file is not a readable torch checkpoint (e.g. truncated).
    """
    downloaded = ''
    if filename.startswith(('http://', 'https://')):
        downloaded = f' (downloaded from {filename}; delete it to download it again)'
        filename = download(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename}: checkpoint not found')
    allowed = numpy_scalar_globals() if allow_numpy_scalars else []
    with open(filename, 'rb') as f:  # the file checked is the file loaded
        try:
            check_checkpoint(f, filename)
        except MalformedCheckpointError as err:
            if downloaded:
                raise MalformedCheckpointError(f'{err}{downloaded}') from err
            raise
        try:
            with torch.serialization.safe_globals(allowed):  # this call only
                return torch.load(f, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError as err:
            found = re.search(r'(GLOBAL \S+)', str(err))  # what the pickle asked for
            reason = f'it asks for {found.group(1)}' if found else str(err).splitlines()[0]
            raise UnsafeCheckpointError(
                f'{filename}: refused to load: {reason}. A pickle that names code can run '
                'it, so avloc loads tensors and plain values only. If the file is a '
                'trusted checkpoint of another tool, re-save its state dict with '
                '`torch.save(state_dict, path)` where that tool is installed.') from err
        except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
            raise MalformedCheckpointError(
                f'{filename}: not a readable torch checkpoint ({err})') from err
