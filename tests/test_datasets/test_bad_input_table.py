"""The README's "Bad input" table cannot drift from the code: each row names the
tests that exercise it, and every named test must exist."""
import ast
import os
import re
from typing import List, Set

from tool_runner import ROOT

HEADER = ['Bad input', 'At test time', 'In training', 'Tests']
NODE_ID = re.compile(r'`(tests/[\w/]+\.py)::(test_\w+)`')


def bad_input_rows() -> List[List[str]]:
    """The cells of each body row of the table under "### Bad input"."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    assert '### Bad input' in text, 'README.md lost its "### Bad input" section'
    section = re.split(r'\n#+ ', text.split('### Bad input', 1)[1], maxsplit=1)[0]
    rows = [[cell.strip() for cell in line.strip().strip('|').split('|')]
            for line in section.splitlines() if line.startswith('|')]
    assert rows and rows[0] == HEADER, f'the table should start with {HEADER}'
    return rows[2:]  # after the header and its rule


def defined_tests(path: str) -> Set[str]:
    """Names of the top-level test functions of a test file, read without importing
    it (importing would run its module-level code twice)."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_row_names_tests_that_exist():
    rows = bad_input_rows()
    assert len(rows) >= 10
    for row in rows:
        assert len(row) == len(HEADER), f'row {row[0]!r}: expected {len(HEADER)} cells'
        assert all(row), f'row {row[0]!r} has an empty cell'
        named = NODE_ID.findall(row[-1])
        assert named, f'row {row[0]!r} names no test as `tests/<file>.py::test_<name>`'
        for path, name in named:
            full = os.path.join(ROOT, path)
            assert os.path.isfile(full), f'row {row[0]!r} names {path}, which is gone'
            assert name in defined_tests(full), \
                f'row {row[0]!r} names {path}::{name}, which does not exist'


def test_the_check_notices_a_renamed_test(tmp_path):
    (tmp_path / 'test_x.py').write_text('def test_kept():\n    pass\n')
    assert defined_tests(str(tmp_path / 'test_x.py')) == {'test_kept'}
    assert NODE_ID.findall('`tests/a/test_b.py::test_c`, `tests/test_d.py::test_e`') == [
        ('tests/a/test_b.py', 'test_c'), ('tests/test_d.py', 'test_e')]
