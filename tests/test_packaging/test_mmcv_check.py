"""``import avloc`` refuses a missing or out-of-range mmcv with an error that names
the fix (mmcv is not an install requirement: docs/install.md)."""
import os
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from tool_runner import ROOT

import avloc


def import_avloc(tmp_path, code='import avloc', mmcv_version=None):
    """stderr of a fresh interpreter importing avloc, with a stand-in mmcv package
    of the given version first on the path when one is given."""
    env = None
    if mmcv_version is not None:
        (tmp_path / 'mmcv').mkdir()
        (tmp_path / 'mmcv' / '__init__.py').write_text(f'__version__ = {mmcv_version!r}\n')
        env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([sys.executable, '-c', code], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True)
    assert proc.returncode != 0, 'avloc imported'
    return proc.stderr


@pytest.mark.parametrize('version', ['1.7.2', '3.0.0'])
def test_an_out_of_range_mmcv_is_refused_with_the_fix(tmp_path, version):
    err = import_avloc(tmp_path, mmcv_version=version)
    assert f'ImportError: avloc needs mmcv>=2.0.0,<3.0.0, found mmcv {version}' in err
    assert 'pip install "avloc[mmcv-lite]"' in err


def test_a_missing_mmcv_is_refused_with_the_fix(tmp_path):
    err = import_avloc(tmp_path, "import sys; sys.modules['mmcv'] = None; import avloc")
    assert 'ImportError: avloc needs mmcv>=2.0.0,<3.0.0 (its transforms) and it is ' \
           'not installed' in err
    assert 'pip install "mmcv-lite>=2.0.0,<3.0.0"' in err


def test_the_checked_range_is_the_extras_range():
    (req,) = [Requirement(ln.strip()) for ln in open(f'{ROOT}/requirements/mmcv-lite.txt')
              if ln.strip() and not ln.startswith('#')]
    assert req.specifier == SpecifierSet(f'>={avloc.MMCV_MIN},<{avloc.MMCV_MAX}')
