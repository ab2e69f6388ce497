from .av_correspondence_metric import AVCorrespondenceMetric
from .ciou_metric import CIoUMetric

__all__ = ['AVCorrespondenceMetric', 'CIoUMetric']
