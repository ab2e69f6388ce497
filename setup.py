"""Installs avloc; the package lives in ``projects/avloc``."""
import re
import shutil
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent


def read_version() -> str:
    """``__version__`` of ``projects/avloc/version.py``, read as text (not run)."""
    text = (ROOT / 'projects' / 'avloc' / 'version.py').read_text()
    return re.search(r"^__version__ = '([^']+)'", text, re.M).group(1)


def read_requirements(name: str) -> list:
    """Read a requirements file, skipping comments and blank lines."""
    lines = (ROOT / 'requirements' / name).read_text().splitlines()
    return [ln.split('#')[0].strip() for ln in lines if ln.split('#')[0].strip()]


def add_mim_extension() -> None:
    """Copy ``configs/`` and ``model-index.yml`` into ``avloc/.mim`` so that an
    installed avloc (not only a clone) finds its configs and model zoo, as
    OpenMMLab's packages ship them. A clone finds them at the repository root."""
    mim = ROOT / 'projects' / 'avloc' / '.mim'
    shutil.rmtree(mim, ignore_errors=True)
    mim.mkdir()
    shutil.copytree(ROOT / 'configs', mim / 'configs')
    shutil.copy(ROOT / 'model-index.yml', mim / 'model-index.yml')


add_mim_extension()

setup(
    name='avloc',
    version=read_version(),
    description='Self-supervised audio-visual sound source localisation for MMEngine',
    long_description=(ROOT / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',  # 3.10 and 3.13 smoke-tested in CI, 3.11 fully tested
    classifiers=['Programming Language :: Python :: 3 :: Only'] + [
        f'Programming Language :: Python :: 3.{minor}' for minor in (10, 11, 12, 13)],
    package_dir={'avloc': 'projects/avloc'},
    packages=['avloc'] + [f'avloc.{p}' for p in find_packages('projects/avloc')],
    package_data={'avloc': ['py.typed', 'models/converters/*.tsv', '.mim/model-index.yml',
                            '.mim/configs/**/*.py', '.mim/configs/**/*.yml',
                            '.mim/configs/**/*.md']},
    # Ranges only; the tested pins are requirements/constraints.txt (docs/install.md).
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'demo': read_requirements('demo.txt'),
        # mmcv and faiss each come in variants that provide the same module: the
        # user picks one (or brings their own) when installing.
        'mmcv-lite': read_requirements('mmcv-lite.txt'),
        'faiss-cpu': read_requirements('faiss-cpu.txt'),
        'faiss-gpu': read_requirements('faiss-gpu.txt'),
    },
    entry_points={'console_scripts': ['avloc-train=avloc.tools.train:main',
                                      'avloc-test=avloc.tools.test:main']},
)
