"""The other-audio control's pairing: each test clip with the audio of a partner clip
fixed by the dataset's indices alone.

A heatmap of a frame made with another clip's sound must score low if a model
localises the sound rather than salient objects. Pairing by dataset index (not by
position in a batch) makes the control, and ``avc/accuracy`` which checkpoints are
chosen on, independent of the batch size and of the number of GPUs.
"""
from functools import cached_property
from typing import Optional

import numpy as np
from mmengine.dataset import Compose

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
    """Gives each test-mode sample the audio of its partner clip.

    The pipeline's audio transforms (:func:`audio_only_pipeline`) run a second time,
    on the clip's own record with the partner's audio source and window
    (``audio_path``, ``audio_*``): their ``spec`` (or ``audio``, when the spectrogram
    is left to the data preprocessor) is added to ``inputs`` as ``other_spec``
    (``other_audio``); models predict the control heatmap from it. A test set of one
    clip has no partner and gets none, nor does a pipeline that packs no ``inputs``.
    The partner's audio is decoded on top of the clip's own at test time;
    ``other_audio_control=False`` saves it when the control is not reported.

    Args:
        other_audio_control (bool, optional): Attach the partner's audio. Defaults to
            None: on in test mode, off in training.
    """

    def __init__(self, *args, other_audio_control: Optional[bool] = None,
                 **kwargs) -> None:
        self._other_audio_control = other_audio_control
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

    def prepare_data(self, idx: int):
        data = super().prepare_data(idx)
        if (not self.other_audio_control or len(self) < 2 or not isinstance(data, dict)
                or 'inputs' not in data):  # nothing to attach to before PackAVInputs
            return data
        partner = self.get_data_info(int(self._partners[int(idx)]))
        mixed = {k: v for k, v in self.get_data_info(int(idx)).items()
                 if not k.startswith('audio_')}
        mixed.update({k: v for k, v in partner.items() if k.startswith('audio_')},
                     audio_path=audio_source(partner))
        inputs = self._audio_pipeline(mixed)['inputs']
        data['inputs'].update({f'other_{key}': inputs[key]
                               for key in ('spec', 'audio') if key in inputs})
        return data
