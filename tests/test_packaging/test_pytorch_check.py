"""``import avloc`` checks the PyTorch family, which is not an install requirement
(docs/install.md), and refuses a missing torch, a missing or mismatched torchvision
with one line that says what is installed, what avloc needs and the command that
fixes it without replacing torch. The minimums are the ones requirements/pytorch.txt
and docs/install.md state."""
import importlib.metadata
import os
import re
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from tool_runner import ROOT

from avloc.pytorch_check import (TORCH_MIN, TORCHVISION_MIN, check_versions, installed_version,
                                 matching_torchvision)


def refusal(torch_version, torchvision_version):
    with pytest.raises(ImportError) as info:
        check_versions(torch_version, torchvision_version)
    message = str(info.value)
    assert '\n' not in message
    return message


@pytest.mark.parametrize('torch_version,torchvision', [
    ('2.0.1', '0.15.1'), ('2.9.0', '0.24.0'), ('2.9.1+cu126', '0.24.1'),
    ('2.10.0', '0.25.0'), ('2.6', '0.21.0')])
def test_matching_torchvision(torch_version, torchvision):
    assert matching_torchvision(torch_version) == torchvision


def test_no_pairing_is_guessed_for_another_major_version():
    assert matching_torchvision('3.0.0') is None
    check_versions('3.0.0', '0.40.0')  # only the minimum applies
    message = refusal('3.0.0', '0.23.0')
    assert f'avloc needs torchvision>={TORCHVISION_MIN}' in message
    assert 'https://pytorch.org/get-started/locally/' in message


@pytest.mark.parametrize('pair', [('2.9.0', '0.24.0'), ('2.9.1', '0.24.0'),
                                  ('2.9.0+cu126', '0.24.0+cu126'), ('2.10.1', '0.25.1')])
def test_a_matching_pair_passes(pair):
    check_versions(*pair)


def test_a_missing_torchvision_names_the_one_built_for_this_torch():
    message = refusal('2.9.0', None)
    assert message == ('avloc needs torchvision 0.24.0, built for your torch 2.9.0, and '
                       'torchvision is not installed: pip install torchvision==0.24.0 '
                       '(keeps your torch; docs/install.md)')


def test_a_torch_from_pytorchs_index_gets_torchvision_from_the_same_index():
    message = refusal('2.9.0+cu126', '0.23.0+cu126')
    assert message.startswith('avloc needs torchvision 0.24.0, built for your torch '
                              '2.9.0+cu126, found torchvision 0.23.0+cu126: ')
    assert message.endswith(': pip install torchvision==0.24.0 --index-url '
                            'https://download.pytorch.org/whl/cu126 (keeps your torch; '
                            'docs/install.md)')
    assert '--index-url https://download.pytorch.org/whl/cpu ' in refusal('2.9.1+cpu', None)
    # A source build's label names no index.
    assert refusal('2.10.0a0+git1234', None).endswith(
        ': pip install torchvision==0.25.0 (keeps your torch; docs/install.md)')


@pytest.mark.parametrize('torchvision', ['0.23.0', '0.25.0'])
def test_a_torchvision_for_another_torch_is_refused(torchvision):
    message = refusal('2.9.0', torchvision)
    assert f'found torchvision {torchvision}: pip install torchvision==0.24.0 ' in message


def test_an_old_torch_is_refused_without_a_command_that_replaces_it_silently():
    message = refusal('2.8.0', '0.23.0')
    assert message.startswith(f'avloc needs torch>={TORCH_MIN} with its torchvision, found '
                              'torch 2.8.0: install a newer PyTorch as '
                              'https://pytorch.org/get-started/locally/ says')


def test_installed_version_reads_the_metadata_first_on_the_path(tmp_path, monkeypatch):
    (tmp_path / 'torchvision-0.23.0.dist-info').mkdir()
    (tmp_path / 'torchvision-0.23.0.dist-info' / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: torchvision\nVersion: 0.23.0\n')
    assert installed_version('torchvision') == importlib.metadata.version('torchvision')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed_version('torchvision') == '0.23.0'
    monkeypatch.setitem(sys.modules, 'torchvision', None)  # as if it were not there
    assert installed_version('torchvision') is None


def import_avloc(tmp_path, code='import avloc', pythonpath=None):
    """(exit status, last line of stderr) of a fresh interpreter importing avloc."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath)) if pythonpath else None
    proc = subprocess.run([sys.executable, '-c', code], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True)
    return proc.returncode, proc.stderr.strip().splitlines()[-1]


def test_import_avloc_refuses_a_missing_torch_or_torchvision(tmp_path):
    torch = importlib.metadata.version('torch')
    status, line = import_avloc(tmp_path, "import sys; sys.modules['torchvision'] = None; "
                                          "import avloc")
    assert status == 1
    assert line == (f'ImportError: avloc needs torchvision {matching_torchvision(torch)}, '
                    f'built for your torch {torch}, and torchvision is not installed: '
                    f'pip install torchvision=={matching_torchvision(torch)} (keeps your '
                    'torch; docs/install.md)')
    status, line = import_avloc(tmp_path, "import sys; sys.modules['torch'] = None; "
                                          "import avloc")
    assert status == 1
    assert line.startswith(f'ImportError: avloc needs torch>={TORCH_MIN} and the torchvision '
                           'built for it, and torch is not installed: ')
    assert line.endswith('pip install -c requirements/constraints.txt torch torchvision '
                         '(docs/install.md)')


def test_import_avloc_refuses_a_torchvision_built_for_another_torch(tmp_path):
    """A stand-in torchvision 0.23.0 (its package and its metadata) first on the path:
    refused from the metadata, before anything imports it or torch."""
    site = tmp_path / 'site'
    (site / 'torchvision').mkdir(parents=True)
    (site / 'torchvision' / '__init__.py').write_text("raise RuntimeError('imported')\n")
    (site / 'torchvision-0.23.0.dist-info').mkdir()
    (site / 'torchvision-0.23.0.dist-info' / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: torchvision\nVersion: 0.23.0\n')
    status, line = import_avloc(
        tmp_path, "import sys\ntry:\n    import avloc\nfinally:\n"
                  "    assert 'torch' not in sys.modules and 'torchvision' not in sys.modules",
        pythonpath=site)
    torch = importlib.metadata.version('torch')
    assert status == 1
    assert line.startswith(f'ImportError: avloc needs torchvision {matching_torchvision(torch)}'
                           f', built for your torch {torch}, found torchvision 0.23.0: pip '
                           f'install torchvision=={matching_torchvision(torch)}')


def read_requirements(path):
    lines = (ln.split('#')[0].strip() for ln in open(path))
    return {req.name: req for req in map(Requirement, filter(None, lines))}


def test_the_minimums_are_those_of_requirements_and_docs():
    family = read_requirements(f'{ROOT}/requirements/pytorch.txt')
    assert set(family) == {'torch', 'torchvision', 'torchaudio'}
    assert str(family['torch'].specifier) == f'>={TORCH_MIN}'
    assert str(family['torchvision'].specifier) == f'>={TORCHVISION_MIN}'
    assert str(family['torchaudio'].specifier) == f'>={TORCH_MIN}'  # released with torch
    assert matching_torchvision(TORCH_MIN) == f'{TORCHVISION_MIN}.0'
    docs = open(f'{ROOT}/docs/install.md').read()
    assert f'torch>={TORCH_MIN}' in docs and f'torchvision>={TORCHVISION_MIN}' in docs


def test_the_tested_pins_are_a_matching_family():
    pins = {name: str(req.specifier)[2:] for name, req in
            read_requirements(f'{ROOT}/requirements/constraints.txt').items()}
    check_versions(pins['torch'], pins['torchvision'])
    assert pins['torchvision'] == matching_torchvision(pins['torch'])
    assert pins['torchaudio'] == pins['torch']
    # and the installed ones, which the tests run with
    check_versions(importlib.metadata.version('torch'),
                   importlib.metadata.version('torchvision'))


def test_the_package_checks_before_it_imports_torch():
    """avloc/__init__.py calls the check before any import that brings torch."""
    text = open(f'{ROOT}/projects/avloc/__init__.py').read()
    first_import = re.search(r'^(from|import) (?!\.pytorch_check)\S+', text, re.M)
    assert text.index('check_pytorch()') < first_import.start()
