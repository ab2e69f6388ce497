"""Run RetrievalMetric on fixed random clips with 1 process (python) or several
(torchrun, gloo), each rank processing the shard DefaultSampler gives it; rank 0
writes the scores as JSON. Used by test_retrieval.py."""
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
from mmengine.dataset import DefaultSampler

from avloc.evaluation import RetrievalMetric

NUM_CLIPS = 101  # odd: the sampler pads one rank, collect_results must drop it


def clips():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 6, NUM_CLIPS)
    centres = rng.standard_normal((6, 16))
    audio = centres[labels] + 0.8 * rng.standard_normal((NUM_CLIPS, 16))
    visual = centres[labels] + 0.8 * rng.standard_normal((NUM_CLIPS, 16))
    audio[10] = audio[11]  # a duplicate
    return [dict(clip_id=f'c{i}', gt_label=int(labels[i]),
                 audio_embedding=torch.nn.functional.normalize(
                     torch.tensor(audio[i], dtype=torch.float32), dim=0),
                 visual_embedding=torch.nn.functional.normalize(
                     torch.tensor(visual[i], dtype=torch.float32), dim=0))
            for i in range(NUM_CLIPS)]


def main(out_path: str) -> None:
    if int(os.environ.get('WORLD_SIZE', 1)) > 1:
        dist.init_process_group('gloo')
    samples = clips()
    metric = RetrievalMetric(ks=(1, 5), map_k=20)
    for i in DefaultSampler(samples, shuffle=False):
        metric.process(None, [samples[i]])
    scores = metric.evaluate(NUM_CLIPS)
    if not dist.is_initialized() or dist.get_rank() == 0:
        with open(out_path, 'w') as f:
            json.dump(scores, f, indent=1, sort_keys=True)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1])
