"""Mismatched checkpoint keys in words, one way for every message that lists them."""
from typing import Sequence

LISTED = 5  # keys named per kind of mismatch; the count says how many there are


def count_and_list(items: Sequence[str], one: str, many: str) -> str:
    """``items`` counted and listed the same way for every kind of mismatch.

    Example:
        >>> count_and_list(['a', 'b'], 'missing key', 'missing keys')
        '2 missing keys (a, b)'

    Beyond :data:`LISTED` items only the first are named (``'12 missing keys (first
    5: a, b, c, d, e)'``): a checkpoint of another model can miss hundreds.
    """
    shown = ', '.join(items[:LISTED])
    first = f'first {LISTED}: ' if len(items) > LISTED else ''
    return f'{len(items)} {one if len(items) == 1 else many} ({first}{shown})'
