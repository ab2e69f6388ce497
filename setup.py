"""Installs avloc; the package lives in ``projects/avloc``."""
import os
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent


def read_requirements(name: str) -> list:
    """Read a pinned requirements file, skipping comments and blank lines."""
    lines = (ROOT / 'requirements' / name).read_text().splitlines()
    return [ln.split('#')[0].strip() for ln in lines if ln.split('#')[0].strip()]


RUNTIME = read_requirements('runtime.txt')
if os.environ.get('AVLOC_FAISS_GPU') == '1':
    # faiss-gpu and faiss-cpu install the same `faiss` module: keep one.
    RUNTIME = [r for r in RUNTIME if not r.startswith('faiss-cpu')]

setup(
    name='avloc',
    version='0.1.0',
    description='Self-supervised audio-visual sound source localisation for MMEngine',
    long_description=(ROOT / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    package_dir={'avloc': 'projects/avloc'},
    packages=['avloc'] + [f'avloc.{p}' for p in find_packages('projects/avloc')],
    package_data={'avloc': ['py.typed', 'models/converters/*.tsv']},
    install_requires=RUNTIME,
    extras_require={
        'tests': read_requirements('tests.txt'),
        'gpu': read_requirements('gpu.txt'),
    },
)
