"""SSL-Align's two protocols ('sslalign', 'sslalign_adaptive') against the public
code: ``published_logic.py`` (its ``validate_lvs`` per clip) on a quarter of the
VGG-SS list with the generated heatmaps of ``test_protocols_on_vggss.py`` (constant
maps, plateaus, smooth peaks, noise, the empty-ground-truth clips), and
``tests/public_sslalign.py`` (the same loop on a whole batch) on its instances."""
import numpy as np
import public_sslalign
import published_logic
import pytest
import torch
from test_protocols_on_vggss import EMPTY_GT_CLIPS, clips, heatmaps

from avloc.evaluation.functional import LocalizationProtocol, ciou, get_protocol
from avloc.registry import METRICS

PUBLISHED = {'sslalign': published_logic.ciou_sslalign,
             'sslalign_adaptive': published_logic.ciou_sslalign_adaptive}


@pytest.fixture(scope='module', autouse=True)
def one_torch_thread():
    """The public loop upsamples one small map at a time; torch's thread pool on
    shared cores makes each call many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def quarter():
    """Every fourth clip of the 5,158 list, and the two with an empty ground truth."""
    ids = clips()[0]
    return [i for i, clip in enumerate(ids) if i % 4 == 0 or clip in EMPTY_GT_CLIPS]


@pytest.mark.parametrize('protocol', sorted(PUBLISHED))
def test_every_clip_scores_as_published(protocol):
    index = quarter()
    ids, raw, boxes = clips()
    maps = heatmaps()
    metric = METRICS.build(dict(type='CIoUMetric', protocol=protocol))
    metric.process(None, [dict(clip_id=ids[i], pred_heatmap=torch.from_numpy(maps[i])[None],
                               gt_bboxes=torch.from_numpy(boxes[i])) for i in index])
    avloc = np.array(metric.clip_cious(metric.results))
    expected = np.array([PUBLISHED[protocol](maps[i], raw[i]) for i in index])
    np.testing.assert_array_equal(avloc, expected)  # NaN where theirs is NaN
    # A constant map predicts nothing: on an empty ground truth 0 / 0.
    assert np.isnan(expected).sum() >= 1


@pytest.mark.filterwarnings('ignore:invalid value encountered')  # their 0 / 0
def test_the_batch_loop_scores_alike():
    """``public_sslalign.validate_is3`` upsamples the whole batch in one call and
    fills both of its evaluator's lists; each equals avloc's per clip."""
    index = quarter()[:400]
    maps = [heatmaps()[i] for i in index]
    gts = [published_logic.gt_map_sslalign(clips()[1][i]) for i in index]
    names = [f'clip_{i}.jpg' for i in index]
    evaluator = public_sslalign.validate_is3(maps, gts, names)
    for protocol, public in (('sslalign', evaluator.ciou),
                             ('sslalign_adaptive', evaluator.ciou_adap)):
        metric = METRICS.build(dict(type='CIoUMetric', protocol=protocol))
        np.testing.assert_array_equal(metric.batch_cious(maps, np.stack(gts)), public)


def test_no_pixel_at_the_maximum_is_kept():
    """Unlike LVS, SSL-Align has no ``pred[pred < 1] = 0`` step: a constant map and
    a maximum over half the frame predict nothing."""
    gt = np.zeros((224, 224))
    gt[:, :112] = 1
    plateau = np.ones((14, 14), np.float32)
    plateau[:, :4] = 0
    for heat in (np.full((14, 14), 0.7, np.float32), plateau):
        for name in PUBLISHED:
            assert not get_protocol(name).predict(heat, gt).any()
        assert get_protocol('lvs').predict(heat, gt).any()
    # sslalign_adaptive keeps strictly fewer than |G| pixels; with an empty ground
    # truth it is sslalign (|G| = N // 2).
    heat = np.random.default_rng(0).random((14, 14)).astype(np.float32)
    assert get_protocol('sslalign_adaptive').predict(heat, gt).sum() < gt.sum()
    empty = np.zeros_like(gt)
    np.testing.assert_array_equal(get_protocol('sslalign_adaptive').predict(heat, empty),
                                  get_protocol('sslalign').predict(heat, empty))
    assert ciou(get_protocol('sslalign').predict(heat, gt), gt) == \
        published_logic.ciou_sslalign(heat, [[0, 0, 0.5, 1]])


def test_inclusive_applies_to_the_adaptive_rule_and_bad_fields_are_refused():
    """``inclusive=False`` on EZ-VSL's adaptive rule keeps what is strictly above
    the |G|-th largest value, as SSL-Align does on its own map."""
    gt = np.zeros((224, 224))
    gt[:100, :50] = 1
    heat = np.random.default_rng(1).random((14, 14)).astype(np.float32)
    strict = get_protocol(dict(name='adaptive', inclusive=False))
    assert strict.name == 'adaptive(inclusive=False)'
    assert strict.predict(heat, gt).sum() == 5000 - 1  # the 5000th value itself is out
    assert get_protocol('adaptive').predict(heat, gt).sum() == 5000
    assert not strict.predict(np.full((14, 14), 0.2, np.float32), gt).any()
    with pytest.raises(ValueError, match="normalize must be one of"):
        LocalizationProtocol('x', align_corners=False, normalize='median',
                             threshold='median', inclusive=False)
    with pytest.raises(ValueError, match="threshold must be one of"):
        LocalizationProtocol('x', align_corners=False, normalize='flip',
                             threshold='top', inclusive=False)
