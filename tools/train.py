"""Train a model from a config; the body is ``avloc.tools.train`` (an installed avloc
also has it as ``avloc-train``).

    python tools/train.py configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py
"""
from avloc.tools.train import main

if __name__ == '__main__':
    main()
