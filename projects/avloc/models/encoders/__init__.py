from .resnet18 import AudioResNet18, VisualResNet18, init_ssltie_weights

__all__ = ['AudioResNet18', 'VisualResNet18', 'init_ssltie_weights']
