"""avloc's transform names against mmcv's: none shadows another library's transform,
the old shadowing names are errors that name the replacement, and ``mmcv.<name>``
is mmcv's own transform."""
import mmcv.transforms
import numpy as np
import pytest
from mmengine.dataset import Compose
from mmengine.registry import TRANSFORMS as ROOT_TRANSFORMS
from mmengine.registry import DefaultScope

import avloc.datasets.transforms as avloc_transforms
from avloc.registry import RENAMED_TRANSFORMS, TRANSFORMS, RenamedTransformError

# Old name -> what the error must offer instead (avloc's new names, mmcv's own).
REPLACEMENTS = {
    'Resize': ['ShortSideResize', 'FixedSizeResize', 'mmcv.Resize'],
    'CenterCrop': ['ExactCenterCrop', 'mmcv.CenterCrop'],
    'RandomFlip': ['RandomHorizontalFlip', 'mmcv.RandomFlip'],
    'RandomGrayscale': ['RandomGrayscaleRGB', 'mmcv.RandomGrayscale'],
    'RandomResizedCrop': ['RandomAreaCrop'],
    'ColorJitter': ['RandomColorJitter'],
}
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
    assert not avloc_names & set(RENAMED_TRANSFORMS)
    assert set(REPLACEMENTS) == set(RENAMED_TRANSFORMS)
    for name in REPLACEMENTS:
        assert not hasattr(avloc_transforms, name)


@pytest.mark.parametrize('registry', [TRANSFORMS, ROOT_TRANSFORMS],
                         ids=['avloc', 'mmengine'])
@pytest.mark.parametrize('old', sorted(REPLACEMENTS))
def test_old_name_is_an_error_that_names_the_replacement(registry, old):
    """A config saved with an old name, or pasted from mmcv, stops at build; the
    message is the migration."""
    for key in (old, f'avloc.{old}'):
        with pytest.raises(RenamedTransformError) as error:
            registry.build(dict(type=key))
        for replacement in REPLACEMENTS[old]:
            assert f"type='{replacement}'" in str(error.value)
    assert old not in TRANSFORMS


def test_mmcv_resize_config_is_not_reinterpreted():
    """mmcv's ``Resize(scale=(224, 224))`` under scope avloc: an error naming both
    readings, never avloc's transform and never a silent pick."""
    with pytest.raises(RenamedTransformError, match=r"mmcv's Resize") as error:
        Compose([dict(type='Resize', scale=(224, 224))])
    assert 'short side' in str(error.value)
    # A per-view pipeline is built from avloc's registry: the same error.
    with pytest.raises(RenamedTransformError, match=r"type='FixedSizeResize'"):
        TRANSFORMS.build(dict(type='MultiView', transforms=[dict(type='Resize', scale=224)]))


@pytest.mark.parametrize('name,args', [
    ('Resize', dict(scale=(224, 224))), ('CenterCrop', dict(crop_size=64)),
    ('RandomFlip', dict(prob=1.0)), ('RandomGrayscale', dict(prob=1.0))])
def test_mmcv_scoped_name_is_mmcvs_transform(name, args):
    for registry in (TRANSFORMS, ROOT_TRANSFORMS):
        transform = registry.build(dict(type=f'mmcv.{name}', **args))
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


def test_mmcv_composites_that_build_resize_by_name_need_the_scoped_name():
    """mmcv's RandomResize builds ``resize_type`` by name under the current scope:
    its default 'Resize' hits the error, 'mmcv.Resize' is mmcv's."""
    with pytest.raises(RenamedTransformError):
        Compose([dict(type='RandomResize', scale=(64, 64), ratio_range=(1.0, 1.0))])
    pipeline = Compose([dict(type='RandomResize', scale=(64, 64), ratio_range=(1.0, 1.0),
                             resize_type='mmcv.Resize')])
    assert pipeline(frame())['img'].shape[:2] == (64, 64)
