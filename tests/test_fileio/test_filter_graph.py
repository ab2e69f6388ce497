from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

from avloc.fileio import UprightRGB, clockwise_degrees, linked_graph


@pytest.mark.parametrize('rotation,degrees', [
    (None, 0), (0, 0), (-90, 90), (90, 270), (180, 180), (-180, 180), (270, 90),
    (-89.6, 90), (45, 0), (-30, 0)])
def test_clockwise_degrees_reads_pyavs_counterclockwise_rotation(rotation, degrees):
    assert clockwise_degrees(SimpleNamespace(rotation=rotation)) == degrees


def rgb_frame(array):
    import av
    frame = av.VideoFrame.from_ndarray(array, format='rgb24')
    frame.pts = 0
    return frame


def test_linked_graph_links_the_chain_in_order(frame):
    import av
    graph = av.filter.Graph()
    chain = [graph.add_buffer(width=64, height=48, format='rgb24', time_base=Fraction(1, 25)),
             graph.add('hflip'), graph.add('transpose', 'clock'), graph.add('buffersink')]
    assert linked_graph(graph, chain) is graph
    graph.push(rgb_frame(frame))
    out = graph.pull().to_ndarray()  # mirrored, then turned clockwise
    np.testing.assert_array_equal(out, np.rot90(frame[:, ::-1], k=-1))


def test_upright_rgb_keeps_an_upright_rgb_frame_and_reuses_its_graph(frame):
    upright = UprightRGB(Fraction(1, 25))
    out = upright(rgb_frame(frame))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, frame)
    graph = upright.graph
    np.testing.assert_array_equal(upright(rgb_frame(frame[::-1].copy())), frame[::-1])
    assert upright.graph is graph  # same size, format and turn: same graph
    upright(rgb_frame(frame[:24].copy()))
    assert upright.graph is not graph
