"""avloc's transform names against mmcv's: none shadows another library's transform,
so under scope avloc mmcv's names, bare or as ``mmcv.<name>``, are mmcv's own
transforms."""
import mmcv.transforms
import numpy as np
import pytest
from mmengine.dataset import Compose
from mmengine.registry import TRANSFORMS as ROOT_TRANSFORMS
from mmengine.registry import DefaultScope

import avloc.datasets.transforms as avloc_transforms
from avloc.registry import TRANSFORMS

# Transforms of mmpretrain, mmdet and mmaction2 (not installed) whose arguments
# mean other things than avloc's would under the same name.
ECOSYSTEM_NAMES = {'ColorJitter', 'RandomResizedCrop', 'ResizeEdge', 'RandomCrop',
                   'GaussianBlur', 'Flip', 'PackInputs', 'PhotoMetricDistortion'}


@pytest.fixture(autouse=True)
def avloc_scope():
    with DefaultScope.overwrite_default_scope('avloc'):
        yield


def frame(h=100, w=150):
    img = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return dict(img=img, img_shape=(h, w), ori_shape=(h, w),
                homography_matrix=np.eye(3, dtype=np.float32))


def test_no_avloc_transform_shares_a_name_with_mmcv_or_the_ecosystem():
    assert mmcv.transforms.Resize is ROOT_TRANSFORMS.get('Resize')  # mmcv's are loaded
    avloc_names = set(TRANSFORMS.module_dict)
    assert 'ShortSideResize' in avloc_names and len(avloc_names) >= 18
    assert not avloc_names & set(ROOT_TRANSFORMS.module_dict)
    assert not avloc_names & ECOSYSTEM_NAMES
    for name in ROOT_TRANSFORMS.module_dict:
        assert not hasattr(avloc_transforms, name)


@pytest.mark.parametrize('name,args', [
    ('Resize', dict(scale=(224, 224))), ('CenterCrop', dict(crop_size=64)),
    ('RandomFlip', dict(prob=1.0)), ('RandomGrayscale', dict(prob=1.0))])
def test_mmcv_names_are_mmcvs_transforms(name, args):
    """A name avloc does not define falls back to MMEngine's root registry."""
    assert name not in TRANSFORMS.module_dict
    for key in (name, f'mmcv.{name}'):
        for registry in (TRANSFORMS, ROOT_TRANSFORMS):
            transform = registry.build(dict(type=key, **args))
            assert type(transform) is getattr(mmcv.transforms, name)


def test_mmcv_resize_makes_a_square_and_avlocs_renamed_ones_do_not():
    results = frame()  # 150 x 100
    out = TRANSFORMS.build(dict(type='mmcv.Resize', scale=224))(dict(results))
    assert out['img'].shape[:2] == (224, 224)
    out = TRANSFORMS.build(dict(type='ShortSideResize', scale=224))(dict(results))
    assert out['img'].shape[:2] == (224, 336)
    out = TRANSFORMS.build(dict(type='FixedSizeResize', scale=(224, 112)))(dict(results))
    assert out['img'].shape[:2] == (112, 224)


@pytest.mark.parametrize('interpolation', ['nearest', 'bilinear', 'bicubic', 'area'])
def test_fixed_size_resize_has_mmcvs_pixels_and_records_the_scaling(interpolation):
    results = frame()
    mmcv_out = mmcv.transforms.Resize(scale=(64, 48), interpolation=interpolation)(
        dict(results))
    ours = TRANSFORMS.build(dict(type='FixedSizeResize', scale=(64, 48),
                                 interpolation=interpolation))(dict(results))
    np.testing.assert_array_equal(ours['img'], mmcv_out['img'])
    np.testing.assert_allclose(ours['homography_matrix'], np.diag([64 / 150, 48 / 100, 1]),
                               rtol=1e-6)
    assert ours['valid_mask'].shape == (48, 64)


def test_resize_scale_forms_are_not_interchangeable():
    with pytest.raises(TypeError, match='FixedSizeResize'):
        TRANSFORMS.build(dict(type='ShortSideResize', scale=(224, 224)))
    with pytest.raises(TypeError, match='ShortSideResize'):
        TRANSFORMS.build(dict(type='FixedSizeResize', scale=224))
    with pytest.raises(ValueError, match='interpolation'):
        TRANSFORMS.build(dict(type='FixedSizeResize', scale=(8, 8), interpolation='cubic'))


@pytest.mark.parametrize('resize_type', ['Resize', 'mmcv.Resize'])
def test_mmcv_composites_that_build_resize_by_name_get_mmcvs(resize_type):
    """mmcv's RandomResize builds ``resize_type`` by name under the current scope."""
    pipeline = Compose([dict(type='RandomResize', scale=(64, 64), ratio_range=(1.0, 1.0),
                             resize_type=resize_type)])
    assert pipeline(frame())['img'].shape[:2] == (64, 64)
