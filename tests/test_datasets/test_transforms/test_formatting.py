import numpy as np
import torch

from avloc.datasets.transforms import MultiView, PackAVInputs, RandomColorJitter, RandomGrayscaleRGB


def test_multiview_and_pack(frame):
    results = dict(img=frame, img_shape=frame.shape[:2], ori_shape=frame.shape[:2],
                   homography_matrix=np.eye(3, dtype=np.float32), clip_id='a',
                   spec=np.zeros((1, 8, 9), np.float32),
                   gt_bboxes=np.array([[0.1, 0.2, 0.5, 0.6]], np.float32))
    results = MultiView(num_views=2, transforms=[
        dict(type='RandomAreaCrop', size=32), dict(type='RandomHorizontalFlip')])(results)
    packed = PackAVInputs()(results)
    assert packed['inputs']['imgs'].shape == (2, 3, 32, 32)
    assert packed['inputs']['imgs'].dtype == torch.uint8
    assert packed['inputs']['spec'].shape == (1, 8, 9)
    sample = packed['data_samples']
    assert sample.homography_matrices.shape == (2, 3, 3)
    assert sample.clip_id == 'a' and sample.ori_shape == (48, 64)
    torch.testing.assert_close(sample.gt_bboxes, torch.tensor([[0.1, 0.2, 0.5, 0.6]]))


def test_appearance_transforms_change_pixels_not_geometry(frame):
    results = dict(img=frame.copy(), homography_matrix=np.eye(3))
    out = RandomGrayscaleRGB(prob=1.0)(RandomColorJitter(prob=1.0)(results))
    assert out['img'].shape == frame.shape and out['img'].dtype == np.uint8
    assert (out['img'][..., 0] == out['img'][..., 1]).all()
    assert not np.array_equal(out['img'], frame)
    np.testing.assert_array_equal(out['homography_matrix'], np.eye(3))
    untouched = RandomColorJitter(prob=0.0)(dict(img=frame.copy()))
    np.testing.assert_array_equal(untouched['img'], frame)
