"""Media files crafted to break decoders, built byte by byte (no FFmpeg binary): wav
headers that lie, images and H.264 streams whose headers claim huge frames, and a
video whose track header says to show it rotated.

Every builder writes a file small enough to create in a test; decoding one of the
huge claims without a size check would allocate hundreds of megabytes or more.
"""
import io
import struct
import zlib
from typing import List, Tuple

import numpy as np


def riff_wav(path: str, rate: int = 16000, width: int = 2, channels: int = 1,
             frames: int = 8000, fmt_size: int = 16) -> None:
    """A PCM wav whose header says ``rate``, ``width`` bytes a sample and
    ``channels``, whatever they are (0, 5, ...), followed by ``frames`` frames of a
    tone's bytes. ``fmt_size`` below 16 cuts the format chunk short."""
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(frames) / 16000)
    sample = (tone * 127).astype(np.int8).view(np.uint8)  # any bytes will do
    data = np.repeat(sample, max(width, 1) * max(channels, 1)).tobytes()
    fmt = struct.pack('<HHIIHH', 1, channels, rate, rate * width * channels & 0xFFFFFFFF,
                      width * channels, 8 * width)[:fmt_size]
    body = (b'WAVE' + b'fmt ' + struct.pack('<I', len(fmt)) + fmt +
            b'data' + struct.pack('<I', len(data)) + data)
    with open(path, 'wb') as f:
        f.write(b'RIFF' + struct.pack('<I', len(body)) + body)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack('>I', len(data)) + kind + data +
            struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_claiming(path: str, width: int, height: int) -> None:
    """A png of a few dozen bytes whose IHDR (with a correct CRC) says
    ``width`` x ``height`` 8-bit RGB; the pixel data is one compressed row."""
    ihdr = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b'\x00' * (1 + 3 * min(width, 64)))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + _png_chunk(b'IHDR', ihdr) +
                _png_chunk(b'IDAT', idat) + _png_chunk(b'IEND', b''))


def jpeg_claiming(path: str, width: int, height: int) -> int:
    """An 8x8 grey baseline jpg whose SOF0 says ``width`` x ``height``: a few
    hundred bytes that libjpeg decodes, without an error, to a grey frame of the
    claimed size. Returns the file's size in bytes."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.new('L', (8, 8), 128).save(buffer, 'JPEG', quality=50)
    data = bytearray(buffer.getvalue())
    sof = data.find(b'\xff\xc0')
    data[sof + 5:sof + 9] = struct.pack('>HH', height, width)  # after length, precision
    with open(path, 'wb') as f:
        f.write(data)
    return len(data)


# H.264: an SPS is a NAL unit of exp-Golomb coded fields; the frame size is
# pic_width_in_mbs_minus1 and pic_height_in_map_units_minus1 (16-px macroblocks).
_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


class _Bits:
    """A big-endian bit reader over an RBSP (emulation prevention removed)."""

    def __init__(self, data: bytes) -> None:
        self.bits = ''.join(f'{b:08b}' for b in data)
        self.pos = 0

    def u(self, n: int) -> int:
        value = int(self.bits[self.pos:self.pos + n], 2)
        self.pos += n
        return value

    def ue(self) -> int:
        zeros = self.bits.index('1', self.pos) - self.pos
        self.pos += zeros
        return self.u(zeros + 1) - 1


def _ue(value: int) -> str:
    code = bin(value + 1)[2:]
    return '0' * (len(code) - 1) + code


def _unescape(nal: bytes) -> bytes:
    return nal.replace(b'\x00\x00\x03', b'\x00\x00')


def _escape(rbsp: bytes) -> bytes:
    out, zeros = bytearray(), 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _sps_claiming(sps: bytes, width: int, height: int) -> bytes:
    """``sps`` (a NAL unit, header byte included) with its frame size replaced by
    ``width`` x ``height`` (multiples of 16, progressive)."""
    bits = _Bits(_unescape(sps))
    bits.u(8)  # NAL header
    profile = bits.u(8)
    bits.u(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    if profile in _HIGH_PROFILES:
        if bits.ue() == 3:  # chroma_format_idc
            bits.u(1)
        bits.ue(), bits.ue()  # bit depths
        bits.u(1)
        if bits.u(1):
            raise ValueError('an SPS with scaling matrices is not handled here')
    bits.ue()  # log2_max_frame_num_minus4
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        raise ValueError('an SPS with pic_order_cnt_type 1 is not handled here')
    bits.ue()  # max_num_ref_frames
    bits.u(1)
    start = bits.pos
    bits.ue(), bits.ue()  # the frame size in macroblocks
    rest = bits.bits[bits.pos:]
    # The RBSP ends with a stop bit and zero padding: move them with the rest.
    rest = rest[:rest.rindex('1')]
    new = bits.bits[:start] + _ue(width // 16 - 1) + _ue(height // 16 - 1) + rest + '1'
    new += '0' * (-len(new) % 8)
    rbsp = int(new, 2).to_bytes(len(new) // 8, 'big')
    return rbsp[:1] + _escape(rbsp[1:])


def _boxes(data: bytes, start: int, end: int) -> List[Tuple[bytes, int, int]]:
    """(type, offset, size) of the mp4 boxes in ``data[start:end]``."""
    out = []
    while start + 8 <= end:
        size, kind = struct.unpack('>I4s', data[start:start + 8])
        out.append((kind, start, size))
        start += size
    return out


# Where a box's children start, from its offset: containers right after the
# header; stsd after its version and entry count; avc1 after the visual sample
# entry's 78 bytes of fields.
_CHILDREN = {b'moov': 8, b'trak': 8, b'mdia': 8, b'minf': 8, b'stbl': 8, b'stsd': 16,
             b'avc1': 86}


def _path_to(data: bytes, kind: bytes) -> List[Tuple[int, int]]:
    """(offset, size) of every box from the top level down to the first ``kind``."""
    def search(start, end, path):
        for box, offset, size in _boxes(data, start, end):
            if box == kind:
                return path + [(offset, size)]
            if box in _CHILDREN:
                found = search(offset + _CHILDREN[box], offset + size,
                               path + [(offset, size)])
                if found:
                    return found
        return None
    return search(0, len(data), [])


def h264_claiming(path: str, width: int, height: int) -> None:
    """A few-kB H.264 mp4 (4 frames of 64x48, a 1-s tone) whose SPS, the size
    FFmpeg reports for the stream, claims ``width`` x ``height`` (multiples of 16).
    Decoding it would allocate frames of the claimed size."""
    from avloc.fileio import write_video
    t = np.arange(16000) / 16000
    write_video(path, np.full((4, 48, 64, 3), 128, np.uint8), 4,
                (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    data = bytearray(open(path, 'rb').read())
    if data.find(b'mdat') > data.find(b'moov'):
        raise ValueError('the sample offsets would move: expected mdat before moov')
    path_ = _path_to(bytes(data), b'avcC')
    avcc = path_[-1][0] + 8
    # avcC: version, profile, compatibility, level, length size, SPS count, then
    # each SPS as a 16-bit length and the NAL unit.
    length = struct.unpack('>H', data[avcc + 6:avcc + 8])[0]
    sps = _sps_claiming(bytes(data[avcc + 8:avcc + 8 + length]), width, height)
    data[avcc + 6:avcc + 8 + length] = struct.pack('>H', len(sps)) + sps
    for offset, size in path_:  # every box around the SPS grows with it
        data[offset:offset + 4] = struct.pack('>I', size + len(sps) - length)
    with open(path, 'wb') as f:
        f.write(data)


# tkhd's display matrix (a, b, c, d of [a b u; c d v; x y w], 16.16 fixed point)
# for each clockwise turn that shows the picture upright.
_TURNS = {90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}


def rotate_mp4(path: str, degrees: int = 90) -> None:
    """Set the video track header's display matrix of an mp4 written by PyAV to a
    clockwise turn of ``degrees`` (90, 180 or 270), as a phone held upright (90)
    records it."""
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    a, b, c, d = (v << 16 for v in _TURNS[degrees])
    matrix = data.find(b'tkhd') + 4 + 4 + 4 * 5 + 8 + 8  # version 0 box
    data[matrix:matrix + 36] = struct.pack('>9i', a, b, 0, c, d, 0, 0, 0, 1 << 30)
    with open(path, 'wb') as f:
        f.write(data)
