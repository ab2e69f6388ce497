"""Importing the scripts of tools/analysis, which import each other by module name
as they do when run as ``python tools/analysis/<script>.py``, and reading the
markdown tables they print."""
import importlib
import os
import sys
from types import ModuleType
from typing import List

from tool_runner import ROOT

ANALYSIS = os.path.join(ROOT, 'tools', 'analysis')


def import_analysis(name: str) -> ModuleType:
    """Import ``tools/analysis/<name>.py`` as the module ``name``."""
    if ANALYSIS not in sys.path:
        sys.path.insert(0, ANALYSIS)
    return importlib.import_module(name)


def table_rows(text: str) -> List[List[str]]:
    """The stripped cells of every markdown table row (a line starting with ``|``)
    in ``text``, header and separator rows included."""
    return [[cell.strip() for cell in line.split('|')[1:-1]]
            for line in text.splitlines() if line.startswith('|')]
