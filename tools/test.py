"""Evaluate a checkpoint on a config's test split and print the scores; the body is
``avloc.tools.test`` (an installed avloc also has it as ``avloc-test``).

    python tools/test.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py \
        work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth --show-dir overlays
"""
from avloc.tools.test import main

if __name__ == '__main__':
    main()
