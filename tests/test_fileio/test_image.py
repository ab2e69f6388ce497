import cv2
import numpy as np
import pytest
from hostile_media import png_claiming
from PIL import Image

from avloc.fileio import MediaError, read_image, read_mask


def test_read_image_is_pillows_rgb(tmp_path, frame):
    cv2.imwrite(str(tmp_path / 'f.png'), frame[..., ::-1])
    np.testing.assert_array_equal(read_image(str(tmp_path / 'f.png')), frame)
    Image.fromarray(frame).convert('L').save(tmp_path / 'grey.jpg')  # one channel in
    grey = read_image(str(tmp_path / 'grey.jpg'))
    assert grey.shape == (48, 64, 3) and grey.dtype == np.uint8
    np.testing.assert_array_equal(grey, np.array(Image.open(tmp_path / 'grey.jpg').convert('RGB')))


def test_read_mask_is_cv2s_grey_levels(tmp_path):
    mask = np.zeros((24, 32), np.uint8)
    mask[:, :16] = 255
    mask[0, 0] = 7
    cv2.imwrite(str(tmp_path / 'm.png'), mask)
    np.testing.assert_array_equal(read_mask(str(tmp_path / 'm.png')), mask)


@pytest.mark.filterwarnings('ignore::PIL.Image.DecompressionBombWarning')  # Pillow's
@pytest.mark.parametrize('read', [read_image, read_mask])
def test_bad_images_are_named(tmp_path, frame, read):
    with pytest.raises(MediaError, match='gone.png: file not found'):
        read(str(tmp_path / 'gone.png'))
    data = cv2.imencode('.jpg', frame)[1].tobytes()
    (tmp_path / 'cut.jpg').write_bytes(data[:len(data) // 2])
    with pytest.raises(MediaError, match='cut.jpg: truncated jpg'):
        read(str(tmp_path / 'cut.jpg'))
    (tmp_path / 'text.png').write_bytes(b'not an image')
    with pytest.raises(MediaError, match='text.png: not a readable'):
        read(str(tmp_path / 'text.png'))
    png_claiming(str(tmp_path / 'huge.png'), 12000, 12000)
    with pytest.raises(MediaError, match='huge.png: a 12000x12000 picture'):
        read(str(tmp_path / 'huge.png'))
    cv2.imwrite(str(tmp_path / 'f.png'), frame)
    with pytest.raises(MediaError, match='larger than max_pixels=100'):
        read(str(tmp_path / 'f.png'), 100)
