"""Running a metric the way MMEngine's evaluator does, capturing what it logs."""
import io
import logging
from typing import Sequence, Tuple

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger


def scored_with_log(metric: BaseMetric, samples: Sequence[dict]) -> Tuple[dict, str]:
    """``compute_metrics`` of ``metric`` on ``samples`` (data-sample dicts), and the
    text it logged meanwhile."""
    metric.process(None, samples)
    logger = MMLogger.get_current_instance()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        return metric.compute_metrics(metric.results), stream.getvalue()
    finally:
        logger.removeHandler(handler)
