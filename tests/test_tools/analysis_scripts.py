"""Importing the scripts of tools/analysis, which import each other by module name
as they do when run as ``python tools/analysis/<script>.py``."""
import importlib
import os
import sys
from types import ModuleType

from tool_runner import ROOT

ANALYSIS = os.path.join(ROOT, 'tools', 'analysis')


def import_analysis(name: str) -> ModuleType:
    """Import ``tools/analysis/<name>.py`` as the module ``name``."""
    if ANALYSIS not in sys.path:
        sys.path.insert(0, ANALYSIS)
    return importlib.import_module(name)
