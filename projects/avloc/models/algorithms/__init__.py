from .ezvsl import EZVSL
from .lvs import LVS
from .ssltie import SSLTIE

__all__ = ['EZVSL', 'LVS', 'SSLTIE']
