"""Installs avloc; the package lives in ``projects/avloc``."""
import os
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
    """Read a pinned requirements file, skipping comments and blank lines."""
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
RUNTIME = read_requirements('runtime.txt')
if os.environ.get('AVLOC_FAISS_GPU') == '1':
    # faiss-gpu and faiss-cpu install the same `faiss` module: keep one.
    RUNTIME = [r for r in RUNTIME if not r.startswith('faiss-cpu')]

setup(
    name='avloc',
    version=read_version(),
    description='Self-supervised audio-visual sound source localisation for MMEngine',
    long_description=(ROOT / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    package_dir={'avloc': 'projects/avloc'},
    packages=['avloc'] + [f'avloc.{p}' for p in find_packages('projects/avloc')],
    package_data={'avloc': ['py.typed', 'models/converters/*.tsv', '.mim/model-index.yml',
                            '.mim/configs/**/*.py', '.mim/configs/**/*.yml',
                            '.mim/configs/**/*.md']},
    install_requires=RUNTIME,
    extras_require={
        'tests': read_requirements('tests.txt'),
        'gpu': read_requirements('gpu.txt'),
        'demo': read_requirements('demo.txt'),
    },
    entry_points={'console_scripts': ['avloc-train=avloc.tools.train:main',
                                      'avloc-test=avloc.tools.test:main']},
)
