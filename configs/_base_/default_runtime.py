default_scope = 'avloc'
runner_type = 'AVLocRunner'  # checkpoints load without trusting their pickle
custom_imports = dict(imports=['avloc'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='ciou/cIoU@0.5', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # A default hook, not a custom one: configs that replace custom_hooks keep it.
    non_finite=dict(type='NonFiniteCheckHook', on_non_finite='stop'),
)
custom_hooks = [dict(type='HeatmapVisualizationHook', draw=False)]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
# Every backend receives the test overlays (--show-dir). TensorBoard (pip install
# tensorboard; W&B alike with WandbVisBackend):
# vis_backends.append(dict(type='TensorboardVisBackend'))
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=True)
log_level = 'INFO'
load_from = None
# A checkpoint (load_from, tools/test.py, --resume) must set every tensor of the
# model with its shape; False loads what fits and logs the rest (AVLocRunner).
load_strict = True
resume = False
randomness = dict(seed=0, deterministic=False)
