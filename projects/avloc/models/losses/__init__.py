from .equivariance_loss import EquivarianceLoss
from .localization_contrastive_loss import LocalizationContrastiveLoss
from .max_mil_contrastive_loss import MaxMILContrastiveLoss

__all__ = ['EquivarianceLoss', 'LocalizationContrastiveLoss', 'MaxMILContrastiveLoss']
