#!/usr/bin/env bash
# avloc installed into an environment that already has its own compatible packages
# keeps them, on the oldest supported Python (3.10), then passes the smoke test.
# The environment holds what a user with a CUDA build would have: torch, torchvision
# and torchaudio at 2.9.0 (a patch other than the tested 2.9.1), mmcv-lite and
# opencv-python at versions other than the pins, numpy from the 2.1 line. Then
# `pip install ".[faiss-cpu]"` with no constraints, as a user types it; every package
# that was there must still be there at the same version, and no other mmcv or opencv
# distribution may arrive. (mmengine 0.10.7 itself requires opencv-python, so this
# environment has opencv-python rather than only opencv-python-headless; see
# docs/install.md.) uv (on PATH; .ci/run installs it) lays out that environment
# quickly; the install under test is pip's.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(bash .ci/find_python.sh 3.10)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv "$tmp/venv"
vpy="$tmp/venv/bin/python"
uv pip install -q --python "$vpy" torch==2.9.0 torchvision==0.24.0 torchaudio==2.9.0 \
    mmengine==0.10.7 mmcv-lite==2.1.0 opencv-python==4.12.0.88 numpy==2.1.3
"$vpy" -m pip freeze > "$tmp/before.txt"
echo "install_beside: the user's environment laid out in $SECONDS s"
"$vpy" -m pip install -q ".[faiss-cpu]"
echo "install_beside: pip install . done at $SECONDS s"
"$vpy" -m pip freeze > "$tmp/after.txt"
"$vpy" - "$tmp/before.txt" "$tmp/after.txt" <<'PY'
import sys

def freeze(path):
    pins = (ln.split('==') for ln in open(path) if '==' in ln)
    return {name.lower().replace('_', '-'): version.strip() for name, version in pins}

before, after = freeze(sys.argv[1]), freeze(sys.argv[2])
changed = {n: (v, after.get(n)) for n, v in before.items() if after.get(n) != v}
added = sorted(set(after) - set(before))
print(f'kept {len(before) - len(changed)} of {len(before)} packages; added: {added}')
assert not changed, f'pip install . replaced (before, after): {changed}'
clashing = [n for n in added if n.startswith(('opencv', 'mmcv', 'torch', 'faiss-gpu'))]
assert not clashing, f'pip install . added a second provider of a module: {clashing}'
PY
bash .ci/smoke.sh "$vpy"
