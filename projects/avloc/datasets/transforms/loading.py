"""Loading one frame and one audio window of a clip, from a video or extracted files.

Two on-disk layouts are supported:

* the raw VGG-Sound layout: ``video/<id>.mp4`` with an H.264 video track and an audio
  track, both decoded with FFmpeg through PyAV (``results['video_path']``);
* the extracted layout of the public SSL-TIE code: ``frames/<id>.jpg`` and
  ``audio/<id>.wav`` (``results['frame_path']`` and ``results['audio_path']``).
"""
import io
import os.path as osp
import wave
from math import gcd
from typing import Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

from avloc.registry import TRANSFORMS
from .frame_cache import FrameCache


class MediaError(ValueError):
    """A clip's media cannot be used; the message names the file and the reason."""


def _require_file(path: str) -> None:
    if not osp.isfile(path):
        raise MediaError(f'{path}: file not found')


def _require_whole_image(path: str, data: bytes) -> None:
    """Raise if a jpg or png file stops before its end marker.

    A truncated or partly written file is what an interrupted copy or extraction
    leaves. Pillow rejects it only while ``ImageFile.LOAD_TRUNCATED_IMAGES`` is off
    (a process-wide flag that many training scripts turn on), cv2 pads it with grey
    and prints a warning: either way the model would see a picture that is not the
    clip's. Checking the bytes is exact and costs no second decode: a jpg's
    entropy-coded data cannot hold 0xFFD9 (a 0xFF there is followed by 0x00 or a
    restart marker), so the end marker must follow the last scan's start (0xFFDA);
    bytes after the end marker (padding, vendor trailers) do no harm. A png must
    hold its whole closing IEND chunk.
    Damage inside the entropy-coded data that leaves the markers in place is not
    detected: it decodes to wrong pixels, as it does in the public loaders.
    """
    if data.startswith(b'\xff\xd8'):  # jpg start-of-image
        last_scan = data.rfind(b'\xff\xda')
        if last_scan < 0 or data.find(b'\xff\xd9', last_scan) < 0:
            raise MediaError(f'{path}: truncated jpg (no end-of-image marker after '
                             'its last scan)')
    elif data.startswith(b'\x89PNG\r\n\x1a\n'):
        end = data.rfind(b'IEND')
        if end < 0 or len(data) < end + 8:  # the chunk type, then its 4-byte CRC
            raise MediaError(f'{path}: truncated png (no whole IEND chunk)')


def _read_bytes(path: str) -> bytes:
    _require_file(path)
    with open(path, 'rb') as f:
        data = f.read()
    _require_whole_image(path, data)
    return data


def _read_image(path: str) -> np.ndarray:
    """Decode an image file to (H, W, 3) uint8 RGB as the public SSL-TIE and EZ-VSL
    loaders do, ``Image.open(path).convert('RGB')``.

    Pillow rather than OpenCV: ``cv2.imread`` applies a jpg's EXIF orientation (the
    public loaders do not) and links its own libjpeg, so the same file could decode to
    other pixels than the ones the public test transform sees. Pillow decodes the
    bytes already read for the truncation check, so the pixels are the ones
    ``Image.open(path)`` gives.
    """
    data = _read_bytes(path)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.array(image.convert('RGB'))  # a writable copy
    except (OSError, ValueError) as err:  # UnidentifiedImageError is an OSError
        raise MediaError(f'{path}: not a readable image ({err})') from err


def audio_source(info: dict) -> str:
    """The file a clip's audio is decoded from: ``audio_path`` if given, else the
    video."""
    return info.get('audio_path') or info['video_path']


def _rgb(frame, time_base) -> np.ndarray:
    """(H, W, 3) uint8 RGB of a decoded video frame, converted as decord converts it:
    libavfilter's ``scale`` filter into an rgb24 sink, which reads the frame's own
    colour matrix and range (a BT.709 or full-range frame is not BT.601 limited)."""
    import av
    graph = av.filter.Graph()
    source = graph.add_buffer(width=frame.width, height=frame.height,
                              format=frame.format, time_base=time_base)
    chain = [source, graph.add('scale', f'{frame.width}:{frame.height}'),
             graph.add('format', 'rgb24'), graph.add('buffersink')]
    for upstream, downstream in zip(chain, chain[1:]):
        upstream.link_to(downstream)
    graph.configure()
    graph.push(frame)
    return graph.pull().to_ndarray()


@TRANSFORMS.register_module()
class LoadFrame(BaseTransform):
    """Decode one RGB frame and start its geometric record.

    Reads ``frame_path`` with Pillow when present, otherwise decodes ``video_path``
    with FFmpeg through PyAV: from the last keyframe before the frame, skipping the
    frames no other frame refers to (``skip_frame='NONREF'``; they cannot change
    it), which reaches the middle frame of a 10-s H.264 clip in about half the
    decoding. The picture is decord's ``VideoReader(path)[index]`` (the loader
    before), bit for bit (tested, BT.601, BT.709 and full-range); a rotated video
    or one without packet timestamps is still read with decord.
    Adds ``img`` (H, W, 3) uint8 RGB, ``ori_shape`` and ``img_shape`` (h, w), an
    identity ``homography_matrix`` and an all-ones ``valid_mask`` (H, W), so later
    transforms never branch on a missing key.

    Args:
        frame_time (float, optional): Time in seconds of the frame to decode from a
            video. ``None`` takes the middle frame. Defaults to None.
        cache_dir (str, optional): Keep each frame decoded from a video as a
            lossless PNG in this folder and read it from there in later epochs
            (:class:`FrameCache`); training from raw videos then runs as fast as
            from extracted frames after the first epoch. Defaults to None.
    """

    def __init__(self, frame_time: Optional[float] = None,
                 cache_dir: Optional[str] = None) -> None:
        self.frame_time = frame_time
        self.cache = FrameCache(cache_dir) if cache_dir else None

    def _frame_index(self, path: str, num_frames: int, fps: Optional[float]) -> int:
        """decord's index of the frame to read: the middle one or ``frame_time``."""
        if num_frames == 0:
            raise MediaError(f'{path}: the video stream has no frames')
        if self.frame_time is None:
            return num_frames // 2
        index = int(round(self.frame_time * fps)) if fps else -1
        if not 0 <= index < num_frames:
            raise MediaError(f'{path}: frame_time {self.frame_time}s is outside the '
                             f'video ({num_frames} frames)')
        return index

    def _read_video_frame(self, path: str) -> np.ndarray:
        """Frame ``index`` in presentation order, as decord numbers them: the
        stream's packets sorted by timestamp."""
        import av
        _require_file(path)
        try:
            container = av.open(path)
        except (av.error.FFmpegError, UnicodeDecodeError) as err:
            raise MediaError(f'{path}: cannot decode a video stream ({err})') from err
        with container:
            streams = [s for s in container.streams.video if s.codec_context is not None]
            if not streams:
                raise MediaError(f'{path}: cannot decode a video stream (no video '
                                 'track with a decoder)')
            stream = streams[0]
            try:
                packets = [p for p in container.demux(stream) if p.size]
            except av.error.FFmpegError as err:
                raise MediaError(f'{path}: cannot decode a video stream ({err})') from err
            if any(p.pts is None for p in packets):
                return self._read_video_frame_decord(path)
            rate = stream.average_rate
            index = self._frame_index(path, len(packets), float(rate) if rate else None)
            target = sorted(p.pts for p in packets)[index]
            at = next(i for i, p in enumerate(packets) if p.pts == target)
            first = max((i for i in range(at + 1)
                         if packets[i].is_keyframe and packets[i].pts <= target), default=0)
            codec = stream.codec_context
            codec.thread_count = 1  # a data worker has one core; skip_frame per packet
            codec.skip_frame = 'NONREF'
            try:
                for i in range(first, len(packets) + 1):
                    if i == at:
                        codec.skip_frame = 'DEFAULT'
                    for frame in codec.decode(packets[i] if i < len(packets) else None):
                        if frame.pts == target:
                            if frame.rotation:  # decord turns it upright
                                return self._read_video_frame_decord(path)
                            return _rgb(frame, stream.time_base)
            except av.error.FFmpegError as err:
                raise MediaError(f'{path}: frame {index} does not decode ({err})') from err
        raise MediaError(f'{path}: frame {index} does not decode')

    def _read_video_frame_decord(self, path: str) -> np.ndarray:
        import decord
        try:
            reader = decord.VideoReader(path, num_threads=1)
        except Exception as err:  # decord raises its own DECORDError types
            raise MediaError(f'{path}: cannot decode a video stream ({err})') from err
        index = self._frame_index(path, len(reader), reader.get_avg_fps())
        frame = reader[index].asnumpy()
        if frame.shape[-1] != 3:
            # decord 0.6 pads the rows of some widths (48 px becomes 64) and reports
            # the padded RGB buffer as (h, w, 4): read it as (h, padded, 3), crop.
            h, w = frame.shape[:2]
            rows = np.ascontiguousarray(frame).reshape(h, -1)
            frame = rows.reshape(h, rows.shape[1] // 3, 3)[:, :w]
        return frame

    def transform(self, results: dict) -> dict:
        if results.get('frame_path'):
            img = _read_image(results['frame_path'])
        elif self.cache is not None:
            _require_file(results['video_path'])
            img = self.cache.get(results['video_path'], self.frame_time,
                                 self._read_video_frame)
        else:
            img = self._read_video_frame(results['video_path'])
        results['img'] = np.ascontiguousarray(img)
        results['ori_shape'] = img.shape[:2]
        results['img_shape'] = img.shape[:2]
        results['homography_matrix'] = np.eye(3, dtype=np.float32)
        results['valid_mask'] = np.ones(img.shape[:2], np.uint8)
        return results


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


def _to_mono(channels: Sequence[Sequence[np.ndarray]], src_rate: int, rate: int,
             flush: bool) -> np.ndarray:
    """Downmix and resample channels, each given as (n,) float32 pieces, from
    ``src_rate`` to ``rate`` in one libswresample call with its default settings
    (as decord), to (M,) float32. ``flush`` also returns the output it holds back
    for its filter (at the track's end)."""
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


def _read_pcm_wav(path: str, rate: int, start: int,
                  count: Optional[int]) -> Optional[np.ndarray]:
    """Samples ``start:start + count`` at ``rate`` (to the end if ``count`` is None)
    of a mono or stereo PCM wav, reading only the bytes they need.

    Returns None for a file Python's ``wave`` does not read (float, extensible or
    RF64 wav, not a wav) or that this does not handle (more channels, a data chunk
    that declares no length): the caller decodes it with FFmpeg. A file cut short
    yields the whole samples it holds, as decord did.
    """
    try:
        reader = wave.open(path, 'rb')
    except (wave.Error, EOFError):
        return None
    with reader:
        channels, width = reader.getnchannels(), reader.getsampwidth()
        frames, src_rate = reader.getnframes(), reader.getframerate()
        if channels > 2 or frames == 0:
            return None
        first, last, skip = _source_span(start, count, src_rate, rate)
        first = min(first, frames)
        reader.setpos(first)
        data = reader.readframes((frames if last is None else min(last, frames)) - first)
    whole = len(data) - len(data) % (width * channels)  # a cut file may end mid-sample
    samples = _pcm_to_float(data[:whole], width).reshape(-1, channels).T
    ended = last is None or first + samples.shape[1] < last
    mono = _to_mono([[channel] for channel in samples], src_rate, rate, flush=ended)
    return mono[skip:None if count is None else skip + count]


def _frames(container, stream) -> Iterator:
    """Decoded frames of ``stream``; a damaged or cut packet ends the stream, as it
    ends decord's decoding loop (the samples before it are kept)."""
    import av
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError:
        return


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


def _decode_window(path: str, rate: int, start: int, count: Optional[int]) -> np.ndarray:
    """Decode samples ``start:start + count`` of a file's first audio track, mono at
    ``rate`` (to the end if ``count`` is None), with FFmpeg through PyAV.

    Sample k is the k-th sample decoded from the track's start, as decord numbers
    them. In a container with exact seeking, decoding starts ``_PREROLL`` before the
    window; elsewhere it starts at the track's start; it stops after the window.
    """
    import av
    try:
        # skip_frame: probing the streams would otherwise decode video frames that
        # are never used here (0.6 ms of a 10-s clip); audio is probed as before.
        container = av.open(path, options={'skip_frame': 'all'})
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise MediaError(f'{path}: no decodable audio stream ({err})') from err
    with container:
        streams = [s for s in container.streams.audio if s.codec_context is not None]
        if not streams:
            raise MediaError(f'{path}: no decodable audio stream (no audio track '
                             'with a decoder)')
        stream = streams[0]
        src_rate = stream.codec_context.sample_rate
        if not src_rate:
            raise MediaError(f'{path}: no decodable audio stream (unknown sample rate)')
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
        for frame in _frames(container, stream):
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
        samples = _to_mono(list(zip(*source)), src_rate, rate, flush=ended)
    else:
        samples = np.zeros(0, np.float32)
    return samples[skip:None if count is None else skip + count]


@TRANSFORMS.register_module()
class LoadAudio(BaseTransform):
    """Decode a mono audio window at a fixed sample rate.

    Reads ``audio_path`` when present, otherwise the audio track of ``video_path``.
    A window shorter than ``duration`` but at least ``min_duration`` is tiled to
    ``duration`` (as SSL-TIE tiles every clip to 10 s); anything shorter, or a window
    whose peak is below ``silence_threshold``, raises :class:`MediaError`.

    Only the window is decoded. A mono or stereo PCM wav is read with Python's
    ``wave`` module, the window's bytes only; any other file with FFmpeg through
    PyAV, from a seek before the window (mp4, wav, flac) or from the start (mp3)
    to the window's end. The samples are those of decord's ``AudioReader(path,
    sample_rate=sample_rate, mono=True)``, the loader before: bit-identical for PCM
    wav and flac; within 1e-6 for AAC and mp3, whose decoders differ between FFmpeg
    versions. Two known differences, both tested:

    * A file at another rate is resampled by the same libswresample resampler, but
      continuously; decord flushes it after the first decoded packet, which
      inserts a few mirrored source samples there and delays the rest of its
      output (by 23 source samples, 1 ms, for 22.05 kHz to 16 kHz).
    * In an AAC track, bands the encoder coded as noise (perceptual noise
      substitution, which FFmpeg's own encoder uses) decode after a seek to
      another draw of noise of the same energy than when decoded from the start.
      Windows from less than 0.5 s in are decoded from the start; others are
      not.

    Args:
        sample_rate (int): Output sample rate in Hz. Defaults to 16000.
        duration (float, optional): Window length in seconds; None keeps everything
            from ``offset`` to the end, untiled. Defaults to 10.0.
        offset (float): Window start in seconds. Defaults to 0.0.
        min_duration (float): Shortest usable audio in seconds. Defaults to 0.5.
        silence_threshold (float): Peak amplitude below which audio counts as
            silent. Defaults to 1e-4.
        keep_duration (float, optional): Keep only this many seconds from
            ``offset`` before tiling to ``duration`` (SSL-TIE trains on the first 3 s
            of a VGG-Sound clip, 4 s of a Flickr clip, tiled to 10 s). None keeps
            the whole window. Defaults to None.

    A dataset may set the window per clip: ``results['audio_offset']`` replaces
    ``offset`` and ``results['audio_keep']`` caps the kept seconds (AVSBench pairs
    frame k with second k of its clip).
    """

    def __init__(self, sample_rate: int = 16000, duration: Optional[float] = 10.0,
                 offset: float = 0.0, min_duration: float = 0.5,
                 silence_threshold: float = 1e-4,
                 keep_duration: Optional[float] = None) -> None:
        self.sample_rate = sample_rate
        self.duration = duration
        self.offset = offset
        self.min_duration = min_duration
        self.silence_threshold = silence_threshold
        self.keep_duration = keep_duration

    def _decode(self, path: str, start: int, count: Optional[int]) -> np.ndarray:
        """(N,) float32 samples ``start:start + count`` of ``path`` (to the end if
        ``count`` is None); fewer where the audio ends first."""
        _require_file(path)
        samples = _read_pcm_wav(path, self.sample_rate, start, count)
        if samples is None:
            samples = _decode_window(path, self.sample_rate, start, count)
        return samples

    def transform(self, results: dict) -> dict:
        path = audio_source(results)
        offset = results.get('audio_offset', self.offset)
        start = int(round(offset * self.sample_rate))
        if start < 0:
            raise ValueError(f'{path}: audio offset {offset}s is negative')
        keep = [k for k in (self.keep_duration, results.get('audio_keep')) if k is not None]
        keep = [int(round(k * self.sample_rate)) for k in keep]
        if self.duration is None:
            # The untiled rest of the file; with a cap, the rest's length is needed
            # to tile the kept part back to it, so the whole rest is decoded.
            window = self._decode(path, start, None)
            length = len(window)
            window = window[:min([length] + keep)]
        else:
            length = int(round(self.duration * self.sample_rate))
            window = self._decode(path, start, min([length] + keep))
        if len(window) < self.min_duration * self.sample_rate:
            raise MediaError(
                f'{path}: {len(window) / self.sample_rate:.2f}s of audio from '
                f'{offset}s, need at least {self.min_duration}s')
        if np.abs(window).max() < self.silence_threshold:
            raise MediaError(f'{path}: the audio is silent '
                             f'(peak below {self.silence_threshold})')
        if len(window) < length:
            window = np.tile(window, -(-length // len(window)))[:length]
        results['audio'] = window
        results['sample_rate'] = self.sample_rate
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sample_rate={self.sample_rate}, '
                f'duration={self.duration}, offset={self.offset}, '
                f'min_duration={self.min_duration}, '
                f'silence_threshold={self.silence_threshold}, '
                f'keep_duration={self.keep_duration})')


@TRANSFORMS.register_module()
class LoadGroundTruthMask(BaseTransform):
    """Read a binary ground-truth mask image (AVSBench) from ``gt_mask_path`` into
    ``gt_mask`` (H, W) uint8, 1 where the sound source is. The mask stays at its
    file's resolution: the metric resizes it to the evaluation grid."""

    def transform(self, results: dict) -> dict:
        path = results['gt_mask_path']
        data = np.frombuffer(_read_bytes(path), np.uint8)
        mask = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)  # cv2.imread's decoder
        if mask is None:
            raise MediaError(f'{path}: not a readable mask image')
        results['gt_mask'] = (mask > 0).astype(np.uint8)
        return results
