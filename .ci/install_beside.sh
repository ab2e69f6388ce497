#!/usr/bin/env bash
# avloc installed beside a user's own packages never changes them, on the oldest
# supported Python (3.10). Three environments, as a user with a CUDA build of
# PyTorch may have them: (a) torch 2.9.0 alone, (b) torch 2.9.0 + torchvision 0.24.0,
# (c) those + torchaudio 2.9.0 (patches other than the tested 2.9.1), each with
# mmengine, mmcv-lite and opencv-python at versions other than the pins and numpy
# from the 2.1 line. In each, `pip install ".[faiss-cpu]"` with no constraints, as a
# user types it; every package that was there must still be there at the same
# version, and no PyTorch package, second mmcv or second OpenCV may arrive
# (.ci/kept_packages.py). Then (b) and (c) pass the smoke test, avloc needing no
# torchaudio; in (a) `import avloc` exits with status 1 and one line that names the
# torchvision to install, and that command, run as printed, keeps torch and makes
# avloc importable. (mmengine 0.10.7 itself requires opencv-python, so these
# environments have opencv-python rather than only opencv-python-headless; see
# docs/install.md.) uv (on PATH; .ci/run installs it) lays the environments out
# quickly from its cache, one at a time on disk; the install under test is pip's.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(bash .ci/find_python.sh 3.10)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
others=(mmengine==0.10.7 mmcv-lite==2.1.0 opencv-python==4.12.0.88 numpy==2.1.3)

beside() {  # beside NAME PACKAGE...: the user's environment, then pip install avloc
    rm -rf "$tmp/venv"  # the previous environment: each holds GBs of CUDA wheels
    "$py" -m venv "$tmp/venv"
    vpy="$tmp/venv/bin/python"
    local start=$SECONDS
    uv pip install -q --python "$vpy" "${@:2}" "${others[@]}"
    "$vpy" -m pip freeze > "$tmp/before.txt"
    "$vpy" -m pip install -q ".[faiss-cpu]"
    "$vpy" -m pip freeze > "$tmp/after.txt"
    echo "install_beside ($1): laid out and pip install . done in $((SECONDS - start)) s"
    "$vpy" .ci/kept_packages.py "$tmp/before.txt" "$tmp/after.txt"
}

beside 'a: torch alone' torch==2.9.0
status=0
(cd "$tmp" && "$vpy" -c 'import avloc') 2> "$tmp/err" || status=$?
line=$(tail -n 1 "$tmp/err")
echo "install_beside (a): import avloc exited $status: $line"
want='ImportError: avloc needs torchvision 0.24.0, built for your torch 2.9.0, and '
want+='torchvision is not installed: pip install torchvision==0.24.0 '
[ "$status" = 1 ] && [[ $line == "$want"* ]] || {
    echo "install_beside (a): expected exit status 1 and a line starting '$want'" >&2
    cat "$tmp/err" >&2
    exit 1
}
fix=$(sed 's/.*not installed: \(pip install [^ ]*\) (keeps.*/\1/' <<< "$line")
"$vpy" -m pip freeze > "$tmp/before.txt"
"$vpy" -m $fix -q  # the printed command, as the user runs it
"$vpy" -m pip freeze > "$tmp/after.txt"
"$vpy" .ci/kept_packages.py "$tmp/before.txt" "$tmp/after.txt" torchvision
(cd "$tmp" && "$vpy" -c 'import avloc, torchvision; print(
    f"install_beside (a): after `'"$fix"'`, avloc imports with torchvision",
    torchvision.__version__)')

beside 'b: torch and torchvision' torch==2.9.0 torchvision==0.24.0
bash .ci/smoke.sh "$vpy"

beside 'c: torch, torchvision and torchaudio' torch==2.9.0 torchvision==0.24.0 \
    torchaudio==2.9.0
bash .ci/smoke.sh "$vpy"
