from .equivariance_loss import EquivarianceLoss

__all__ = ['EquivarianceLoss']
