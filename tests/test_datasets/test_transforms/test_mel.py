"""avloc's mel filterbank and dB step are torchaudio's (``melscale_fbanks``,
``AmplitudeToDB``), so that avloc runs without torchaudio; the empty filters of the
paper's settings are logged once instead of warned about on every construction."""
import ast
import itertools
import logging
import os
import sys
import warnings

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from tool_runner import ROOT

from avloc.datasets.transforms import mel as mel_module
from avloc.datasets.transforms.mel import empty_filters, mel_filterbank, power_to_db


def torchaudio_filterbank(*args):
    torchaudio = pytest.importorskip('torchaudio', reason='the reference is torchaudio')
    with warnings.catch_warnings():  # the empty filters, tested below
        warnings.filterwarnings('ignore', 'At least one mel filterbank has all zero')
        return torchaudio.functional.melscale_fbanks(*args)


@pytest.mark.parametrize('n_freqs,n_mels,rate', [
    (257, 257, 16000), (257, 257, 22050), (257, 64, 16000), (201, 128, 44100), (513, 40, 8000)])
def test_the_filterbank_is_torchaudios(n_freqs, n_mels, rate):
    for norm, scale, (f_min, f_max) in itertools.product(
            [None, 'slaney'], ['htk', 'slaney'], [(0.0, float(rate // 2)), (50.0, 3800.0)]):
        args = (n_freqs, f_min, f_max, n_mels, rate, norm, scale)
        ours, theirs = mel_filterbank(*args), torchaudio_filterbank(*args)
        assert ours.shape == (n_freqs, n_mels) and ours.dtype == torch.float32
        # The same float32 operations in the same order: equal to the last bit.
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6, msg=str(args))
        assert torch.equal(ours, theirs), args


@pytest.mark.parametrize('rate,count', [(16000, 28), (22050, 36)])
def test_the_paper_settings_have_empty_filters_as_in_torchaudio(rate, count):
    """The numbers the docstrings state, for SSL-TIE's n_fft 512 and 257 bands."""
    args = (257, 0.0, float(rate // 2), 257, rate)
    empty = empty_filters(mel_filterbank(*args))
    assert empty == empty_filters(torchaudio_filterbank(*args))
    assert len(empty) == count
    assert max(empty) < 100  # low bands: narrower there than the 31 or 43 Hz bins


def test_empty_filters_are_logged_once_per_process_not_warned(monkeypatch):
    monkeypatch.setattr(mel_module, '_LOGGED', set())
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            for _ in range(3):
                mel_filterbank(257, 0.0, 8000.0, 257, 16000)
            mel_filterbank(257, 0.0, 8000.0, 64, 16000)  # no empty filter: no line
    finally:
        logger.removeHandler(handler)
    lines = [r.getMessage() for r in records]
    assert len(lines) == 1, lines
    assert lines[0].startswith('mel filterbank (257 bands, 257 FFT bins, 16000 Hz): the '
                               'filters of 28 of the 257 bands are all zero')


def test_power_to_db_is_amplitude_to_db():
    torchaudio = pytest.importorskip('torchaudio', reason='the reference is torchaudio')
    power = torch.rand(1, 64, 50) ** 6  # down to ~1e-12, below the floor
    power[0, 3] = 0
    for top_db in (None, 80.0, 20.0):
        theirs = torchaudio.transforms.AmplitudeToDB(stype='power', top_db=top_db)(power)
        assert torch.equal(power_to_db(power, top_db), theirs), top_db
    assert power_to_db(torch.zeros(2, 2)).eq(-100).all()


def test_filterbank_arguments_are_checked():
    with pytest.raises(ValueError, match="norm must be None or 'slaney', got 'area'"):
        mel_filterbank(257, 0.0, 8000.0, 64, 16000, norm='area')
    with pytest.raises(ValueError, match="mel_scale must be 'htk' or 'slaney', got 'bark'"):
        mel_filterbank(257, 0.0, 8000.0, 64, 16000, mel_scale='bark')


def test_no_module_of_avloc_imports_torchaudio():
    package = os.path.join(ROOT, 'projects', 'avloc')
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs if not d.startswith('.')]  # .mim: copies of configs
        for name in (n for n in files if n.endswith('.py')):
            path = os.path.join(folder, name)
            with open(path) as f:
                tree = ast.parse(f.read())
            found += [path for node in ast.walk(tree)
                      if isinstance(node, ast.Import) and any(
                          a.name.split('.')[0] == 'torchaudio' for a in node.names)
                      or isinstance(node, ast.ImportFrom)
                      and (node.module or '').split('.')[0] == 'torchaudio']
    assert not found


def test_spectrograms_run_where_torchaudio_cannot_be_imported(monkeypatch):
    """The per-clip transform and the batched one, built and run while ``import
    torchaudio`` fails, and without a warning."""
    from avloc.datasets.transforms import AudioToSpectrogram
    from avloc.models.data_preprocessors import BatchMelSpectrogram
    monkeypatch.setitem(sys.modules, 'torchaudio', None)
    wave = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        spec = AudioToSpectrogram()(dict(audio=wave, sample_rate=16000))['spec']
        batch = BatchMelSpectrogram()(torch.from_numpy(wave)[None])
    assert spec.shape == (1, 257, 67) and batch.shape == (1, 1, 257, 67)
    torch.testing.assert_close(torch.from_numpy(spec), batch[0], atol=1e-3, rtol=1e-4)
