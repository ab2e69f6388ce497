# AVShapes v2 under a small-set budget, as one dict of overrides that an ablation row
# applies on top of its AVShapes 1k config (avshapes1k_budget.py), keeping that
# row's model and pipelines; see configs/ssltie/ablation/*_avshapes2-small_*.py.
#
# Data: AVShapes v2 (avloc/datasets/synthesis/scenes_v2.py): the class is the shape
# and the sound, never the colour; natural 1/f textures with clutter; a camera
# (zoom, shift, small rotation, blur, gain, noise); the sounding object drawn at
# random among objects drawn alike. 128 training, 200 validation and 500 test clips
# at 96 px (the network input), generated into data_root on first use.
# Budget: the 128 clips seen for 16 epochs in batches of 16 (128 steps), so that a
# model can fit them and augmentation has overfitting to cure; the validation clips
# scored every 4 epochs (the overfitting curve); the final weights scored once on
# the test clips. Optimiser, warm-up and cosine decay as the 1k budget.
_data = dict(
    data_root='data/avshapes2_small',
    generator=dict(version='v2', num_train=128, num_val=200, num_test=500, seed=0,
                   frame_size=96, side_range=(0.52, 0.66), min_side=0.3,
                   pixel_noise=12.0, num_workers=2))
_epochs = 16
avshapes2_small = dict(
    train_dataloader=dict(dataset=dict(indices=None, **_data)),
    val_dataloader=dict(dataset=_data),
    test_dataloader=dict(dataset=_data),
    instance_test_dataloader=dict(dataset=_data),
    train_cfg=dict(max_epochs=_epochs, val_interval=4),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=_epochs,
             eta_min=1e-6, convert_to_iter_based=True),
    ],
    default_hooks=dict(checkpoint=dict(interval=_epochs)),
)
