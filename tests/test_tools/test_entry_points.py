"""An installed avloc (a wheel, not the clone) has ``avloc-train`` and ``avloc-test``,
the bodies of ``tools/train.py`` and ``tools/test.py`` (issue 13)."""
import configparser
import os
import subprocess
import sys
import zipfile

import pytest
from tool_runner import ROOT

SCRIPTS = {'avloc-train': 'avloc.tools.train:main', 'avloc-test': 'avloc.tools.test:main'}


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(the wheel, a folder it is installed into with ``pip install --target``)."""
    tmp = tmp_path_factory.mktemp('wheel')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                    '--no-build-isolation', '-w', str(tmp / 'dist'), ROOT],
                   check=True, capture_output=True, text=True)
    wheel = next((tmp / 'dist').glob('avloc-*.whl'))
    site = tmp / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target',
                    str(site), str(wheel)], check=True, capture_output=True, text=True)
    return wheel, site


def test_the_wheel_declares_both_console_scripts(installed):
    wheel, _ = installed
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        entry_points = next(n for n in names if n.endswith('.dist-info/entry_points.txt'))
        parser = configparser.ConfigParser()
        parser.read_string(whl.read(entry_points).decode())
    assert dict(parser['console_scripts']) == SCRIPTS
    assert {'avloc/tools/__init__.py', 'avloc/tools/train.py',
            'avloc/tools/test.py'} <= set(names)


@pytest.mark.parametrize('tool, usage', [
    ('train', 'CONFIG'), ('test', 'CHECKPOINT')])
def test_the_installed_mains_parse_a_command_line_outside_the_clone(installed, tool, usage,
                                                                    tmp_path):
    _, site = installed
    code = (f'import sys, avloc; from avloc.tools.{tool} import main; '
            'assert avloc.__file__.startswith(sys.argv[1]), avloc.__file__; '
            "main(['--help'])")
    proc = subprocess.run([sys.executable, '-c', code, str(site)], cwd=str(tmp_path),
                          env=dict(os.environ, PYTHONPATH=str(site)),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith('usage:') and usage.lower() in proc.stdout.lower()
    assert '--launcher' in proc.stdout and '--cfg-options' in proc.stdout


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_the_clone_wrappers_still_take_the_same_flags(tool):
    """``tools/<tool>.py`` (what ``tools/dist_launch.sh`` runs) parses as before."""
    proc = subprocess.run([sys.executable, f'tools/{tool}.py', '--help'], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith(f'usage: {tool}.py ')
    assert '--local-rank' in proc.stdout or '--local_rank' in proc.stdout
