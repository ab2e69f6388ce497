from .random_equivariance_transform import RandomEquivarianceTransform

__all__ = ['RandomEquivarianceTransform']
