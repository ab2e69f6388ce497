"""README.md's test command is what .ci/run runs: the same installs (the PyTorch
family, then avloc with its extras, both with the constraints file) and the same
pytest command."""
import re

from tool_runner import ROOT


def test_readme_test_command_is_ci_run():
    ci = open(f'{ROOT}/.ci/run').read()
    readme = open(f'{ROOT}/README.md').read()
    family, avloc = re.findall(r'^(?:step )?pip install -q (-c .*)$', ci, re.M)
    assert family == '-c requirements/constraints.txt torch torchvision torchaudio'
    assert avloc.startswith('-c requirements/constraints.txt -e ".[tests,')
    assert re.search(r'^pytest tests$', ci, re.M)
    assert f'pip install {family} && pip install {avloc} && pytest tests\n' in readme


def test_readme_main_job_installs_pytorch_first():
    """The main job's command installs torch and torchvision before avloc (avloc
    requires neither; it needs no torchaudio)."""
    readme = open(f'{ROOT}/README.md').read()
    assert ('pip install -c requirements/constraints.txt torch torchvision && pip install '
            '-c requirements/constraints.txt -e ".[mmcv-lite]" && bash tools/main_job.sh\n'
            in readme)
