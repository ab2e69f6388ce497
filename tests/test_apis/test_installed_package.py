"""An installed avloc (a wheel, not the clone) carries its configs and model zoo."""
import os
import subprocess
import sys
import zipfile

from tool_runner import ROOT


def test_the_wheel_ships_the_configs_and_resolves_zoo_names_outside_the_clone(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                    '--no-build-isolation', '-w', str(tmp_path / 'dist'), ROOT],
                   check=True, capture_output=True, text=True)
    wheel = next((tmp_path / 'dist').glob('avloc-*.whl'))
    import avloc
    assert wheel.name.startswith(f'avloc-{avloc.__version__}-')  # one version string
    with open(os.path.join(ROOT, 'CHANGELOG.md')) as f:
        assert f'## {avloc.__version__}' in f.read()
    names = zipfile.ZipFile(wheel).namelist()
    assert 'avloc/.mim/model-index.yml' in names
    assert 'avloc/.mim/configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py' in names
    assert 'avloc/.mim/configs/_base_/default_runtime.py' in names
    site = tmp_path / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target',
                    str(site), str(wheel)], check=True, capture_output=True, text=True)
    code = ('import avloc, sys; from avloc.apis import init_localizer, resolve; '
            'assert avloc.__file__.startswith(sys.argv[1]), avloc.__file__; '
            'config, weights = resolve("ssltie_r18_1xb16-1e_avshapes"); '
            'assert config.startswith(sys.argv[1]) and weights is None, config; '
            'print(type(init_localizer("ssltie_r18_1xb16-1e_avshapes", '
            'random_weights=True)).__name__)')
    out = subprocess.run([sys.executable, '-c', code, str(site)], cwd=str(tmp_path),
                         env=dict(os.environ, PYTHONPATH=str(site)), check=True,
                         capture_output=True, text=True).stdout
    assert out.strip().endswith('SSLTIE')
