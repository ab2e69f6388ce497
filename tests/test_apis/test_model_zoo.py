"""The model zoo: names from the metafiles, and checkpoints downloaded from a local
HTTP server into a temporary torch hub cache."""
import dataclasses
import glob
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml
from tool_runner import ROOT

from avloc.apis import model_zoo
from avloc.utils import load_checkpoint_file

MAIN_JOB = 'ssltie_r18_1xb16-1e_avshapes'
RELEASED = 'ssltie_r18_1xb32-100e_flickr10k'

pytestmark = pytest.mark.usefixtures('hub')  # never the real torch hub cache


def checkpoint_bytes(**extra) -> bytes:
    buffer = io.BytesIO()
    torch.save({'state_dict': {'w': torch.arange(6.).reshape(2, 3)}, **extra}, buffer)
    return buffer.getvalue()


def test_download_caches_and_shows_progress(server, hub, capsys):
    data = checkpoint_bytes()
    server.files['/ckpt.pth'] = data
    sha256 = hashlib.sha256(data).hexdigest()
    path = model_zoo.download(server.url('/ckpt.pth'), sha256=sha256)
    # a folder of the URL's own: another URL ending in ckpt.pth gets another file
    assert path == model_zoo.cache_path(server.url('/ckpt.pth'))
    assert os.path.dirname(os.path.dirname(path)) == hub and path.endswith('/ckpt.pth')
    assert open(path, 'rb').read() == data
    assert '100%' in capsys.readouterr().err  # the progress bar reached the end
    assert model_zoo.download(server.url('/ckpt.pth'), sha256=sha256) == path
    assert server.requests == ['/ckpt.pth']  # the second call read the cache
    assert not os.path.exists(path + '.partial')


def test_hash_prefix_in_file_name_is_checked(server, hub):
    data = checkpoint_bytes()
    good = f'/ckpt-{hashlib.sha256(data).hexdigest()[:8]}.pth'
    server.files.update({good: data, '/ckpt-00000000.pth': data})
    assert os.path.isfile(model_zoo.download(server.url(good), progress=False))
    with pytest.raises(model_zoo.ChecksumError, match='expected 00000000'):
        model_zoo.download(server.url('/ckpt-00000000.pth'), progress=False)


def test_hash_mismatch_deletes_and_says_so(server, hub):
    data = checkpoint_bytes()
    server.files['/ckpt.pth'] = data
    with pytest.raises(model_zoo.ChecksumError) as err:
        model_zoo.download(server.url('/ckpt.pth'), sha256='ab' * 32, progress=False)
    assert f'expected {"ab" * 32}' in str(err.value)
    assert hashlib.sha256(data).hexdigest() in str(err.value)  # what it got
    assert 'deleted' in str(err.value)
    assert os.listdir(hub) == []


def test_cached_file_is_rechecked(server, hub):
    server.files['/ckpt.pth'] = checkpoint_bytes()
    path = model_zoo.download(server.url('/ckpt.pth'), progress=False)
    with open(path, 'ab') as f:
        f.write(b'corrupted')
    sha256 = hashlib.sha256(server.files['/ckpt.pth']).hexdigest()
    with pytest.raises(model_zoo.ChecksumError):
        model_zoo.download(server.url('/ckpt.pth'), sha256=sha256, progress=False)
    assert not os.path.exists(path)


def test_html_instead_of_checkpoint(server, hub):
    server.files['/share'] = b'\n<!DOCTYPE html><html><body>Sign in</body></html>'
    with pytest.raises(model_zoo.NonDirectLinkError) as err:
        model_zoo.download(server.url('/share'), filename='x.pth', progress=False)
    message = str(err.value)
    assert server.url('/share') in message and os.path.join(hub, 'x.pth') in message
    assert 'by hand' in message
    assert os.listdir(hub) == []


def test_sharing_folder_fails_before_any_request(hub):
    url = model_zoo.get_model(RELEASED).weights
    assert 'drive.google.com/drive/folders/' in url
    with pytest.raises(model_zoo.NonDirectLinkError, match='ssltie_flickr10k.pth.tar'):
        model_zoo.resolve(RELEASED)


def test_unknown_name_lists_close_matches():
    with pytest.raises(model_zoo.UnknownModelError) as err:
        model_zoo.resolve('ssltie_r18_1xb32-100e_flickr10')
    assert RELEASED in str(err.value)


def test_main_job_has_no_weights():
    config, checkpoint = model_zoo.resolve(MAIN_JOB)
    assert config == os.path.join(ROOT, 'configs', 'ssltie', MAIN_JOB + '.py')
    assert checkpoint is None and model_zoo.get_model(MAIN_JOB).converter is None


def test_released_entry_downloads_the_release(server, hub, monkeypatch):
    """A small file in the released layout (the real one holds 258 tensors; the
    converter's tests cover them): DataParallel keys, an ``np.float64`` score."""
    entry = model_zoo.get_model(RELEASED)
    buffer = io.BytesIO()
    torch.save(dict(epoch=42, state_dict={'module.imgnet.conv1.weight':
                                          torch.randn(64, 3, 7, 7)},
                    best_miou=np.float64(0.38), optimizer={}, iteration=1000), buffer)
    server.files['/released'] = buffer.getvalue()
    monkeypatch.setitem(model_zoo.models(), RELEASED,
                        dataclasses.replace(entry, weights=server.url('/released')))
    config, checkpoint = model_zoo.resolve(RELEASED, progress=False)
    assert config.endswith(os.path.join('configs', 'ssltie', RELEASED + '.py'))
    assert checkpoint == os.path.join(hub, 'ssltie_flickr10k.pth.tar')
    assert model_zoo.get_model(RELEASED).converter == 'ssltie'
    loaded = load_checkpoint_file(checkpoint, allow_numpy_scalars=True)
    assert loaded['epoch'] == 42 and 'module.imgnet.conv1.weight' in loaded['state_dict']


def test_hash_command_prints_the_cached_sha256(hub, capsys):
    os.makedirs(hub)
    path = os.path.join(hub, 'ssltie_flickr10k.pth.tar')  # as if saved by hand
    with open(path, 'wb') as f:
        f.write(b'released bytes')
    model_zoo.main(['hash', RELEASED])
    assert hashlib.sha256(b'released bytes').hexdigest() in capsys.readouterr().out
    # the file put there by hand is a cache hit; no request is attempted
    assert model_zoo.resolve(RELEASED)[1] == path


def test_every_metafile_config_exists():
    assert MAIN_JOB in model_zoo.list_models()
    for name in model_zoo.list_models():
        model = model_zoo.get_model(name)
        assert os.path.isfile(model.config), name
        assert model.weights is None or model.filename or model.weights.endswith(
            ('.pth', '.pth.tar')), f'{name}: no file name for its weights'


def test_model_index_imports_every_metafile():
    with open(os.path.join(ROOT, 'model-index.yml')) as f:
        imported = yaml.safe_load(f)['Import']
    metafiles = glob.glob(os.path.join(ROOT, 'configs', '*', 'metafile.yml'))
    assert sorted(imported) == sorted(os.path.relpath(p, ROOT) for p in metafiles)


def test_installed_package_reads_mim_folder(tmp_path):
    """pip install copies configs/ and model-index.yml into avloc/.mim."""
    package = tmp_path / 'site-packages' / 'avloc'
    mim = package / '.mim'
    shutil.copytree(os.path.join(ROOT, 'configs'), mim / 'configs')
    shutil.copy(os.path.join(ROOT, 'model-index.yml'), mim)
    root = model_zoo.zoo_root(str(package))
    assert root == str(mim)
    config = model_zoo.models(root)[MAIN_JOB].config
    assert config == str(mim / 'configs' / 'ssltie' / (MAIN_JOB + '.py'))
    with pytest.raises(FileNotFoundError, match='model-index.yml'):
        model_zoo.zoo_root(str(tmp_path / 'elsewhere' / 'avloc'))


def test_the_command_runs_without_runpy_warnings():
    """``avloc.apis`` imports the zoo; ``python -m`` runs its ``__main__``, which
    nothing imports first (runpy warned when the module itself was run)."""
    proc = subprocess.run([sys.executable, '-W', 'error::RuntimeWarning', '-m',
                           'avloc.apis.model_zoo', 'list', '--names', '--method', 'lvs'],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'RuntimeWarning' not in proc.stderr
    assert proc.stdout.split() == ['lvs_r18-standin_1xb16-2e_avshapes1k',
                                   'lvs_r18_1xb16-2e_avshapes1k']


def test_list_prints_a_table_of_every_entry(capsys):
    model_zoo.main(['list'])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ['name', 'method', 'trained', 'on', 'weights', 'measured',
                                'published']
    rows = {line.split()[0]: line for line in lines[1:len(model_zoo.list_models()) + 1]}
    assert sorted(rows) == model_zoo.list_models()
    (dataset, metrics), = model_zoo.get_model(MAIN_JOB).results
    assert rows[MAIN_JOB].split() == [MAIN_JOB, 'SSL-TIE', 'AVShapes', 'no', 'cIoU@0.5',
                                      str(metrics['cIoU@0.5']), '-']
    assert rows[RELEASED].split()[-5:] == ['by', 'hand', '-', 'cIoU@0.5', '0.755']
    assert 'configs/<method>/<name>.py' in ' '.join(lines[-3:])


def test_list_long_prints_each_entry_within_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv('COLUMNS', '80')
    model_zoo.main(['list', '--long'])
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    blocks = out.split('\n\n')
    assert len(blocks) == len(model_zoo.list_models()) + 1  # and the closing summary
    released = next(b for b in blocks if b.startswith(RELEASED + '  [SSL-TIE]'))
    assert 'by hand: flickr10k.pth.tar from a shared folder, saved as' in released
    assert 'published   Flickr-SoundNet test (249): cIoU@0.5 0.755, AUC 0.588' in released
    assert 'measured    -' in released
    main_job = next(b for b in blocks if b.startswith(MAIN_JOB + '  [SSL-TIE]'))
    entry = model_zoo.get_model(MAIN_JOB)
    (dataset, metrics), = entry.results  # what the metafile measured, as written
    assert f'measured    {dataset}: cIoU@0.5 {metrics["cIoU@0.5"]}' in main_job
    assert f'config      configs/ssltie/{MAIN_JOB}.py' in main_job
    assert 'weights     no' in main_job


def test_list_filters_and_json(capsys):
    model_zoo.main(['list', '--json', '--method', 'SSL-TIE', '--dataset', 'flickr'])
    records = json.loads(capsys.readouterr().out)
    assert [r['name'] for r in records] == [RELEASED, 'ssltie_r18_1xb32-100e_flickr144k']
    assert records[0]['source_file'] == 'flickr10k.pth.tar' and records[0]['by_hand']
    assert records[0]['measured'] == [] and records[0]['published'][0]['metrics'] == {
        'cIoU@0.5': 0.755, 'AUC': 0.588}
    with pytest.raises(SystemExit, match='no zoo entry matches --method nope'):
        model_zoo.main(['list', '--method', 'nope'])


def test_resolve_says_which_file_to_save_where(hub, capsys):
    with pytest.raises(SystemExit) as err:
        model_zoo.main(['resolve', RELEASED])
    assert str(err.value) == (
        f'error: {RELEASED}: its weights are in a shared folder, which no program can '
        f'download: open {model_zoo.get_model(RELEASED).weights}, download '
        f'flickr10k.pth.tar and save it as {os.path.join(hub, "ssltie_flickr10k.pth.tar")}'
        '; then run this again')
    model_zoo.main(['resolve', MAIN_JOB])
    assert 'checkpoint: none (the zoo has no weights for' in capsys.readouterr().out


def test_a_path_is_a_config_file_not_a_zoo_name(monkeypatch):
    monkeypatch.chdir(ROOT)
    typo = os.path.join('configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshape.py')
    with pytest.raises(FileNotFoundError, match=(
            f'{typo}: no such config file; did you mean '
            f'{os.path.join("configs", "ssltie", MAIN_JOB)}.py')):
        model_zoo.get_model(typo)
    with pytest.raises(FileNotFoundError, match='nowhere/x.py: no such config file$'):
        model_zoo.get_model('nowhere/x.py')
    assert model_zoo.get_model(os.path.join('configs', 'ssltie', MAIN_JOB + '.py')).name \
        == MAIN_JOB
    with pytest.raises(SystemExit, match=f'error: {typo}: no such config file'):
        model_zoo.main(['resolve', typo])
