"""The other-audio control: pair each test frame with another clip's audio."""
from typing import Optional

import torch


class OtherAudioPairing:
    """Each clip's "other" audio: the previous clip's in the batch, or for a one-clip
    batch the last clip of the previous batch. A heatmap made with it must score low
    if the model localises the sound rather than salient objects."""

    def __init__(self) -> None:
        self._previous: Optional[torch.Tensor] = None

    def __call__(self, audio: torch.Tensor) -> torch.Tensor:
        """(B, C) audio embeddings -> (B, C) embeddings of other clips."""
        if len(audio) > 1:
            other = audio.roll(1, dims=0)
        elif self._previous is not None:
            other = self._previous[-1:]
        else:
            raise ValueError('other_audio_control needs a second clip: the first test '
                             'batch holds only one')
        self._previous = audio
        return other
