#!/usr/bin/env bash
# Prints the path of a Python X.Y interpreter (the argument, e.g. 3.10), from the
# first source that has one: PATH, pyenv's versions, Debian's packages, uv. uv
# downloads its interpreters from outside PyPI; where that host is out of reach the
# step fails and the next source is tried.
set -euo pipefail
v=$1
works() {  # prints the interpreter's own path if it runs and is Python $v
    "$1" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$v'
print(sys.executable)" 2>/dev/null
}
for cand in "$(command -v "python$v" || true)" \
            "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/"python$v"; do
    [ -x "$cand" ] && works "$cand" && exit 0  # (a pyenv shim may exist yet not run)
done
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    if apt-get install -y -qq "python$v" "python$v-venv" >/dev/null 2>&1; then
        works "$(command -v "python$v")" && exit 0
    fi
fi
uv_home=$(mktemp -d)
if python3 -m venv "$uv_home/venv" && "$uv_home/venv/bin/pip" install -q uv >/dev/null 2>&1 \
        && "$uv_home/venv/bin/uv" python install -q "$v" >/dev/null 2>&1; then
    "$uv_home/venv/bin/uv" python find "$v"; exit 0
fi
echo "find_python.sh: no Python $v on PATH, in pyenv, in apt or through uv" >&2
exit 1
