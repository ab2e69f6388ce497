"""Compare two `pip freeze` files of one environment, before and after installing
avloc into it: every package must keep its version, and none may arrive that
provides a module the environment already had another way (a second mmcv or OpenCV)
or that belongs to the PyTorch family, which avloc leaves to the user.

Usage: python .ci/kept_packages.py BEFORE AFTER [EXPECTED_NEW...]
(EXPECTED_NEW: packages that must arrive, e.g. the torchvision a user installs as
`import avloc` told them to.)
"""
import sys

#: Distributions that must never arrive with avloc: the PyTorch family (pip would
#: bring the torch they pin) and second providers of the mmcv, cv2 and faiss modules.
NEVER_ADDED = ('torch', 'torchvision', 'torchaudio', 'opencv', 'mmcv', 'faiss-gpu')


def freeze(path: str) -> dict:
    """{normalised name: version} of the ``name==version`` lines of a freeze file."""
    with open(path) as f:
        pins = (ln.split('==') for ln in f if '==' in ln)
        return {name.lower().replace('_', '-'): version.strip() for name, version in pins}


def main(before_path: str, after_path: str, *expected_new: str) -> None:
    before, after = freeze(before_path), freeze(after_path)
    changed = {n: (v, after.get(n)) for n, v in before.items() if after.get(n) != v}
    added = sorted(set(after) - set(before))
    family = {n: v for n, v in before.items() if n.startswith('torch')}
    print(f'kept {len(before) - len(changed)} of {len(before)} packages (PyTorch: '
          f'{family}); added: {added}')
    if changed:
        sys.exit(f'replaced (before, after): {changed}')
    missing = [n for n in expected_new if n not in added]
    if missing:
        sys.exit(f'not installed: {missing}')
    clashing = [n for n in added if n.startswith(NEVER_ADDED) and n not in expected_new]
    if clashing:
        sys.exit(f'added what the environment must bring itself: {clashing}')


if __name__ == '__main__':
    main(*sys.argv[1:])
