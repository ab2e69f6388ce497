"""Reading and writing audio. A window of any file is decoded to mono float32 at a
chosen rate, the same samples decord's AudioReader gave (the loader this replaces):
a PCM wav read with numpy, anything else decoded with FFmpeg through PyAV. A wav is
written as 16-bit mono PCM.

A file that cannot be decoded, whatever its header says, is a :class:`MediaError`
naming it: a sample rate of 0, samples of 5 bytes, a header cut short or garbled.
"""
import struct
import wave
from contextlib import contextmanager
from math import gcd
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .media_error import MediaError
from .streams import AUDIO_ONLY, decoded_frames, open_first_stream

# How decord 0.6's AudioReader (the loader this replaces) turns decoded samples into
# mono float32: libswresample converts them (16-bit PCM is ``x * 2**-15``, exact) and,
# for two channels, mixes ``left * c + right * c`` in float32 with c = M_SQRT1_2, its
# default stereo-to-mono gain (not a mean: a full-scale tone in both channels peaks
# at 1.41). The numpy paths below redo exactly this; anything else goes through
# PyAV's resampler, which is the same libswresample.
_DOWNMIX = np.float32(np.sqrt(0.5))
_PCM_SCALE = {1: np.float32(2.0**-7), 2: np.float32(2.0**-15), 3: np.float32(2.0**-31),
              4: np.float32(2.0**-31)}
# Containers whose timestamps after a seek are exact sample positions (sample tables,
# fixed-size PCM blocks, flac's sample-numbered frames). Others (mp3, ADTS aac) seek
# by an estimated bitrate, so a window there is decoded from the file's start.
_EXACT_SEEK = ('mov,mp4,m4a,3gp,3g2,mj2', 'wav', 'flac')
# Seconds decoded and dropped before a window after a seek: a decoder restarts
# without the previous frame's overlap (AAC's first frame after a seek is wrong)
# or its bit reservoir (up to ~0.4 s of low-rate mp3). 0.5 s of AAC decodes in < 0.5 ms.
_PREROLL = 0.5
# Output samples a resampler runs before and after the window: libswresample's
# default filter (filter_size 32) reaches 16 output samples either side.
_RUN_IN = 64
# The source sample rates decoded, in Hz. Nothing is recorded below 1 kHz, and a
# header that says so would have each sample resampled into 16 or more (a 1-MB
# wav "at 1 Hz" into 32 GB at 16 kHz); FFmpeg keeps rates in a signed 32-bit int.
_SOURCE_RATES = (1000, 2**31 - 1)


def _check_rate(path: str, src_rate: int) -> None:
    low, high = _SOURCE_RATES
    if not low <= src_rate <= high:
        raise MediaError(f'{path}: its header gives a sample rate of {src_rate} Hz '
                         f'(decoded: {low} to {high} Hz)')


@contextmanager
def _named(path: str) -> Iterator[None]:
    """FFmpeg's errors in the block (a resampler refusing a header's rate, a
    decoder's) as :class:`MediaError` naming ``path``."""
    import av
    try:
        yield
    except av.error.FFmpegError as err:
        raise MediaError(f'{path}: the audio does not decode ({err})') from err


def _source_span(start: int, count: Optional[int], src_rate: int,
                 rate: int) -> Tuple[int, Optional[int], int]:
    """Which source samples to decode for output samples ``start:start + count``.

    Returns:
        tuple: ``first`` and ``last`` (None: to the end), the source samples to
        decode, and ``skip``, the leading output samples to drop. At another rate
        ``first`` is a run-in ahead, on a sample whose output position is whole,
        and ``last`` a run-in after, so the window is what resampling the whole
        track gives.
    """
    last = None if count is None else start + count
    if src_rate == rate:
        return start, last, 0
    step = src_rate // gcd(src_rate, rate)
    first = max(start - _RUN_IN, 0) * src_rate // rate // step * step
    if last is not None:
        last = -(-(last + _RUN_IN) * src_rate // rate)
    return first, last, start - first * rate // src_rate


def _mono(channels: Sequence[np.ndarray]) -> np.ndarray:
    """One or two (N,) float32 channels to (N,) float32, as libswresample downmixes."""
    if len(channels) == 1:
        return channels[0]
    return channels[0] * _DOWNMIX + channels[1] * _DOWNMIX


def to_mono(channels: Sequence[Sequence[np.ndarray]], src_rate: int, rate: int,
            flush: bool = True) -> np.ndarray:
    """Downmix and resample audio as :func:`read_window` does a file's: one or two
    channels, each given as (n,) float32 pieces, from ``src_rate`` to ``rate`` in
    one libswresample call with its default settings (as decord), to (M,) float32.
    Two channels are mixed with libswresample's stereo-to-mono gain, ``(left +
    right) / sqrt(2)``, not their mean.

    Example:
        >>> to_mono([[samples]], 44100, 16000)  # (N,) mono at 44.1 kHz -> 16 kHz

    Args:
        channels: One or two channels, each a list of (n,) float32 arrays that
            join into the channel.
        src_rate (int): Their sample rate in Hz.
        rate (int): The output's sample rate in Hz.
        flush (bool): Also return the output the resampler holds back for its
            filter: True at the end of the audio, False where more follows.
            Defaults to True.

    Returns:
        np.ndarray: (M,) float32.
    """
    if src_rate == rate:
        return _mono([np.concatenate(channel) for channel in channels])
    samples = sum(len(piece) for piece in channels[0])
    if not samples:
        return np.zeros(0, np.float32)
    import av
    frame = av.AudioFrame(format='fltp', layout='mono' if len(channels) == 1 else 'stereo',
                          samples=samples)
    for plane, pieces in zip(frame.planes, channels):  # filled in place: no copy
        np.concatenate(pieces, out=np.frombuffer(plane, np.float32, samples))
    frame.sample_rate = src_rate
    resampler = av.AudioResampler(format='fltp', layout='mono', rate=rate)
    return _outputs(resampler.resample(frame) + (resampler.resample(None) if flush else []))


def _outputs(frames: list) -> np.ndarray:
    """Mono fltp frames out of a resampler, as one (N,) float32 array."""
    return np.concatenate([f.to_ndarray()[0] for f in frames] + [np.zeros(0, np.float32)])


def _pcm_to_float(data: bytes, width: int) -> np.ndarray:
    """Little-endian PCM bytes to float32 as libswresample converts them.

    8-bit wav is unsigned, 24-bit is decoded to 32-bit with the low byte zero; the
    scales are powers of two, so every conversion here is exact.
    """
    if width == 1:
        pcm = np.frombuffer(data, np.uint8).astype(np.float32) - np.float32(128)
    elif width == 3:
        padded = np.zeros((len(data) // 3, 4), np.uint8)
        padded[:, 1:] = np.frombuffer(data, np.uint8).reshape(-1, 3)
        pcm = padded.view('<i4').reshape(-1).astype(np.float32)
    else:
        pcm = np.frombuffer(data, f'<i{width}').astype(np.float32)
    pcm *= _PCM_SCALE[width]
    return pcm


def read_pcm_wav(path: str, rate: int, start: int,
                 count: Optional[int]) -> Optional[np.ndarray]:
    """Samples ``start:start + count`` at ``rate`` (to the end if ``count`` is None)
    of a mono or stereo PCM wav, reading only the bytes they need.

    Returns None for a file Python's ``wave`` does not read (float, extensible or
    RF64 wav, not a wav, a header cut short) or that this does not handle (more
    channels, samples of other than 1 to 4 bytes, a data chunk that declares no
    length): the caller decodes it with FFmpeg, which names the file if it cannot.
    A file cut short yields the whole samples it holds, as decord did.

    Raises:
        MediaError: The header's sample rate is below 1 kHz (0 included) or does
            not fit FFmpeg's (a signed 32-bit integer).
    """
    try:
        reader = wave.open(path, 'rb')
    except (wave.Error, EOFError, RuntimeError, struct.error):
        # What the standard library raises for a damaged header (RuntimeError: a
        # chunk it cannot skip); FFmpeg reads what it can or names the file.
        return None
    with reader:
        channels, width = reader.getnchannels(), reader.getsampwidth()
        frames, src_rate = reader.getnframes(), reader.getframerate()
        _check_rate(path, src_rate)  # 0 would divide by zero below
        if not 0 < channels <= 2 or width not in _PCM_SCALE or frames == 0:
            return None
        first, last, skip = _source_span(start, count, src_rate, rate)
        first = min(first, frames)
        reader.setpos(first)
        data = reader.readframes((frames if last is None else min(last, frames)) - first)
    whole = len(data) - len(data) % (width * channels)  # a cut file may end mid-sample
    samples = _pcm_to_float(data[:whole], width).reshape(-1, channels).T
    ended = last is None or first + samples.shape[1] < last
    with _named(path):
        mono = to_mono([[channel] for channel in samples], src_rate, rate, flush=ended)
    return mono[skip:None if count is None else skip + count]


# Sample formats read straight from a frame's planes (AAC, mp3 and 16-bit PCM).
_PLANE_DTYPES = {'fltp': np.float32, 'flt': np.float32, 's16p': np.int16, 's16': np.int16}


def _channels(frame) -> Optional[List[np.ndarray]]:
    """A decoded frame's one or two channels as (N,) float32 arrays, converted as
    libswresample converts them; None for other sample formats or layouts."""
    dtype = _PLANE_DTYPES.get(frame.format.name)
    channels = frame.layout.nb_channels
    if dtype is None or channels > 2:
        return None
    # Views of the frame's buffers (to_ndarray would stack a copy); a plane is
    # padded, so only ``samples`` values of it are read.
    if frame.format.is_planar:
        data = [np.frombuffer(plane, dtype, frame.samples) for plane in frame.planes]
    else:
        packed = np.frombuffer(frame.planes[0], dtype, frame.samples * channels)
        data = [packed[c::channels] for c in range(channels)]
    if dtype is np.int16:
        data = [channel.astype(np.float32) * _PCM_SCALE[2] for channel in data]
    return data


def _trimmed(frame, cut: int):
    """``frame`` without its first ``cut`` samples."""
    if not cut:
        return frame
    import av
    data = frame.to_ndarray()  # (C, N) planar, (1, N * C) packed
    step = 1 if frame.format.is_planar else frame.layout.nb_channels
    out = av.AudioFrame.from_ndarray(np.ascontiguousarray(data[:, cut * step:]),
                                     format=frame.format.name, layout=frame.layout.name)
    out.sample_rate = frame.sample_rate
    return out


def decode_window(path: str, rate: int, start: int, count: Optional[int]) -> np.ndarray:
    """Decode samples ``start:start + count`` of a file's first audio track, mono at
    ``rate`` (to the end if ``count`` is None), with FFmpeg through PyAV.

    Sample k is the k-th sample decoded from the track's start, as decord numbers
    them. In a container with exact seeking, decoding starts ``_PREROLL`` before the
    window; elsewhere it starts at the track's start; it stops after the window.

    Raises:
        MediaError: The file does not open, has no audio track FFmpeg decodes,
            gives a sample rate below 1 kHz, or its audio does not convert.
    """
    import av

    # AUDIO_ONLY: probing the streams would otherwise decode video frames that are
    # never used here; audio is probed as before.
    with open_first_stream(path, 'audio', 'no decodable audio stream',
                           **AUDIO_ONLY) as (container, stream), \
            _named(path):
        src_rate = stream.codec_context.sample_rate
        if not src_rate:
            raise MediaError(f'{path}: no decodable audio stream (unknown sample rate)')
        _check_rate(path, src_rate)
        first, last, skip = _source_span(start, count, src_rate, rate)
        pos = None  # source position of the next frame; None: from its timestamp
        seek_to = first - int(_PREROLL * src_rate)
        if (seek_to > 0 and container.format.name in _EXACT_SEEK
                and stream.start_time is not None):
            container.seek(stream.start_time + int(seek_to / (src_rate * stream.time_base)),
                           stream=stream, backward=True)
        else:
            pos = 0
        source, converted, converter, ended, decoded = [], [], None, True, False
        for frame in decoded_frames(container, stream):
            decoded = True
            if pos is None:
                if frame.pts is None:
                    raise MediaError(f'{path}: audio frames without timestamps')
                pos = round((frame.pts - stream.start_time) * stream.time_base * src_rate)
            begin, pos = pos, pos + frame.samples
            if pos <= first:
                continue
            cut = max(first - begin, 0)
            channels = None if converter else _channels(frame)
            if channels is not None:
                source.append([channel[cut:] for channel in channels])
            elif source:
                raise MediaError(f'{path}: the audio format changes within the track')
            else:  # other formats and layouts: libswresample frame by frame
                converter = converter or av.AudioResampler(format='fltp', layout='mono',
                                                           rate=rate)
                converted.append(_outputs(converter.resample(_trimmed(frame, cut))))
            if last is not None and pos >= last:
                ended = False
                break
        if not decoded:
            raise MediaError(f'{path}: no decodable audio stream (no audio decoded)')
        if converter:
            if ended:
                converted.append(_outputs(converter.resample(None)))
            samples = np.concatenate(converted)
        elif source:
            samples = to_mono(list(zip(*source)), src_rate, rate, flush=ended)
        else:
            samples = np.zeros(0, np.float32)
    return samples[skip:None if count is None else skip + count]


def read_window(path: str, rate: int, start: int, count: Optional[int]) -> np.ndarray:
    """Samples ``start:start + count`` of any audio file, mono at ``rate`` (to the
    end if ``count`` is None): a PCM wav read directly, anything else decoded with
    FFmpeg (both number samples as decord does).

    Returns:
        np.ndarray: (N,) float32 samples; fewer than ``count`` where the audio ends.
    """
    samples = read_pcm_wav(path, rate, start, count)
    if samples is None:
        samples = decode_window(path, rate, start, count)
    return samples


def audio_sample_rate(path: str) -> int:
    """The sample rate in Hz that the header gives for the first decodable audio
    track of ``path``; no frame is decoded.

    Raises:
        MediaError: The file does not open or has no decodable audio stream.
    """
    with open_first_stream(path, 'audio', 'no decodable audio stream',
                           **AUDIO_ONLY) as (_, stream):
        return stream.codec_context.sample_rate


def write_wav(path: str, audio: np.ndarray, sample_rate: int) -> None:
    """Write ``audio`` (N,) float in [-1, 1] as 16-bit mono PCM WAV."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype('<i2')
    with wave.open(path, 'wb') as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
