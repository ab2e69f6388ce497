"""The audio controls' inputs: each test clip with the audio of a partner clip fixed by
the dataset's indices alone, and with silence and noise in place of its own.

A heatmap of a frame made with another clip's sound must score low if a model
localises the sound rather than salient objects. Pairing by dataset index (not by
position in a batch) makes the control, and ``avc/accuracy`` which checkpoints are
chosen on, independent of the batch size and of the number of GPUs.
"""
from functools import cached_property
from typing import Optional, Sequence

import numpy as np
from mmengine.dataset import Compose

from avloc.structures import SUBSTITUTE_AUDIO
from .transforms.loading import audio_source


def audio_only_pipeline(pipeline: Compose) -> Compose:
    """The transforms of ``pipeline`` the partner's audio needs: all but those that
    declare ``frame_only`` (:class:`~avloc.datasets.transforms.FrameTransform`: frame
    loading, geometric and photometric transforms), so the partner's pass decodes no
    frame; every transform without the declaration runs."""
    return Compose([t for t in pipeline.transforms if not getattr(t, 'frame_only', False)])


def other_audio_partners(num_clips: int, seed: int = 0) -> np.ndarray:
    """A fixed pairing of clips with other clips: ``partners[i] != i``.

    The clips are put in a seeded random order and each is paired with the next one
    in it (one cycle), so no clip is paired with itself and every audio serves as
    one clip's control.

    Args:
        num_clips (int): Dataset length, at least 2.
        seed (int): Seed of the order. Defaults to 0.

    Returns:
        np.ndarray: (num_clips,) int64 partner index of each clip.
    """
    if num_clips < 2:
        raise ValueError(f'the other-audio control needs two clips, got {num_clips}')
    order = np.random.default_rng(seed).permutation(num_clips)
    partners = np.empty(num_clips, dtype=np.int64)
    partners[order] = np.roll(order, -1)
    return partners


class OtherAudioMixin:
    """Gives each test-mode sample the audio controls' inputs (see
    :mod:`avloc.structures.audio_controls`).

    The pipeline's audio transforms (:func:`audio_only_pipeline`) run again for each
    control, on the clip's own record:

    * ``other_audio_control``: with the partner clip's audio source and window
      (``audio_path``, ``audio_*``); its ``spec`` (or ``audio``, when the
      spectrogram is left to the data preprocessor) is added to ``inputs`` as
      ``other_spec`` (``other_audio``). A test set of one clip has no partner and
      gets none.
    * ``negative_audio``: for each of 'silence' and 'noise' named, with the clip's
      own window replaced by that waveform (``audio_substitute``, seeded by the
      clip's index), added as ``silence_spec`` / ``noise_spec`` (or ``..._audio``).

    Models predict a control heatmap from each. A pipeline that packs no ``inputs``
    gets none. Each control decodes or makes one more window per clip at test time;
    ``other_audio_control=False`` saves the partner's when it is not reported.

    Args:
        other_audio_control (bool, optional): Attach the partner's audio. Defaults to
            None: on in test mode, off in training.
        negative_audio (Sequence[str]): Substitute controls to attach, any of
            'silence' and 'noise'. Defaults to () (none: they are reported only by
            ``CIoUMetric(negative_audio=True)``).
    """

    def __init__(self, *args, other_audio_control: Optional[bool] = None,
                 negative_audio: Sequence[str] = (), **kwargs) -> None:
        unknown = set(negative_audio) - set(SUBSTITUTE_AUDIO)
        if unknown or isinstance(negative_audio, str):
            raise ValueError(f'negative_audio must be a list of {SUBSTITUTE_AUDIO}, got '
                             f'{negative_audio!r}')
        self._other_audio_control = other_audio_control
        self.negative_audio = tuple(negative_audio)
        super().__init__(*args, **kwargs)

    @property
    def other_audio_control(self) -> bool:
        if self._other_audio_control is None:
            return bool(self.test_mode)
        return self._other_audio_control

    # Built on first use: a lazily initialised dataset knows its length only then.
    @cached_property
    def _partners(self) -> np.ndarray:
        return other_audio_partners(len(self))

    @cached_property
    def _audio_pipeline(self) -> Compose:
        return audio_only_pipeline(self.pipeline)

    def _control_inputs(self, record: dict, prefix: str) -> dict:
        """The audio pipeline's ``spec`` / ``audio`` of ``record``, renamed with
        ``prefix``."""
        inputs = self._audio_pipeline(record)['inputs']
        return {f'{prefix}{key}': inputs[key] for key in ('spec', 'audio') if key in inputs}

    def prepare_data(self, idx: int):
        data = super().prepare_data(idx)
        if not isinstance(data, dict) or 'inputs' not in data:
            return data  # nothing to attach to before PackAVInputs
        own = self.get_data_info(int(idx))
        if self.other_audio_control and len(self) >= 2:
            partner = self.get_data_info(int(self._partners[int(idx)]))
            mixed = {k: v for k, v in own.items() if not k.startswith('audio_')}
            mixed.update({k: v for k, v in partner.items() if k.startswith('audio_')},
                         audio_path=audio_source(partner))
            data['inputs'].update(self._control_inputs(mixed, 'other_'))
        for kind in self.negative_audio:
            record = dict(own, audio_substitute=kind, audio_substitute_seed=int(idx))
            data['inputs'].update(self._control_inputs(record, f'{kind}_'))
        return data
