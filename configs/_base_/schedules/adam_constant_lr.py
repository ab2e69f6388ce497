# SSL-TIE's schedule: Adam, weight decay 1e-4, constant learning rate, 100 epochs.
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4))
param_scheduler = []
# Resumes mid-epoch exactly where an interrupted run stopped.
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=100, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=32)
