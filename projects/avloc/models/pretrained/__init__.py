from .avshapes_standin import (StandinRecipe, ensure_avshapes_standin, missing_standin_message,
                               require_avshapes_standin, standin_path)
from .standin_training import MultiLabelResNet18

__all__ = ['MultiLabelResNet18', 'StandinRecipe', 'ensure_avshapes_standin',
           'missing_standin_message', 'require_avshapes_standin', 'standin_path']
