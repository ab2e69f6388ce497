from .equivariance_loss import EquivarianceLoss
from .localization_contrastive_loss import LocalizationContrastiveLoss

__all__ = ['EquivarianceLoss', 'LocalizationContrastiveLoss']
