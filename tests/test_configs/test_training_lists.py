"""Each paper config trains on the list its authors trained on: SSL-TIE's configs on
SSL-TIE's own lists, as its scripts read them; LVS and EZ-VSL on EZ-VSL's.

The md5s and counts were taken from the source files (../shared/metadata, the
lists of jinxiang-liu/SSL-TIE at c49e6a9 and of stoneMo/EZ-VSL) when the lists
were copied into tools/data/*/meta; the tests read only the shipped copies."""
import glob
import os

import pytest
from mmengine.config import Config
from tool_runner import ROOT

from avloc.datasets import file_md5, read_id_list

META = {'vggsound': os.path.join(ROOT, 'tools', 'data', 'vggsound', 'meta'),
        'flickr': os.path.join(ROOT, 'tools', 'data', 'flickr', 'meta')}
# list -> (dataset, md5 of the source file, clip ids)
SSLTIE_LISTS = {
    'ssltie_train_vggss_144k.txt': ('vggsound', '4d46c511c5a5b0e8c72849af5039120f', 144000),
    'ssltie_train_vggss_10k.txt': ('vggsound', '7ca5b43538abec75b910ec2610739db5', 10000),
    'ssltie_train_flickr_10k.txt': ('flickr', '43c5b2843b593f530e1ccfd031cf2e7c', 10000),
    'ssltie_openset_train_heard_70k.txt': ('vggsound', '976d33bb34681c0149cb76cc4fffe6d4',
                                           70000),
}
EZVSL_LISTS = {
    'vggss_144k.txt': ('vggsound', '99a3fec0d16852b3fb47b8f710374dc4', 144000),
    'vggss_10k.txt': ('vggsound', '65be1c53a2a92762e789d00679f7d7a8', 10000),
    'vggss_heard.txt': ('vggsound', '15bd4e61e15eb748205902090967db96', 59468),
    'flickr_10k.txt': ('flickr', '1fd3dc7006f7e9981f05a36a544ed6b8', 10000),
    'flickr_144k.txt': ('flickr', '0b42bae6cf351fff6b9412d857b0d697', 144000),
}
# SSL-TIE's paper configs that train -> the list their training reads. SSL-TIE's own
# Flickr 144k list cannot be read from its repository: that config keeps EZ-VSL's.
SSLTIE_TRAINING = {
    'ssltie_r18_1xb32-100e_vggsound144k.py': 'ssltie_train_vggss_144k.txt',
    'ssltie_r18_1xb32-100e_vggsound144k-mix.py': 'ssltie_train_vggss_144k.txt',
    'ssltie_r18_1xb32-100e_vggsound144k_device-aug.py': 'ssltie_train_vggss_144k.txt',
    'ssltie_r18_1xb32-100e_vggsound10k.py': 'ssltie_train_vggss_10k.txt',
    'ssltie_r18_1xb32-100e_flickr10k.py': 'ssltie_train_flickr_10k.txt',
    'ssltie_r18_1xb32-100e_flickr144k.py': 'flickr_144k.txt',
    'ssltie_r18_1xb32-100e_vggsound-heard110_test-heard.py':
        'ssltie_openset_train_heard_70k.txt',
}


def shipped(name: str, lists: dict) -> str:
    return os.path.join(META[lists[name][0]], name)


@pytest.mark.parametrize('name', sorted({**SSLTIE_LISTS, **EZVSL_LISTS}))
def test_shipped_lists_are_the_sources_byte_for_byte(name):
    lists = SSLTIE_LISTS if name in SSLTIE_LISTS else EZVSL_LISTS
    path = shipped(name, lists)
    _, md5, count = lists[name]
    assert file_md5(path) == md5
    ids = read_id_list(path)
    assert len(ids) == len(set(ids)) == count


@pytest.mark.parametrize('config', sorted(SSLTIE_TRAINING))
def test_ssltie_paper_configs_train_on_ssltie_lists(config):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', 'ssltie', config))
    expected = 'meta/' + SSLTIE_TRAINING[config]
    # The held-out validation split is carved out of the same list.
    assert cfg.train_dataloader.dataset.ann_file == expected
    assert cfg.val_dataloader.dataset.ann_file == expected
    assert SSLTIE_TRAINING[config] in SSLTIE_LISTS or config.endswith('_flickr144k.py')


PAPER = sorted(os.path.basename(p) for p in glob.glob(
    os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb32-100e_*.py')))
SELECT_ON_TEST = [p for p in PAPER if p.endswith('_select-on-test.py')]


def test_every_training_ssltie_paper_config_is_checked():
    """A new paper config that trains is listed above (a _test-* or retrieval config
    only tests its base's checkpoint; a _select-on-test one is checked below)."""
    training = {p for p in PAPER if '_test-' not in p and '_retrieval-' not in p
                and p not in SELECT_ON_TEST}
    training |= {'ssltie_r18_1xb32-100e_vggsound-heard110_test-heard.py'}
    assert training == set(SSLTIE_TRAINING)


@pytest.mark.parametrize('config', SELECT_ON_TEST)
def test_select_on_test_configs_train_on_their_base_list(config):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', 'ssltie', config))
    base = config.replace('_select-on-test.py', '.py')
    assert cfg.train_dataloader.dataset.ann_file == 'meta/' + SSLTIE_TRAINING[base]
    assert cfg.select_on_test is True


@pytest.mark.parametrize('config', sorted(
    glob.glob(os.path.join(ROOT, 'configs', 'lvs', '*.py')) +
    glob.glob(os.path.join(ROOT, 'configs', 'ezvsl', '*.py'))),
    ids=lambda p: os.path.relpath(p, ROOT))
def test_lvs_and_ezvsl_configs_keep_ezvsl_lists(config):
    """LVS and EZ-VSL trained on EZ-VSL's lists: their configs never read SSL-TIE's."""
    cfg = Config.fromfile(config)
    for split in ('train_dataloader', 'val_dataloader'):
        if cfg.get(split):
            assert os.path.basename(cfg[split].dataset.ann_file) not in SSLTIE_LISTS


def test_the_lists_overlap_as_documented():
    """The numbers that the configs' comments and the meta READMEs quote."""
    def ids(name):
        lists = SSLTIE_LISTS if name in SSLTIE_LISTS else EZVSL_LISTS
        return set(read_id_list(shipped(name, lists)))

    ssltie_144k = ids('ssltie_train_vggss_144k.txt')
    assert len(ssltie_144k & ids('vggss_144k.txt')) == 104195
    assert len(ids('ssltie_train_vggss_10k.txt') & ids('vggss_10k.txt')) == 468
    assert ids('ssltie_train_vggss_10k.txt') <= ssltie_144k
    assert len(ids('ssltie_train_flickr_10k.txt') & ids('flickr_10k.txt')) == 54
    heard = ids('ssltie_openset_train_heard_70k.txt')
    assert len(heard & ids('vggss_heard.txt')) == 25553
    heard_test = set(read_id_list(os.path.join(META['vggsound'],
                                               'ssltie_openset_test_heard_2425.txt')))
    assert len(heard & heard_test) == 2299
    vggss = set(read_id_list(os.path.join(META['vggsound'], 'vggss_test.csv')))
    assert not ssltie_144k & vggss and len(ids('vggss_144k.txt') & vggss) == 3709
