#!/usr/bin/env bash
# The smoke test of an installed avloc, run by the venv Python given as the argument
# from the repository root: import it (registering everything), then a model's loss,
# backward and prediction, media loading (decord, av) and FAISS retrieval, through
# the quick tests of three test files (a comparison with torchaudio skips where it is
# not installed: avloc does not need it). pytest is installed into that venv.
set -euo pipefail
py=$1
"$py" -m pip install -q "$(grep '^pytest' requirements/tests.txt | cut -d' ' -f1)"
"$py" -c 'import importlib.util, sys, avloc, torch, torchvision, mmcv, cv2
assert "site-packages" in avloc.__file__, avloc.__file__  # the installed copy
audio = "torchaudio" if importlib.util.find_spec("torchaudio") else "no torchaudio"
print(f"avloc {avloc.__version__} on Python {sys.version.split()[0]}: torch "
      f"{torch.__version__}, torchvision {torchvision.__version__}, {audio}, "
      f"mmcv {mmcv.__version__}, cv2 {cv2.__version__}")'
"$py" -m pytest -q -p no:cacheprovider -k 'not one_and_two_processes' \
    tests/test_models/test_algorithms/test_ssltie.py::test_loss_and_backward \
    tests/test_models/test_algorithms/test_ssltie.py::test_predict_outputs \
    tests/test_evaluation/test_retrieval.py tests/test_datasets/test_transforms/test_loading.py
