"""The errors that bad input to inference raises, and how the demos report them.

A clip that cannot be decoded (``MediaError``), a checkpoint that does not fit the
config (``CheckpointMismatchError``, ``ConversionError``) and a mismatch of sizes or
rates are ``ValueError``; a missing or unwritable file is an ``OSError``. A command
line shows them as one line instead of a traceback: they are the user's to fix.
"""
import sys
from contextlib import contextmanager
from typing import Iterator, Tuple, Type

INPUT_ERRORS: Tuple[Type[Exception], ...] = (ValueError, OSError)  # OSError: missing files too


@contextmanager
def exit_on_input_error() -> Iterator[None]:
    """Exit with ``error: <message>`` (status 1) when the block raises one of
    :data:`INPUT_ERRORS`; any other error propagates with its traceback.

    Example:
        >>> with exit_on_input_error():
        ...     model = init_localizer(config, checkpoint)
    """
    try:
        yield
    except INPUT_ERRORS as err:
        sys.exit(f'error: {err}')
