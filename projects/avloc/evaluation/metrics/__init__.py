from .av_correspondence_metric import AVCorrespondenceMetric
from .ciou_metric import CIoUMetric
from .retrieval_metric import RetrievalMetric

__all__ = ['AVCorrespondenceMetric', 'CIoUMetric', 'RetrievalMetric']
