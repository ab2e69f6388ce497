"""The Slurm launchers (tools/slurm_*.sh) against a stand-in ``srun`` on PATH.

The stand-in records the command line and environment it is given; asked to, it then
starts the command as ``--ntasks`` local tasks with the variables a real srun sets
per task, and a stand-in ``scontrol`` resolves the node list, so MMEngine's
``launcher='slurm'`` set-up runs for real (two CPU tasks over gloo).
"""
import json
import os
import re
import socket
import stat
import subprocess
import sys

import pytest
from tool_runner import ROOT, data_options

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')
TRAIN = os.path.join(ROOT, 'tools', 'train.py')
NODELIST = 'cpu-node01'  # not a resolvable host: only scontrol turns it into one

FAKE_SRUN = '''#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
with open(os.environ['FAKE_SRUN_RECORD'], 'w') as f:
    json.dump(dict(argv=args, env=dict(os.environ)), f)
if os.environ.get('FAKE_SRUN_EXIT'):
    sys.exit(int(os.environ['FAKE_SRUN_EXIT']))
if not os.environ.get('FAKE_SRUN_RUN'):
    sys.exit(0)
options, i = {{}}, 0
while args[i].startswith('-'):  # "-p PARTITION" or "--name=value"
    if args[i] == '-p':
        options['-p'], i = args[i + 1], i + 2
    else:
        key, _, value = args[i].partition('=')
        options[key], i = value, i + 1
ntasks = int(options['--ntasks'])
assert ntasks == int(options['--ntasks-per-node']), 'one node only'
# A real srun binds each task to its own CPUs; here the tasks share the cores.
tasks = [subprocess.Popen(args[i:], env=dict(
    os.environ, OMP_NUM_THREADS='1', SLURM_JOB_ID='77', SLURM_STEP_ID='0',
    SLURM_NODELIST='{nodelist}', SLURM_NNODES='1', SLURM_NODEID='0',
    SLURM_NTASKS=str(ntasks), SLURM_PROCID=str(rank), SLURM_LOCALID=str(rank)))
    for rank in range(ntasks)]
sys.exit(max(task.wait() for task in tasks))
'''

FAKE_SCONTROL = '''#!{python}
import os, sys
with open(os.environ['FAKE_SCONTROL_RECORD'], 'a') as f:
    f.write(' '.join(sys.argv[1:]) + '\\n')
if sys.argv[1:] != ['show', 'hostname', '{nodelist}']:
    sys.exit('scontrol: unexpected arguments')
print('127.0.0.1')
'''


@pytest.fixture
def slurm(tmp_path):
    """Run a launcher with the stand-ins on PATH; returns ``launch(script, *args,
    **env) -> (process, record)``, the record being None when srun was not called."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, text in (('srun', FAKE_SRUN), ('scontrol', FAKE_SCONTROL)):
        path = bin_dir / name
        path.write_text(text.format(python=sys.executable, nodelist=NODELIST))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    record = tmp_path / 'srun.json'
    settings = ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS', 'PORT',
                'MASTER_PORT', 'MASTER_ADDR', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK')
    base = {k: v for k, v in os.environ.items()
            if not k.startswith('SLURM_') and k not in settings}
    base.update(PATH=os.pathsep.join([str(bin_dir), os.path.dirname(sys.executable),
                                      os.environ['PATH']]),
                PYTHONPATH='/elsewhere', FAKE_SRUN_RECORD=str(record),
                FAKE_SCONTROL_RECORD=str(tmp_path / 'scontrol.txt'))

    def launch(script, *args, cwd=ROOT, **env):
        if record.exists():
            record.unlink()
        proc = subprocess.run(['bash', script, *args], cwd=cwd, capture_output=True,
                              text=True, timeout=300, env=dict(base, **env))
        return proc, json.loads(record.read_text()) if record.exists() else None

    return launch


def srun_options(gpus_per_node, ntasks, cpus=10):
    return ['-p', 'part', '--job-name=job', f'--gres=gpu:{gpus_per_node}',
            f'--ntasks={ntasks}', f'--ntasks-per-node={gpus_per_node}',
            f'--cpus-per-task={cpus}', '--kill-on-bad-exit=1']


def test_train_command_and_environment(slurm):
    proc, rec = slurm('tools/slurm_train.sh', 'part', 'job', CONFIG, 'work_dirs/x',
                      '--seed', '1', GPUS='4', PORT='23456',
                      SRUN_ARGS='--time=5  --qos=high')
    assert proc.returncode == 0, proc.stderr
    assert rec['argv'] == srun_options(4, 4) + [
        '--time=5', '--qos=high', 'python', '-u', TRAIN, CONFIG,
        '--work-dir=work_dirs/x', '--seed', '1', '--launcher=slurm']
    # srun hands its environment to every task
    assert rec['env']['MASTER_PORT'] == '23456'
    assert rec['env']['PYTHONPATH'] == os.path.join(ROOT, 'projects') + ':/elsewhere'
    assert 'MASTER_ADDR' not in rec['env']  # each task takes the job's first node


def test_test_command(slurm):
    proc, rec = slurm('tools/slurm_test.sh', 'part', 'job', CONFIG, 'epoch_1.pth',
                      '--show-dir', 'overlays', GPUS='1', PORT='23457')
    assert proc.returncode == 0, proc.stderr
    assert rec['argv'] == srun_options(1, 1) + [
        'python', '-u', os.path.join(ROOT, 'tools', 'test.py'), CONFIG, 'epoch_1.pth',
        '--show-dir', 'overlays', '--launcher=slurm']


@pytest.mark.parametrize('env, per_node, ntasks, cpus', [
    (dict(), 8, 8, 10),
    (dict(GPUS='4'), 4, 4, 10),
    (dict(GPUS='16'), 8, 16, 10),
    (dict(GPUS='16', GPUS_PER_NODE='4', CPUS_PER_TASK='6'), 4, 16, 6),
])
def test_gpus_per_node_defaults_to_min_of_gpus_and_8(slurm, env, per_node, ntasks, cpus):
    proc, rec = slurm('tools/slurm_train.sh', 'part', 'job', CONFIG, 'w', **env)
    assert proc.returncode == 0, proc.stderr
    assert rec['argv'][:8] == srun_options(per_node, ntasks, cpus)


def test_port(slurm):
    """PORT, else MASTER_PORT, else one derived from the job id, else a random one."""
    args = ('tools/slurm_train.sh', 'part', 'job', CONFIG, 'w')
    assert slurm(*args, PORT='21000', MASTER_PORT='22000')[1]['env']['MASTER_PORT'] \
        == '21000'
    assert slurm(*args, MASTER_PORT='22000')[1]['env']['MASTER_PORT'] == '22000'
    assert slurm(*args, SLURM_JOB_ID='1234567')[1]['env']['MASTER_PORT'] == '24567'
    assert slurm(*args, SLURM_JOB_ID='1234568')[1]['env']['MASTER_PORT'] == '24568'
    ports = {int(slurm(*args)[1]['env']['MASTER_PORT']) for _ in range(4)}
    assert all(20000 <= port < 30000 for port in ports) and len(ports) > 1


@pytest.mark.parametrize('script, args, usage', [
    ('tools/slurm_train.sh', ['part', 'job', CONFIG],
     'PARTITION JOB_NAME CONFIG WORK_DIR'),
    ('tools/slurm_test.sh', ['part', 'job', CONFIG],
     'PARTITION JOB_NAME CONFIG CHECKPOINT'),
    ('tools/slurm_launch.sh', ['part', 'job'], 'PARTITION JOB_NAME TOOL'),
])
def test_missing_arguments_print_the_usage(slurm, script, args, usage):
    proc, rec = slurm(script, *args)
    assert proc.returncode == 2 and rec is None
    assert 'usage:' in proc.stderr and usage in proc.stderr


@pytest.mark.parametrize('env, message', [
    (dict(GPUS='four'), 'GPUS=four is not a positive integer'),
    (dict(GPUS_PER_NODE='0'), 'GPUS_PER_NODE=0 is not a positive integer'),
    (dict(PORT='70000'), 'PORT=70000 is not a port'),
])
def test_bad_settings_stop_before_srun(slurm, env, message):
    proc, rec = slurm('tools/slurm_train.sh', 'part', 'job', CONFIG, 'w', **env)
    assert proc.returncode == 2 and rec is None and message in proc.stderr


def test_scripts_stop_on_errors_and_pass_on_srun_failures(slurm):
    for name in ('slurm_launch.sh', 'slurm_train.sh', 'slurm_test.sh',
                 'slurm_sbatch_example.sh'):
        with open(os.path.join(ROOT, 'tools', name)) as f:
            assert 'set -euo pipefail' in f.read(), name
    proc, rec = slurm('tools/slurm_launch.sh', 'part', 'job', 'no_such_tool.py')
    assert proc.returncode == 2 and rec is None and 'no_such_tool.py' in proc.stderr
    proc, rec = slurm('tools/slurm_train.sh', 'part', 'job', CONFIG, 'w',
                      FAKE_SRUN_EXIT='3')
    assert proc.returncode == 3 and rec is not None


def test_sbatch_example(slurm, tmp_path):
    """The batch script, run as sbatch runs it (a copy, elsewhere, with the job's
    variables from its own #SBATCH lines), starts the step its header asks for."""
    with open(os.path.join(ROOT, 'tools', 'slurm_sbatch_example.sh')) as f:
        text = f.read()
    header = dict(re.findall(r'^#SBATCH --([\w-]+)=(\S+)', text, re.M))
    assert header['nodes'] == '2' and header['ntasks-per-node'] == '8'
    assert header['gres'] == 'gpu:8'
    copy = tmp_path / 'slurm_script'
    copy.write_text(text)
    job = dict(SLURM_SUBMIT_DIR=ROOT, SLURM_JOB_ID='4242', SLURM_JOB_PARTITION='gpu',
               SLURM_JOB_NAME=header['job-name'], SLURM_JOB_NUM_NODES=header['nodes'],
               SLURM_NTASKS_PER_NODE=header['ntasks-per-node'],
               SLURM_CPUS_PER_TASK=header['cpus-per-task'])
    proc, rec = slurm(str(copy), CONFIG, 'work_dirs/two_nodes', cwd=str(tmp_path), **job)
    assert proc.returncode == 0, proc.stderr
    assert rec['argv'] == [
        '-p', 'gpu', '--job-name=avloc', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', f'--cpus-per-task={header["cpus-per-task"]}',
        '--kill-on-bad-exit=1', 'python', '-u', TRAIN, CONFIG,
        '--work-dir=work_dirs/two_nodes', '--launcher=slurm']
    assert rec['env']['MASTER_PORT'] == '24242'
    proc, rec = slurm(str(copy), CONFIG, cwd=str(tmp_path), **job)
    assert proc.returncode == 2 and rec is None and 'usage:' in proc.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_cpu_tasks_through_mmengines_slurm_launcher(slurm, tiny_avshapes, tmp_path):
    """tools/test.py (the untrained model) in two tasks: MMEngine's slurm set-up takes
    rank, world size, the first node (through scontrol) and the port from what srun
    and the launcher gave, and DDP wraps the CPU model (a model wrapper with device
    ids would fail here)."""
    port = str(free_port())
    proc, rec = slurm('tools/slurm_test.sh', 'part', 'job', CONFIG, 'none',
                      '--work-dir', str(tmp_path / 'work'),
                      '--cfg-options', *data_options(tiny_avshapes),
                      GPUS='2', PORT=port, FAKE_SRUN_RUN='1')
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert rec['argv'][:8] == srun_options(2, 2)
    for rank in (0, 1):
        assert f'slurm task {rank} of 2 (local {rank}): gloo rendezvous at ' \
            f'127.0.0.1:{port}' in log
    with open(tmp_path / 'scontrol.txt') as f:
        assert f.read().splitlines() == [f'show hostname {NODELIST}'] * 2
    assert re.search(r'Distributed launcher: slurm\s+Distributed training: True\s+'
                     r'GPU number: 2', log)
    assert 'num_listed: 12  num_scored: 12' in log  # the two halves gathered
    assert 'start method `fork` is different' not in log
