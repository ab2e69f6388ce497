"""The one check that an id or file name read from a list stays inside its root."""
import re

# A control character (NUL included) or a backslash: no real list holds one, and
# Windows reads a backslash as a separator, so ``..\x`` would climb out there.
_UNSAFE_CHARACTER = re.compile(r'[\x00-\x1f\x7f\\]')
_DRIVE = re.compile(r'[A-Za-z]:')


def check_list_path(value: str, where: str) -> str:
    """Refuse a clip id or file name from a list that would leave the data root.

    Ids and names in lists and annotation files are joined to ``data_root`` (or, by
    the preparation tools, to ``--out-root``), and ``osp.join`` follows ``..`` and
    drops everything before an absolute path: an unchecked ``../../x`` or ``/etc/x``
    reads, or writes, outside. Allowed is a relative path with subfolders
    (``-0ZdcVdM8Ns_000030``, ``dog/vid0``, ``videos/a/b/c/<id>``) whose components
    are all plain names: then no normalisation can take it outside the root.
    Refused are an absolute path or Windows drive, a ``..`` component, an empty or
    ``.`` component (``a//b``, ``./a``: a second spelling of one clip, which would
    also slip past the check for repeated clips), a NUL or other control character
    and a backslash.

    Symbolic links are not followed: a link inside the root was put there by whoever
    owns the root, and may point where they keep their media.

    Args:
        value (str): The id or relative path, as read.
        where (str): The file and line (or entry) it came from, to start the error.

    Returns:
        str: ``value``, unchanged.

    Raises:
        ValueError: naming ``where``, the value and why it is refused.
    """
    if not isinstance(value, str):
        reason = f'is of type {type(value).__name__}, not a string'
    elif not value:
        reason = 'is empty'
    elif _UNSAFE_CHARACTER.search(value):
        reason = 'holds a control character or a backslash'
    elif value.startswith('/') or _DRIVE.match(value):
        reason = 'is an absolute path'
    else:
        parts = value.split('/')
        if '..' in parts:
            reason = 'has a ".." component'
        elif '' in parts or '.' in parts:
            reason = 'has an empty or "." component'
        else:
            return value
    raise ValueError(f'{where}: {value!r} {reason}; ids and file names in a list must '
                     'be relative paths that stay inside the root they are joined to')
