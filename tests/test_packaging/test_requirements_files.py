"""avloc's own requirements are ranges that every tested combination satisfies, and
name no package that comes in variants providing the same module (mmcv, OpenCV,
FAISS) and no PyTorch package (torchvision and torchaudio pin one torch): those are
the user's choice (docs/install.md)."""
import re
import subprocess
import sys
import zipfile
from email.parser import Parser

import pytest
from packaging.requirements import Requirement
from tool_runner import ROOT

REQS = f'{ROOT}/requirements'
VARIANTS = ('opencv', 'mmcv', 'faiss')
PYTORCH = ('torch', 'torchvision', 'torchaudio')
EXTRAS = ('mmcv-lite', 'faiss-cpu', 'faiss-gpu', 'tests', 'demo')


def read(path):
    """Requirements of a requirements file, comments and blank lines skipped."""
    lines = (ln.split('#')[0].strip() for ln in open(path))
    return [Requirement(ln) for ln in lines if ln]


def pins(python):
    """{name: version} of constraints.txt for a Python version ('3.10')."""
    env = dict(python_version=python, python_full_version=f'{python}.0')
    out = {}
    for req in read(f'{REQS}/constraints.txt'):
        if req.marker is None or req.marker.evaluate(env):
            (spec,) = req.specifier
            assert spec.operator == '==', req
            out[req.name] = spec.version
    return out


def beside_versions():
    """{name: version} that .ci/install_beside.sh puts in the user's environments."""
    text = open(f'{ROOT}/.ci/install_beside.sh').read()
    found = re.findall(r'\b([a-z][a-z0-9-]*)==([0-9][0-9a-z.]*)', text)
    assert len(dict(found)) == len(set(found)), 'one version of each package'
    return dict(found)


def test_runtime_requirements_are_ranges_without_variant_packages():
    for req in read(f'{REQS}/runtime.txt') + read(f'{REQS}/pytorch.txt'):
        assert req.specifier, f'{req} has no range'
        assert all(s.operator not in ('==', '===') for s in req.specifier), req
        assert not req.name.startswith(VARIANTS), req


@pytest.mark.parametrize('name', ['runtime'] + list(EXTRAS))
def test_no_requirement_names_a_pytorch_package(name):
    """Not torch either: installing avloc must never change the user's PyTorch."""
    assert not [r for r in read(f'{REQS}/{name}.txt') if r.name in PYTORCH]


@pytest.mark.parametrize('python', ['3.10', '3.11', '3.13'])
def test_the_pins_satisfy_the_ranges(python):
    tested = pins(python)
    extras = read(f'{REQS}/mmcv-lite.txt') + read(f'{REQS}/faiss-cpu.txt')
    for req in read(f'{REQS}/runtime.txt') + read(f'{REQS}/pytorch.txt') + extras:
        assert req.name in tested, f'{req.name} has no pin in constraints.txt'
        assert tested[req.name] in req.specifier, (req, tested[req.name])


def test_the_environment_of_install_beside_satisfies_the_ranges():
    user = beside_versions()
    for name in ('torch', 'torchvision', 'torchaudio', 'mmcv-lite', 'opencv-python'):
        assert user[name] != pins('3.10')[name], f'{name}: the pin, not another version'
    ranges = read(f'{REQS}/runtime.txt') + read(f'{REQS}/pytorch.txt')
    for req in ranges + read(f'{REQS}/mmcv-lite.txt'):
        if req.name in user:
            assert user[req.name] in req.specifier, (req, user[req.name])


def test_the_wheel_declares_the_ranges_and_the_extras(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                    '--no-build-isolation', '-w', str(tmp_path), ROOT],
                   check=True, capture_output=True, text=True)
    wheel = zipfile.ZipFile(next(tmp_path.glob('avloc-*.whl')))
    name = next(n for n in wheel.namelist() if n.endswith('.dist-info/METADATA'))
    meta = Parser().parsestr(wheel.read(name).decode())
    required = [Requirement(r) for r in meta.get_all('Requires-Dist')]
    always = {str(r) for r in required if r.marker is None}
    assert always == {str(r) for r in read(f'{REQS}/runtime.txt')}
    assert not [r for r in required if r.name in PYTORCH]  # nor in any extra
    assert set(meta.get_all('Provides-Extra')) >= {'mmcv-lite', 'faiss-cpu', 'faiss-gpu'}
    by_extra = {}
    for req in required:
        if req.marker is not None:
            extra = re.search(r'extra == "([^"]+)"', str(req.marker)).group(1)
            by_extra.setdefault(extra, set()).add(req.name)
    assert by_extra['mmcv-lite'] == {'mmcv-lite'}
    assert by_extra['faiss-cpu'] == {'faiss-cpu'}
    assert by_extra['faiss-gpu'] == {'faiss-gpu'}
    assert meta['Requires-Python'] == '>=3.10'
