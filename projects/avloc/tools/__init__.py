"""The command-line tools, importable from an installed avloc.

``avloc.tools.train`` and ``avloc.tools.test`` hold what ``tools/train.py`` and
``tools/test.py`` run; an installed avloc exposes them as the ``avloc-train`` and
``avloc-test`` console scripts (setup.py's ``entry_points``). Each has
``main(argv=None)``. They are not imported here: each is a command, and
``python -m avloc.tools.train`` should find its module not yet imported.
``avloc.tools.common_args`` holds the arguments the two share.
"""
__all__ = ['train', 'test']
