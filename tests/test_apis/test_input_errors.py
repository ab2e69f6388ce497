"""avloc.apis.input_errors: bad input ends a command with one line, other errors
keep their traceback."""
import pytest

from avloc.apis import CheckpointMismatchError
from avloc.apis.input_errors import exit_on_input_error
from avloc.fileio import MediaError


@pytest.mark.parametrize('error', [MediaError('clip.mp4: no audio stream'),
                                   CheckpointMismatchError('ckpt.pth: does not fit'),
                                   FileNotFoundError('ckpt.pth: not found'),
                                   OSError('out.png: could not write the image')])
def test_input_errors_exit_with_one_line(error):
    with pytest.raises(SystemExit) as exited:
        with exit_on_input_error():
            raise error
    assert exited.value.code == f'error: {error}'


def test_other_errors_propagate():
    with pytest.raises(KeyError):
        with exit_on_input_error():
            raise KeyError('a bug, not bad input')


def test_no_error_no_exit():
    with exit_on_input_error():
        done = True
    assert done
