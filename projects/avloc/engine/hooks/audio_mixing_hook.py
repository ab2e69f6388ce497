"""Refresh the audio-mixing neighbour table after each epoch (SSL-TIE's T_mix)."""
import copy
import os
import os.path as osp
import time
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import barrier, broadcast, collect_results, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from avloc.datasets.transforms import MixAudio
from avloc.datasets.transforms.loading import audio_source
from avloc.evaluation.functional import build_index, search
from avloc.registry import HOOKS


def nearest_in_queue(embeddings: np.ndarray,
                     queue: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Each clip's most similar clip of the queue, itself excluded (the exact search
    of :func:`avloc.evaluation.functional.search`, ties to the lower queue position).

    Args:
        embeddings (np.ndarray): (N, C) L2-normalised float32 embeddings.
        queue (np.ndarray): (Q,) indices into ``embeddings``, Q >= 2, no repeats.

    Returns:
        tuple: (N,) neighbour indices into ``embeddings`` and (N,) their cosine
        similarities.
    """
    if len(queue) < 2:
        raise ValueError(f'the neighbour queue needs at least 2 clips, got {len(queue)}')
    embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
    gallery = embeddings[queue]
    position = np.full(len(embeddings), -1)  # each clip's place in the queue, if any
    position[queue] = np.arange(len(queue))
    index, _ = build_index(gallery, device='cpu')
    neighbours = queue[search(index, gallery, embeddings, 1, exclude=position)[:, 0]]
    return neighbours, (embeddings * embeddings[neighbours]).sum(1)


@HOOKS.register_module()
class AudioMixingHook(Hook):
    """After each epoch e >= ``start_epoch``, embed every training audio with the
    current audio encoder, find each clip's top-1 cosine neighbour in a random queue
    of ``queue_size`` clips, and let :class:`MixAudio` mix in the neighbour's
    waveform during the next epoch with probability ``prob_base + prob_step * e``
    and weight ``weight_step * e`` (SSL-TIE, ssltie.md: 0.1 + 0.01 e and 0.01 e).

    Under DDP every rank embeds its share of the clips; rank 0 searches and writes
    the table to ``<work_dir>/audio_mixing.npz``, which every rank's workers read
    (multi-node runs need ``work_dir`` on a shared filesystem). Resuming keeps the
    table of the last finished epoch.

    Args:
        pipeline (list[dict]): Audio-only pipeline for embedding, ending in
            ``PackAVInputs``, e.g. LoadAudio + AudioToSpectrogram; no augmentation.
        batch_size (int): Embedding batch size. Defaults to 64.
        num_workers (int): Embedding dataloader workers. Defaults to 0.
        queue_size (int): Clips in the random neighbour queue. Defaults to 4000.
        start_epoch (int): First finished epoch after which to mix. Defaults to 1.
        prob_base (float): Defaults to 0.1.
        prob_step (float): Defaults to 0.01.
        weight_step (float): Defaults to 0.01.
    """

    priority = 'LOW'

    def __init__(self, pipeline: List[dict], batch_size: int = 64, num_workers: int = 0,
                 queue_size: int = 4000, start_epoch: int = 1, prob_base: float = 0.1,
                 prob_step: float = 0.01, weight_step: float = 0.01) -> None:
        self.pipeline = pipeline
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.queue_size = queue_size
        self.start_epoch = start_epoch
        self.prob_base = prob_base
        self.prob_step = prob_step
        self.weight_step = weight_step
        self._loader = None

    def before_train(self, runner) -> None:
        self.state_file = osp.join(runner.work_dir, 'audio_mixing.npz')
        mixers = [t for t in runner.train_dataloader.dataset.pipeline.transforms
                  if isinstance(t, MixAudio)]
        if not mixers:
            raise ValueError('AudioMixingHook: the training pipeline has no MixAudio '
                             'transform to feed')
        for mixer in mixers:  # set before the dataloader workers are started
            mixer.state_file = self.state_file
        if runner.epoch == 0 and is_main_process() and osp.exists(self.state_file):
            os.remove(self.state_file)  # a table left by an earlier run in this work_dir
        barrier()

    def after_train_epoch(self, runner) -> None:
        finished = runner.epoch + 1
        if finished < self.start_epoch or finished >= runner.max_epochs:
            return
        start = time.time()
        embeddings = self._embed(runner)
        if is_main_process():
            rng = np.random.default_rng([runner.seed, finished])
            queue = rng.choice(len(embeddings), min(self.queue_size, len(embeddings)),
                               replace=False)
            neighbours, sims = nearest_in_queue(embeddings, queue)
            dataset = runner.train_dataloader.dataset
            sources = np.array([audio_source(dataset.get_data_info(int(i)))
                                for i in neighbours])
            prob = self.prob_base + self.prob_step * finished
            weight = self.weight_step * finished
            tmp = self.state_file + '.tmp.npz'
            np.savez(tmp, sources=sources, neighbours=neighbours, prob=prob, weight=weight,
                     epoch=finished)
            os.replace(tmp, self.state_file)  # workers never see a half-written table
            runner.logger.info(
                f'Audio mixing: {len(embeddings)} clips embedded, neighbours from a queue '
                f'of {len(queue)} (mean cosine {sims.mean():.3f}) in '
                f'{time.time() - start:.0f}s; next epoch mixes with p={prob:.2f}, '
                f'a={weight:.2f}')
        barrier()

    def _build_loader(self, runner):
        dataset = copy.deepcopy(runner.cfg.train_dataloader.dataset)
        dataset['pipeline'] = self.pipeline
        return runner.build_dataloader(dict(
            batch_size=self.batch_size, num_workers=self.num_workers, dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=False)), seed=runner.seed)

    @torch.no_grad()
    def _embed(self, runner) -> Optional[np.ndarray]:
        """(N, D) normalised audio embeddings of the training set on rank 0, as the
        model embeds them (its projection included)."""
        if self._loader is None:
            self._loader = self._build_loader(runner)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        # DDP syncs BatchNorm statistics only at the start of a forward pass, so after
        # the epoch's last step every rank holds its own; embed with rank 0's, the
        # ones the checkpoint saves, on every rank.
        for buffer in model.buffers():
            broadcast(buffer, src=0)
        was_training = model.training
        model.eval()
        parts = []
        for data in self._loader:
            spec = model.data_preprocessor(data, False)['inputs']['spec']
            parts.extend(F.normalize(model.embed_audio(spec), dim=1).float().cpu().numpy())
        model.train(was_training)
        gathered = collect_results(parts, len(self._loader.dataset))
        return np.stack(gathered) if gathered is not None else None
