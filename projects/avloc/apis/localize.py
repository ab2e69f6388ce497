"""Localising the sound in frames already in memory, through the config's test
pipeline and the model's ``test_step`` (the path ``tools/test.py`` takes).

    heatmap = localize(model, frame, audio, sample_rate=44100)  # (H, W) in [0, 1]
"""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from avloc.datasets.transforms.loading import LoadAudio, frame_record
from avloc.fileio import to_mono
from avloc.registry import TRANSFORMS
from avloc.structures.geometry import heatmap_to_frame
from avloc.visualization import to_unit_range
from .input_arrays import checked_audio, checked_frame

# Transforms that read files: the API puts frames and samples in memory instead.
_LOADING = ('LoadFrame', 'LoadAudio', 'LoadGroundTruthMask')


class InMemoryAudio(LoadAudio):
    """:class:`LoadAudio` on samples already decoded at its rate
    (``results['samples']``, (N,) float32): the same window, offset, keep, length
    checks and tiling, without a file."""

    def transform(self, results: dict) -> dict:
        self._samples = results.pop('samples')
        results.setdefault('audio_path', '<audio in memory>')  # named in errors
        try:
            return super().transform(results)
        finally:
            self._samples = None

    def _decode(self, path: str, start: int, count: Optional[int]) -> np.ndarray:
        return self._samples[start:None if count is None else start + count]


class InferencePipeline:
    """The config's test pipeline for one frame and its audio, loading skipped.

    Args:
        cfg: The model's config (``model.cfg``); its
            ``test_dataloader.dataset.pipeline`` holds a ``LoadAudio``.
        silence_threshold (float, optional): Replaces LoadAudio's, e.g. 0 to
            localise quiet stretches of a video too. Defaults to None (the
            config's).
    """

    def __init__(self, cfg, silence_threshold: Optional[float] = None) -> None:
        steps = cfg.test_dataloader.dataset.pipeline
        audio = [dict(t) for t in steps if t['type'] == 'LoadAudio']
        if not audio:
            raise ValueError('the test pipeline has no LoadAudio: cannot tell the '
                             'sample rate and window the model expects')
        audio = {k: v for k, v in audio[0].items() if k != 'type'}
        if silence_threshold is not None:
            audio['silence_threshold'] = silence_threshold
        self.load_audio = InMemoryAudio(**audio)
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'avloc')):
            self.transforms = Compose([TRANSFORMS.build(t) for t in steps
                                       if t['type'] not in _LOADING])

    @property
    def sample_rate(self) -> int:
        return self.load_audio.sample_rate

    @property
    def window(self) -> Optional[float]:
        """Seconds of real audio per clip: LoadAudio's ``keep_duration`` (tiled up
        to ``duration``) if set, else ``duration``."""
        return self.load_audio.keep_duration or self.load_audio.duration

    def resample(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """(N,) float audio at ``sample_rate`` -> (M,) float32 at the pipeline's
        rate, with libswresample as LoadAudio resamples a file."""
        audio = np.ascontiguousarray(checked_audio(audio))
        if sample_rate == self.sample_rate:
            return audio
        return to_mono([[audio]], sample_rate, self.sample_rate)

    def __call__(self, frame: np.ndarray, samples: np.ndarray,
                 offset: Optional[float] = None, keep: Optional[float] = None) -> dict:
        """Pack one clip as the dataset would.

        Args:
            frame (np.ndarray): (H, W, 3) uint8 RGB.
            samples (np.ndarray): (N,) float32 at :attr:`sample_rate`.
            offset, keep: Window start and kept seconds (LoadAudio's per-clip
                ``audio_offset`` and ``audio_keep``); None: LoadAudio's own.
        """
        frame = checked_frame(frame)
        results = frame_record({'samples': samples}, frame)
        if offset is not None:
            results['audio_offset'] = offset
        if keep is not None:
            results['audio_keep'] = keep
        return self.transforms(self.load_audio(results))


@torch.no_grad()
def localize_packed(model: torch.nn.Module, packed: Sequence[dict]) -> List[np.ndarray]:
    """Heatmaps of a batch of pipeline outputs, each at its frame's resolution.

    Returns:
        list[np.ndarray]: (H, W) float32 in [0, 1] per clip (:func:`to_unit_range`;
        pixels a centre crop removed are 0).
    """
    samples = model.test_step(pseudo_collate(list(packed)))
    heatmaps = []
    for sample in samples:
        raw = sample.pred_heatmap[0].float().cpu().numpy()  # (h, w)
        heatmaps.append(heatmap_to_frame(
            to_unit_range(raw), sample.homography_matrices[0].cpu().numpy(),
            sample.img_shape, sample.ori_shape))
    return heatmaps


def localize(model: torch.nn.Module, frame: np.ndarray, audio: np.ndarray,
             sample_rate: int, pipeline: Optional[InferencePipeline] = None) -> np.ndarray:
    """Where in ``frame`` the sound of ``audio`` comes from.

    The audio is resampled to the config's rate if needed, then the window that
    LoadAudio would read from a file (its ``offset``, ``duration``, tiling) is
    taken; the frame goes through the rest of the test pipeline (e.g. a resize, a
    centre crop) and the model's ``test_step``; the heatmap is mapped back through
    the pipeline's homography (:func:`heatmap_to_frame`).

    Args:
        model: From :func:`init_localizer` (``model.cfg`` set).
        frame (np.ndarray): (H, W, 3) uint8 in RGB order (convert a
            ``cv2.imread`` frame with ``frame[..., ::-1]``).
        audio (np.ndarray): (N,) float mono samples in [-1, 1] (int16 samples
            divided by 32768); others are refused (:mod:`.input_arrays`).
        sample_rate (int): Rate of ``audio`` in Hz.
        pipeline: Reused across calls if given. Defaults to None (built here).

    Returns:
        np.ndarray: (H, W) float32 in [0, 1]: the cosine similarity of each
        location with the audio, mapped by :func:`to_unit_range`.

    Raises:
        MediaError: The audio is shorter than LoadAudio's ``min_duration`` or silent.
        ValueError: A frame or audio array out of range (:mod:`.input_arrays`).
    """
    pipeline = pipeline or InferencePipeline(model.cfg)
    packed = pipeline(frame, pipeline.resample(audio, sample_rate))
    return localize_packed(model, [packed])[0]
