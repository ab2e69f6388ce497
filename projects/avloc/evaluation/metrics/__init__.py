from .av_correspondence_metric import AVCorrespondenceMetric
from .avsbench_metric import AVSBenchMetric
from .ciou_metric import CIoUMetric, ciou_entry
from .dump_predictions import DumpPredictions, load_predictions
from .retrieval_metric import RetrievalMetric

__all__ = ['AVCorrespondenceMetric', 'AVSBenchMetric', 'CIoUMetric', 'DumpPredictions',
           'RetrievalMetric', 'ciou_entry', 'load_predictions']
