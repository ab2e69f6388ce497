"""Filter graphs for decoded video frames: a linked chain of libavfilter filters
(:func:`linked_graph`), the turn a track header asks for (:func:`clockwise_degrees`)
and the conversion to (H, W, 3) uint8 RGB the right way up (:class:`UprightRGB`),
one for every reader of a video (``LoadFrame``, its frame cache, the inference API
and the demos), so that the frame a model is tested on is the frame a demo shows.
The ffmpeg frame extraction (``avloc.datasets.frame_extraction``) links its own
chain with :func:`linked_graph` and turns frames by :func:`clockwise_degrees`.

A phone held upright records landscape pictures and a display matrix in the track
header that turns them by 90 degrees; players apply it, and so does decord (the
loader ``LoadFrame`` replaced). So is it here, as decord does it: the decoded
picture is transposed losslessly (libavfilter's ``transpose``) before the colour
conversion, so the pixels are decord's bit for bit.
"""
import numpy as np


def clockwise_degrees(frame) -> int:
    """How far ``frame`` (an ``av.VideoFrame``) is turned clockwise to show it
    upright: 0, 90, 180 or 270, as decord reads the display matrix. Another angle,
    and a mirroring the matrix may add, are not applied (decord ignores them too;
    phones write quarter turns)."""
    degrees = -(frame.rotation or 0) % 360  # PyAV gives counterclockwise degrees
    quarters = round(degrees / 90)
    return quarters % 4 * 90 if abs(degrees - quarters * 90) < 1 else 0


def linked_graph(graph, chain: list):
    """``graph`` with the filters of ``chain`` (a buffer source first, a buffer sink
    last) linked one to the next, configured."""
    for upstream, downstream in zip(chain, chain[1:]):
        upstream.link_to(downstream)
    graph.configure()
    return graph


# decord's filters for each turn (a turn of 180 degrees is two transposes).
_TURNS = {0: (), 90: ('clock', ), 180: ('clock', 'clock'), 270: ('cclock', )}


class UprightRGB:
    """Converts decoded frames of one video stream to (H, W, 3) uint8 RGB, upright.

    libavfilter's ``transpose`` (by :func:`clockwise_degrees`), then ``scale`` into
    an rgb24 sink, which reads each frame's own colour matrix and range (a BT.709
    or full-range frame is not BT.601 limited): decord's filter graph. One graph
    serves every frame of the same size, format and turn.

    Args:
        time_base: The stream's time base (``stream.time_base``).
    """

    def __init__(self, time_base) -> None:
        self.time_base, self.graph, self.key = time_base, None, None

    def __call__(self, frame) -> np.ndarray:
        turn = clockwise_degrees(frame)
        key = (frame.width, frame.height, frame.format.name, turn)
        if key != self.key:
            self.graph, self.key = self._graph(frame, turn), key
        self.graph.push(frame)
        return self.graph.pull().to_ndarray()

    def _graph(self, frame, turn: int):
        import av
        width, height = frame.width, frame.height
        if turn in (90, 270):
            width, height = height, width
        graph = av.filter.Graph()
        chain = [graph.add_buffer(width=frame.width, height=frame.height,
                                  format=frame.format, time_base=self.time_base)]
        chain += [graph.add('transpose', direction) for direction in _TURNS[turn]]
        chain += [graph.add('scale', f'{width}:{height}'), graph.add('format', 'rgb24'),
                  graph.add('buffersink')]
        return linked_graph(graph, chain)
