"""avloc's packages import only from the floors below them (or their own): geometry,
media input/output and the registry sit below everything that uses them, so that no
low-level module pulls in the models or the inference API."""
import ast
import os
import os.path as osp

from tool_runner import ROOT

PACKAGE = osp.join(ROOT, 'projects', 'avloc')
#: Lowest first. A package may import its own floor's and the lower floors'.
FLOORS = [
    {'version', 'pytorch_check', 'registry', 'utils'},
    {'structures', 'fileio'},
    {'datasets', 'evaluation', 'visualization'},
    {'models'},  # the AVShapes stand-in trains on a dataset
    {'engine'},
    {'apis'},
    {'tools'},
]
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}


def imported_packages(path: str, module: list) -> set:
    """The top-level avloc packages ``path`` (the module ``avloc.<module>``) imports."""
    with open(path) as f:
        tree = ast.parse(f.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or '']
        elif isinstance(node, ast.ImportFrom):  # relative: from the module's package
            package = module[:-1] if node.level == 1 else module[:-node.level]
            names = ['.'.join(['avloc', *package, *filter(None, [node.module])])]
        else:
            continue
        found.update(n.split('.')[1] for n in names
                     if n.startswith('avloc.') and len(n.split('.')) > 1)
    return found


def test_no_package_imports_from_a_floor_above_it():
    upward = []
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if not d.startswith('.')]  # .mim: copies of configs
        for name in files:
            if not name.endswith('.py'):
                continue
            path = osp.join(folder, name)
            module = osp.relpath(path, PACKAGE)[:-3].split(osp.sep)  # __init__ included
            top = module[0]
            if top not in FLOOR:
                assert top == '__init__', f'{path}: a package missing from FLOORS'
                continue
            upward += [f'{osp.relpath(path, ROOT)} imports avloc.{other}'
                       for other in imported_packages(path, module)
                       if FLOOR.get(other, -1) > FLOOR[top]]
    assert not upward, '\n'.join(upward)


def test_the_check_sees_relative_and_absolute_imports(tmp_path):
    path = tmp_path / 'm.py'
    path.write_text('from ...models import X\nimport avloc.apis.inference\n'
                    'from .sibling import Y\n')
    assert imported_packages(str(path), ['evaluation', 'metrics', 'm']) == {
        'models', 'apis', 'evaluation'}
