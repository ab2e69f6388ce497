import pytest

from avloc.fileio import MAX_PIXELS, MediaError, check_frame_size, require_file


def test_media_error_is_a_value_error():
    assert issubclass(MediaError, ValueError)  # the demos report it in one line


def test_check_frame_size_names_the_size_the_limit_and_how_to_raise_it():
    check_frame_size('a.mp4', 4096, 4096, MAX_PIXELS)  # the limit itself is read
    with pytest.raises(MediaError) as err:
        check_frame_size('a.mp4', 12000, 12000, MAX_PIXELS)
    message = str(err.value)
    assert message.startswith('a.mp4: a 12000x12000 picture (144.0 MP) is larger than '
                              f'max_pixels={MAX_PIXELS} (16.8 MP)')
    assert 'max_pixels' in message and '--max-pixels' in message


def test_require_file_names_a_missing_file(tmp_path):
    (tmp_path / 'here.wav').write_bytes(b'')
    require_file(str(tmp_path / 'here.wav'))
    with pytest.raises(MediaError, match='gone.wav: file not found'):
        require_file(str(tmp_path / 'gone.wav'))
    with pytest.raises(MediaError, match='file not found'):
        require_file(str(tmp_path))  # a folder is not a clip
