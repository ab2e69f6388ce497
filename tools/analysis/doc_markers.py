"""Rewriting the generated part of a document: the text between a start and an end
marker line, as the analysis scripts do with ``--update-readme``."""
from typing import Tuple


def replace_between_markers(text: str, markers: Tuple[str, str], block: str,
                            name: str = 'text') -> str:
    """Put ``block`` between the markers of ``text``, replacing what was there.

    Args:
        text: The whole document.
        markers: The start and the end marker, each on a line of its own.
        block: The new text between them, without a trailing newline.
        name: What to call the document in the error (e.g. its path).

    Returns:
        The document with everything outside the markers unchanged.

    Raises:
        ValueError: If either marker is missing.
    """
    start, end = markers
    if start not in text or end not in text.split(start, 1)[1]:
        raise ValueError(f'{name}: missing the markers {markers}')
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    return f'{head}{start}\n{block}\n{end}{tail}'


def write_between_markers(path: str, markers: Tuple[str, str], block: str) -> None:
    """Rewrite the file ``path`` with ``block`` between its markers.

    Args:
        path: The document to rewrite in place.
        markers: The start and the end marker.
        block: The new text between them.

    Raises:
        ValueError: If either marker is missing; the file is then left unchanged.
    """
    with open(path) as f:
        text = replace_between_markers(f.read(), markers, block, path)
    with open(path, 'w') as f:
        f.write(text)
