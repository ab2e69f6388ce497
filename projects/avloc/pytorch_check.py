"""The PyTorch family avloc needs, checked when avloc is imported.

torch and torchvision are not install requirements of avloc: torchvision (and
torchaudio) pin one exact torch, so a requirement on either lets pip replace the
torch a user installed for their CUDA. As OpenMMLab projects do, avloc leaves the
family to the user (docs/install.md) and checks it here, before any of its modules
imports torch, with a message that names the versions found and a command that
fixes them without replacing torch. torchaudio is not needed: avloc computes its
mel spectrograms itself (:mod:`avloc.datasets.transforms.mel`).

This module imports nothing of avloc, mmengine or mmcv (mmcv imports torch).
"""
import importlib
import importlib.metadata
import importlib.util
import re
from typing import Optional, Tuple

#: The oldest torch and torchvision avloc supports (requirements/pytorch.txt).
TORCH_MIN = '2.9'
TORCHVISION_MIN = '0.24'
#: PyTorch's page that gives the install command for a CUDA version.
SELECTOR = 'https://pytorch.org/get-started/locally/'
#: The local version labels of PyTorch's own wheel indexes (``2.9.0+cu126``).
_INDEX_LABEL = re.compile(r'^(cpu|cu\d+|rocm[\d.]+|xpu)$')


def _release(version: str) -> Tuple[int, ...]:
    """The leading numbers of a version: ``'2.9.0+cu126'`` -> (2, 9, 0)."""
    match = re.match(r'\d+(?:\.\d+)*', version)
    if match is None:
        raise ValueError(f'not a version: {version!r}')
    return tuple(int(part) for part in match.group().split('.'))


def matching_torchvision(torch_version: str) -> Optional[str]:
    """The torchvision release built for a torch release, e.g. '2.9.0' -> '0.24.0'.

    Every torch 2.x.y has its torchvision 0.(x + 15).y (2.0.0 / 0.15.0 to 2.9.1 /
    0.24.1). None for another major version, whose pairing is not known here.
    """
    release = _release(torch_version) + (0, 0)
    if release[0] != 2:
        return None
    return f'0.{release[1] + 15}.{release[2]}'


def _install_torchvision(torch_version: str) -> str:
    """The command that installs the torchvision built for the installed torch,
    from the index that torch came from, without replacing torch."""
    wanted = matching_torchvision(torch_version)
    if wanted is None:
        return f'install the torchvision built for torch {torch_version} ({SELECTOR})'
    label = torch_version.partition('+')[2]
    if _INDEX_LABEL.match(label):
        # torch came from PyTorch's index for this label; the torchvision there is
        # built for the same CUDA and requires this very torch: pip keeps it.
        return (f'pip install torchvision=={wanted} '
                f'--index-url https://download.pytorch.org/whl/{label}')
    return f'pip install torchvision=={wanted}'


def check_versions(torch_version: str, torchvision_version: Optional[str]) -> None:
    """Raise an ImportError unless torch and torchvision are ones avloc runs with.

    Args:
        torch_version (str): The installed torch's version (:func:`installed_version`).
        torchvision_version (str, optional): The installed torchvision's version;
            None when it is not installed.

    Raises:
        ImportError: torch older than :data:`TORCH_MIN`, torchvision missing, older
            than :data:`TORCHVISION_MIN` or built for another torch release. The
            message is one line: what is installed, what avloc needs, the fix.
    """
    if _release(torch_version) < _release(TORCH_MIN):
        raise ImportError(
            f'avloc needs torch>={TORCH_MIN} with its torchvision, found torch '
            f'{torch_version}: install a newer PyTorch as {SELECTOR} says for your CUDA '
            f'(avloc never installs PyTorch itself; docs/install.md)')
    wanted = matching_torchvision(torch_version)
    needs = f'torchvision {wanted}' if wanted else f'torchvision>={TORCHVISION_MIN}'
    fix = (f'{_install_torchvision(torch_version)} (keeps your torch; docs/install.md)')
    if torchvision_version is None:
        raise ImportError(f'avloc needs {needs}, built for your torch {torch_version}, '
                          f'and torchvision is not installed: {fix}')
    found = _release(torchvision_version)
    if found < _release(TORCHVISION_MIN) or (
            wanted is not None and found[:2] != _release(wanted)[:2]):
        raise ImportError(f'avloc needs {needs}, built for your torch {torch_version}, '
                          f'found torchvision {torchvision_version}: {fix}')


def installed_version(name: str) -> Optional[str]:
    """The version of the installed ``torch`` or ``torchvision``; None if missing.

    Read from the distribution's metadata, without importing it: the metadata's
    version keeps the label of the index it came from (``2.9.0+cu126`` from
    PyTorch's CUDA 12.6 index, ``2.9.0`` from PyPI, whose ``torch.__version__`` says
    ``+cu128`` all the same), and a torchvision built for another torch can fail to
    import with an error that does not say so. A build with no metadata is
    imported for its ``__version__``.
    """
    if importlib.util.find_spec(name) is None:
        return None
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return importlib.import_module(name).__version__


def check_pytorch() -> None:
    """Check the installed torch and torchvision (:func:`check_versions`).

    Raises:
        ImportError: torch is missing, or :func:`check_versions` refuses the pair.
    """
    torch_version = installed_version('torch')
    if torch_version is None:
        raise ImportError(
            f'avloc needs torch>={TORCH_MIN} and the torchvision built for it, and torch '
            f'is not installed: install both as {SELECTOR} says for your CUDA, or the '
            'tested versions from a clone of avloc: pip install -c '
            'requirements/constraints.txt torch torchvision (docs/install.md)')
    check_versions(torch_version, installed_version('torchvision'))
