"""README.md's test command is what .ci/run runs: the same install (constraints
file and extras) and the same pytest command."""
import re

from tool_runner import ROOT


def test_readme_test_command_is_ci_run():
    ci = open(f'{ROOT}/.ci/run').read()
    readme = open(f'{ROOT}/README.md').read()
    (ci_install,) = re.findall(r'^(?:step )?pip install -q (-c .*)$', ci, re.M)
    assert 'requirements/constraints.txt' in ci_install
    assert re.search(r'^pytest tests$', ci, re.M)
    assert f'pip install {ci_install} && pytest tests\n' in readme
