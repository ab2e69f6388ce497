from .ssltie import SSLTIE

__all__ = ['SSLTIE']
