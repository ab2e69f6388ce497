from .base_localizer import BaseLocalizer
from .ezvsl import EZVSL
from .fnac import FNAC
from .lvs import LVS
from .slavc import SLAVC
from .ssltie import SSLTIE

__all__ = ['BaseLocalizer', 'EZVSL', 'FNAC', 'LVS', 'SLAVC', 'SSLTIE']
