#!/usr/bin/env bash
# avloc on the newest supported Python (3.13) with the tested pins, as README.md
# installs it: the PyTorch family first, then avloc (without the tests and demo
# extras; uv, on PATH, installs them quicker than pip). Then the smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(bash .ci/find_python.sh 3.13)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv "$tmp/venv"
uv pip install -q --python "$tmp/venv/bin/python" -c requirements/constraints.txt \
    torch torchvision torchaudio
uv pip install -q --python "$tmp/venv/bin/python" -c requirements/constraints.txt \
    ".[mmcv-lite,faiss-cpu]"
bash .ci/smoke.sh "$tmp/venv/bin/python"
