"""Which listed media exist, found with one scan per directory.

VGG-Sound 144k lists 144k clips in one folder; an ``isfile`` per clip (and per rank)
is 144k ``stat`` calls, slow on the network file systems clusters use. One
``os.scandir`` lists the folder in a few large reads instead.
"""
import os
from typing import Dict, FrozenSet, List


class FileIndex:
    """Answers "is this path a file?" from one listing of its directory, cached.

    A directory entry that is a symbolic link counts when it points to a file (as
    ``os.path.isfile``); a missing directory holds no files.
    """

    def __init__(self) -> None:
        self._listings: Dict[str, FrozenSet[str]] = {}

    def _files_in(self, directory: str) -> FrozenSet[str]:
        if directory not in self._listings:
            try:
                with os.scandir(directory or '.') as entries:
                    names = frozenset(e.name for e in entries if e.is_file())
            except (FileNotFoundError, NotADirectoryError):
                names = frozenset()
            self._listings[directory] = names
        return self._listings[directory]

    def isfile(self, path: str) -> bool:
        # rpartition, not osp.split + normpath: this runs once per listed file, and
        # an unnormalised folder name only costs one more scan of the same folder.
        directory, _, name = path.rpartition(os.sep)
        names = self._listings.get(directory)
        if names is None:
            names = self._files_in(directory)
        return name in names

    def absent(self, item: dict) -> List[str]:
        """The ``*_path`` entries of a clip that are not files."""
        return [p for k, p in item.items() if k.endswith('_path') and not self.isfile(p)]
