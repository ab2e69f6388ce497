from .resnet18 import AudioResNet18, ResNet18Trunk, VisualResNet18, init_ssltie_weights

__all__ = ['AudioResNet18', 'ResNet18Trunk', 'VisualResNet18', 'init_ssltie_weights']
