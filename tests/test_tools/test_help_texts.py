"""Every command's ``--help`` shows its examples as they are typed: a command split
over lines with ``\\`` keeps its continuation lines indented under it (a docstring
that is not raw joins them into one line with a gap), and the description starts
flush left.

Each script runs in this process (``runpy``, ``--help`` in ``sys.argv``): one
import of torch and mmengine for all of them instead of one per subprocess.
"""
import contextlib
import io
import os
import re
import runpy
import sys
from typing import List

import pytest
from tool_runner import ROOT

SCRIPTS = sorted(
    os.path.relpath(os.path.join(folder, name), ROOT)
    for top in ('tools', os.path.join('projects', 'avloc', 'tools'))
    for folder, _, names in os.walk(os.path.join(ROOT, top)) for name in names
    if name.endswith('.py') and name != '__init__.py')
# Modules with no command line of their own (helpers that the scripts import).
LIBRARIES = {os.path.join('tools', 'analysis', 'doc_markers.py'),
             *(os.path.join('projects', 'avloc', 'tools', f'{name}.py') for name in (
                 'common_args', 'demo_args', 'evaluation_report', 'standin_weights'))}
COMMAND = re.compile(r'^\s*(python|bash|avloc-\w+|torchrun)\b')


def help_text(script: str, monkeypatch) -> str:
    """What ``python SCRIPT --help`` prints, run in this process."""
    path = os.path.join(ROOT, script)
    monkeypatch.setattr(sys, 'argv', [path, '--help'])
    monkeypatch.syspath_prepend(os.path.dirname(path))  # as `python SCRIPT` does
    monkeypatch.setenv('COLUMNS', '100')
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        runpy.run_path(path, run_name='__main__')
    assert exited.value.code in (0, None), f'{script} --help exited {exited.value.code}'
    return out.getvalue()


def misaligned(text: str) -> List[str]:
    """The lines of a help text that break the layout of its examples."""
    lines = text.splitlines()
    description = lines[lines.index('') + 1] if '' in lines else ''
    bad = [f'description starts indented: {description!r}'] \
        if description.startswith(' ') and not COMMAND.match(description) else []
    start = None  # the indentation of the command that the current line continues
    for line, after in zip(lines, lines[1:] + ['']):
        if start is None:
            start = len(line) - len(line.lstrip())
        if not line.rstrip().endswith('\\'):
            start = None
        elif len(after) - len(after.lstrip()) <= start:
            bad.append(f'continuation not indented under its command: {after!r}')
        if COMMAND.match(line) and re.search(r'\S {3,}\S', line.split(' #')[0].rstrip()):
            bad.append(f'a command joined from two lines: {line!r}')
    return bad


@pytest.mark.parametrize('script', [s for s in SCRIPTS if s not in LIBRARIES])
def test_examples_line_up_in_help(script, monkeypatch):
    text = help_text(script, monkeypatch)
    assert text.startswith('usage:'), script
    assert misaligned(text) == [], script


def test_model_zoo_help_lines_up(capsys):
    from avloc.apis.model_zoo import main
    with pytest.raises(SystemExit):
        main(['--help'])
    text = capsys.readouterr().out
    assert 'python -m avloc.apis.model_zoo list --method' in text
    assert misaligned(text) == []


def test_the_rule_catches_a_joined_and_a_flush_continuation():
    joined = ('usage: x\n\nDo it.\n\n    python tools/x.py         --from-json a.json '
              '--update-readme\n')
    flush = 'usage: x\n\nDo it.\n\n    python tools/x.py a \\\n        b \\\n    --c d\n'
    indented = ('usage: x\n\n  Do it.\n\n    python tools/x.py a \\\n        --b c   '
                '# aligned comment\n')
    assert misaligned(joined) == [
        "a command joined from two lines: '    python tools/x.py         --from-json "
        "a.json --update-readme'"]
    assert misaligned(flush) == ["continuation not indented under its command: '    --c d'"]
    assert misaligned(indented) == ["description starts indented: '  Do it.'"]
