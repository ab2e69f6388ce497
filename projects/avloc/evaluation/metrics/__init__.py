from .ciou_metric import CIoUMetric

__all__ = ['CIoUMetric']
