"""Clips per second per core of SSL-TIE's training data pipeline: the public code's
recipe against avloc's paper pipeline, on the same generated clips, in one process,
with the augmentations in the dataloader workers or left to the model's device.

    python tools/analysis/benchmark_data_pipeline.py --clips 200 --repeats 7

The public recipe is written from ``datasets/dataloader.py`` of the public code, as
``ssltie.md`` describes it, per clip: Pillow opens the frame (twice, as the public
code does: once to augment, once for ``frame_ori``), the "moco_v2" torchvision
transforms, the 3-s wav read whole (``torchaudio.load`` needs TorchCodec here, so
``scipy.io.wavfile`` reads it and scales it to [-1, 1] as torchaudio does), tiled to
10 s, a ``MelSpectrogram`` built per clip, SpecAugment with p = 0.8 and
``AmplitudeToDB``. avloc runs the ``train_pipeline`` of
``configs/_base_/datasets/vggsound_ssltie.py`` on the same clips, from the
extracted layout (``frames/<id>.jpg`` + ``audio/<id>.wav``) and from the mp4
(frame at 5 s, audio track; also with ``LoadFrame(cache_dir=...)``, whose first pass
is reported apart), and the workers' part of
``configs/ssltie/ssltie_r18_1xb32-100e_vggsound144k_device-aug.py`` (decode, crop,
flip; the rest runs batched in the data preprocessor, timed separately). They are
interleaved, repeat after repeat, with one thread for torch and OpenCV (as in a
dataloader worker); each rate is the median over the repeats.

The public code cannot read an mp4: its frames and wavs are extracted first. The
extraction is timed too, with avloc's own extractor (``prepare.py``'s
``extract_clip``: the frame at 5 s from the last keyframe, skipping unreferenced
frames, and the soundtrack), so training from the mp4 is also compared on equal
footing: the public code's extraction plus its loader against avloc's first epoch
from the mp4 with ``LoadFrame(cache_dir=...)``, and over a whole run of
``--epochs`` epochs (computed from the measured medians).

``--profile`` adds the time of each avloc transform per clip.
"""
import argparse
import os
import os.path as osp
import random
import shutil
import statistics
import time
from typing import Callable, Dict, List, Optional

import cv2
import numpy as np
import torch

from avloc.fileio import write_video, write_wav

SAMPLE_RATE = 16000


def make_clips(root: str, num_clips: int, seed: int = 0) -> List[str]:
    """``num_clips`` clips of 320x240 video at 25 fps for 10 s with 16 kHz audio, in
    three layouts: public (``public/frames/<id>/125.jpg``, ``public/audio/<id>.wav``
    with the 3 s the public code trains on), extracted (``frames/<id>.jpg``,
    ``audio/<id>.wav``, the same files) and ``video/<id>.mp4``."""
    ids = [f'clip{i:04d}' for i in range(num_clips)]
    done = osp.join(root, '.complete')
    if osp.exists(done) and int(open(done).read()) == num_clips:
        return ids
    rng = np.random.default_rng(seed)
    for sub in ('frames', 'audio', 'video', 'public/frames', 'public/audio'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    yy, xx = np.mgrid[:240, :320]
    for clip in ids:
        # A textured, moving scene (so that JPEG and H.264 do real work) and a tone
        # with noise.
        phase = rng.uniform(0, 2 * np.pi, 3)
        frames = np.stack([np.stack([
            127 + 100 * np.sin(xx / (9 + c) + yy / (13 - c) + phase[c] + t / 5)
            for c in range(3)], -1) for t in range(250)])
        frames = np.clip(frames + rng.normal(0, 12, frames.shape[1:]), 0, 255).astype(np.uint8)
        t = np.arange(10 * SAMPLE_RATE) / SAMPLE_RATE
        audio = (0.3 * np.sin(2 * np.pi * rng.uniform(200, 2000) * t)
                 + 0.05 * rng.normal(size=t.size)).astype(np.float32)
        write_video(osp.join(root, 'video', f'{clip}.mp4'), frames, 25, audio, SAMPLE_RATE)
        middle = cv2.cvtColor(frames[125], cv2.COLOR_RGB2BGR)
        cv2.imwrite(osp.join(root, 'frames', f'{clip}.jpg'), middle)
        os.makedirs(osp.join(root, 'public', 'frames', clip), exist_ok=True)
        cv2.imwrite(osp.join(root, 'public', 'frames', clip, '125.jpg'), middle)
        write_wav(osp.join(root, 'audio', f'{clip}.wav'), audio[:3 * SAMPLE_RATE], SAMPLE_RATE)
        write_wav(osp.join(root, 'public', 'audio', f'{clip}.wav'), audio[:3 * SAMPLE_RATE],
                  SAMPLE_RATE)
    with open(done, 'w') as f:
        f.write(str(num_clips))
    return ids


def public_recipe(root: str) -> Callable[[str], tuple]:
    """The public code's ``__getitem__`` for a VGG-Sound training clip."""
    import torchaudio.transforms as audio_T
    from PIL import Image, ImageFilter
    from scipy.io import wavfile
    from torchvision import transforms

    class GaussianBlur:  # the public code's (SimCLR's) PIL blur
        def __init__(self, sigma=(.1, 2.)):
            self.sigma = sigma

        def __call__(self, x):
            return x.filter(ImageFilter.GaussianBlur(radius=random.uniform(*self.sigma)))

    img_transform = transforms.Compose([
        transforms.RandomResizedCrop(224, scale=(0.3, 1.)),
        transforms.RandomApply([transforms.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
        transforms.RandomGrayscale(p=0.2),
        transforms.RandomApply([GaussianBlur([.1, 2.])], p=0.5),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    to_db = audio_T.AmplitudeToDB()

    def load(clip: str) -> tuple:
        path = osp.join(root, 'public', 'frames', clip, '125.jpg')
        frame = img_transform(Image.open(path).convert('RGB'))
        frame_ori = np.array(Image.open(path).convert('RGB'))
        rate, pcm = wavfile.read(osp.join(root, 'public', 'audio', f'{clip}.wav'))
        samples = torch.from_numpy(pcm.astype(np.float32) / 32768)[None]
        if samples.shape[1] < rate * 10:
            samples = samples.repeat(1, int(rate * 10 / samples.shape[1]) + 1)
        samples = samples[..., :rate * 10]
        spectrogram = audio_T.MelSpectrogram(sample_rate=rate, n_fft=512, hop_length=239,
                                             n_mels=257, normalized=True)(samples)
        if random.random() < 0.8:
            spectrogram = torch.nn.Sequential(
                audio_T.TimeMasking(time_mask_param=180),
                audio_T.FrequencyMasking(freq_mask_param=35))(spectrogram)
        return frame, to_db(spectrogram), clip, torch.tensor(frame_ori)

    return load


def public_extraction(root: str) -> Callable[[str], None]:
    """What the public code needs before its first epoch from an mp4: the frame at 5 s
    as a jpg and the soundtrack as a 16 kHz wav, written by avloc's extractor."""
    from avloc.datasets.preparation import clip_outputs, extract_clip
    out = osp.join(osp.dirname(root), 'extracted_from_mp4')

    def extract(clip: str) -> None:
        frame_path, audio_path = clip_outputs(out, clip)
        extract_clip(osp.join(root, 'video', f'{clip}.mp4'), frame_path, audio_path,
                     frame_time=5.0)

    return extract


def clip_info(root: str, clip: str, layout: str) -> dict:
    """A dataset's entry for ``clip`` in ``layout`` ('extracted' or 'mp4')."""
    if layout == 'mp4':
        info = dict(video_path=osp.join(root, 'video', f'{clip}.mp4'))
    else:
        info = dict(frame_path=osp.join(root, 'frames', f'{clip}.jpg'),
                    audio_path=osp.join(root, 'audio', f'{clip}.wav'))
    return dict(info, sample_idx=0, clip_id=clip)


CONFIGS = {  # placement -> the config whose train_pipeline the workers run
    'workers': 'configs/_base_/datasets/vggsound_ssltie.py',
    'device': 'configs/ssltie/ssltie_r18_1xb32-100e_vggsound144k_device-aug.py'}
REPO = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')


def avloc_config(placement: str):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import avloc  # noqa: F401  (registers the transforms)
    init_default_scope('avloc')
    return Config.fromfile(osp.join(REPO, CONFIGS[placement]))


def avloc_transforms(placement: str, frame_cache: Optional[str] = None) -> list:
    """The transforms of avloc's paper training pipeline, with the augmentations in
    the workers or left to the device, and optionally LoadFrame's frame cache."""
    from mmengine.dataset import Compose
    pipeline = avloc_config(placement).train_pipeline
    if frame_cache:
        pipeline[0]['cache_dir'] = frame_cache  # LoadFrame
    return Compose(pipeline).transforms


def avloc_pipeline(root: str, layout: str, placement: str,
                   frame_cache: Optional[str] = None) -> Callable[[str], dict]:
    """avloc's paper training pipeline on one clip of ``layout``."""
    transforms = avloc_transforms(placement, frame_cache)

    def load(clip: str) -> dict:
        results = clip_info(root, clip, layout)
        for transform in transforms:
            results = transform(results)
        return results

    return load


def device_part_ms(root: str, clips: List[str], batch_size: int = 32) -> float:
    """Milliseconds per clip of the device-side augmentations (spectrogram,
    SpecAugment, colour, grey, blur) run by the data preprocessor on this machine's
    CPU, one thread, batch ``batch_size`` (median of 3)."""
    from mmengine.dataset import pseudo_collate

    from avloc.registry import MODELS
    cfg = avloc_config('device')
    pre = MODELS.build(cfg.model.data_preprocessor)
    load = avloc_pipeline(root, 'extracted', 'device')
    batch = pseudo_collate([load(c) for c in (clips * batch_size)[:batch_size]])
    times = []
    for _ in range(3):
        start = time.perf_counter()
        pre(batch, training=True)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times) / batch_size


def clips_per_second(load: Callable, clips: List[str]) -> float:
    start = time.perf_counter()
    for clip in clips:
        load(clip)
    return len(clips) / (time.perf_counter() - start)


def profile(root: str, clips: List[str], layout: str) -> Dict[str, float]:
    """Milliseconds per clip spent in each top-level avloc transform."""
    transforms = avloc_transforms('workers')
    spent = {type(t).__name__: 0.0 for t in transforms}
    for clip in clips:
        results = clip_info(root, clip, layout)
        for transform in transforms:
            start = time.perf_counter()
            results = transform(results)
            spent[type(transform).__name__] += time.perf_counter() - start
    return {k: 1000 * v / len(clips) for k, v in spent.items()}


def mp4_run_table(extraction: float, public: float, first: float, later: float,
                  epochs: int) -> None:
    """Print the rates of training from the mp4 on equal footing, in clips/s/core:
    the public code extracts each clip once, then loads the extracted files every
    epoch; avloc decodes the mp4 in the first epoch and reads its frame cache
    after."""
    rows = {
        'public code: extraction, then its loader':
            (1 / (1 / extraction + 1 / public), epochs / (1 / extraction + epochs / public)),
        'avloc: the mp4 with the frame cache (augmentation on the device)':
            (first, epochs / (1 / first + (epochs - 1) / later)),
    }
    base_first, base_run = rows['public code: extraction, then its loader']
    print(f'\nFrom the mp4, on equal footing (clips/s/core from the medians above; a '
          f'{epochs}-epoch run is one extraction or first pass and {epochs} epochs):\n')
    print(f'| from the mp4 | first epoch | vs public | {epochs}-epoch run | vs public |\n'
          '|---|---|---|---|---|')
    for name, (first_rate, run_rate) in rows.items():
        print(f'| {name} | {first_rate:.1f} | {first_rate / base_first:.2f} | '
              f'{run_rate:.1f} | {run_rate / base_run:.2f} |')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--root', default='work_dirs/pipeline_benchmark/clips',
                        help='where the generated clips go (made once, then reused)')
    parser.add_argument('--clips', type=int, default=200)
    parser.add_argument('--repeats', type=int, default=7,
                        help='interleaved passes over the clips; rates are medians')
    parser.add_argument('--epochs', type=int, default=100,
                        help='length of the whole run the mp4 comparison is computed for')
    parser.add_argument('--profile', action='store_true',
                        help="also time each avloc transform (ms per clip)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    clips = make_clips(args.root, args.clips)
    loaders = {'public code (PIL + torchaudio, extracted jpg + wav)': public_recipe(args.root)}
    for layout, name in (('extracted', 'extracted layout (frames/ + audio/)'),
                         ('mp4', 'straight from the mp4')):
        for placement, where in (('workers', 'augmentation in the workers'),
                                 ('device', 'augmentation on the device')):
            loaders[f'avloc, {name}, {where}'] = avloc_pipeline(args.root, layout,
                                                                placement)
    # Raw videos with LoadFrame's frame cache: the first pass decodes and writes the
    # frames, later passes (epochs) read them.
    cache = osp.join(osp.dirname(args.root), 'frame_cache')
    shutil.rmtree(cache, ignore_errors=True)
    cached = 'avloc, straight from the mp4, augmentation on the device, frame cache'
    loaders[cached] = avloc_pipeline(args.root, 'mp4', 'device', frame_cache=cache)
    extraction = 'public code, extraction from the mp4 (frame jpg + wav), once per clip'
    loaders[extraction] = public_extraction(args.root)
    rates: Dict[str, List[float]] = {name: [] for name in loaders}
    for repeat in range(args.repeats):
        for name, load in loaders.items():
            rates[name].append(clips_per_second(load, clips))
        print(f'repeat {repeat + 1}/{args.repeats}: ' + ', '.join(
            f'{r[-1]:.1f}' for r in rates.values()) + ' clips/s', flush=True)
    public = statistics.median(next(iter(rates.values())))
    print(f'\n{args.clips} clips, {args.repeats} repeats, 1 thread, '
          f'{time.strftime("%Y-%m-%d")}:\n')
    print('| pipeline | clips/s/core (median) | vs public |\n|---|---|---|')
    for name, values in rates.items():
        if name == cached:
            print(f'| {name}, first epoch (decodes, writes the cache) | {values[0]:.1f} | '
                  f'{values[0] / public:.2f} |')
            values, name = values[1:], f'{name}, later epochs'
        median = statistics.median(values)
        print(f'| {name} | {median:.1f} | {median / public:.2f} |')
    mp4_run_table(statistics.median(rates[extraction]), public, rates[cached][0],
                  statistics.median(rates[cached][1:]), args.epochs)
    print(f'\nThe device part (spectrogram, SpecAugment, colour, grey, blur, batch 32) on '
          f'this CPU, one thread: {device_part_ms(args.root, clips):.1f} ms per clip.')
    if args.profile:
        for layout in ('extracted', 'mp4'):
            times = profile(args.root, clips, layout)
            print(f'\navloc, {layout}, ms per clip: ' + ', '.join(
                f'{k} {v:.1f}' for k, v in times.items()) + f' (total {sum(times.values()):.1f})')


if __name__ == '__main__':
    main()
