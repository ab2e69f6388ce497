"""Rewriting the generated block between two markers of a document."""
import pytest
from analysis_scripts import import_analysis

doc_markers = import_analysis('doc_markers')
MARKERS = ('<!-- table:start -->', '<!-- table:end -->')


def test_replaces_only_the_marked_block(tmp_path):
    path = tmp_path / 'README.md'
    path.write_text('intro\n<!-- table:start -->\nold\nlines\n<!-- table:end -->\nend\n')
    doc_markers.write_between_markers(str(path), MARKERS, '| new |')
    assert path.read_text() == ('intro\n<!-- table:start -->\n| new |\n'
                                '<!-- table:end -->\nend\n')


@pytest.mark.parametrize('text', ['intro\n<!-- table:start -->\nold\n',
                                  'old\n<!-- table:end -->\n',
                                  '<!-- table:end -->\nold\n<!-- table:start -->\n'])
def test_missing_or_misordered_markers_leave_the_file_unchanged(tmp_path, text):
    path = tmp_path / 'README.md'
    path.write_text(text)
    with pytest.raises(ValueError, match='missing the markers'):
        doc_markers.write_between_markers(str(path), MARKERS, '| new |')
    assert path.read_text() == text
