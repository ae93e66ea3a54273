"""A save killed with SIGKILL at any point leaves the latest checkpoint restorable to the
previous state or the new one — never a mix.

A child process saves state A (every value 1), then starts saving state B (every value 2)
and is killed part-way: at each of the nine file-system steps of a save (fsync, rename,
directory fsync of the data file, the index and the state file), and at timed instants
during the write of a large variable. The parent then restores the directory's latest
checkpoint into fresh variables and checks that all values are A's or all are B's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minitf as tf

pytestmark = [pytest.mark.persistence, pytest.mark.slow]

BIG = 4_000_000  # float32 elements: 16 MB, so a timed kill lands inside the write

CHILD = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import minitf as tf
    from minitf.train import atomic

    directory, kill_at, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    state = {"events": 0, "armed": False}

    def event():
        if state["armed"]:
            state["events"] += 1
            if state["events"] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    real_fsync, real_replace = os.fsync, os.replace
    def fsync(fd):
        real_fsync(fd); event()
    def replace(a, b):
        real_replace(a, b); event()
    atomic.os.fsync = fsync
    atomic.os.replace = replace

    big_v = tf.Variable(np.ones(big, np.float32))
    small_v = tf.Variable([1.0, 1.0])
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(big=big_v, small=small_v),
                                         directory, max_to_keep=1)
    manager.save()                      # state A
    big_v.assign(np.full(big, 2, np.float32))
    small_v.assign([2.0, 2.0])
    print("A", flush=True)
    state["armed"] = True
    manager.save()                      # state B, killed part-way
    print("B", flush=True)
""")


def _run_child(directory: str, kill_at: int, delay: float = None) -> subprocess.CompletedProcess:
    args = [sys.executable, "-c", CHILD, directory, str(kill_at), str(BIG)]
    if delay is None:
        return subprocess.run(args, capture_output=True, text=True, timeout=120)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "A"
    import time
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _restored_state(directory: str) -> float:
    latest = tf.train.latest_checkpoint(directory)
    assert latest is not None, "no restorable checkpoint left"
    big_v = tf.Variable(np.zeros(BIG, np.float32))
    small_v = tf.Variable([0.0, 0.0])
    tf.train.Checkpoint(big=big_v, small=small_v).restore(latest).assert_consumed()
    values = np.unique(np.concatenate([big_v.numpy(), small_v.numpy()]))
    assert values.tolist() in ([1.0], [2.0]), f"a mix of states was restored: {values}"
    return float(values[0])


# One save = data file, index, state file; each = fsync file, rename, fsync directory.
@pytest.mark.parametrize("kill_at", range(1, 10))
def test_kill_at_each_step_of_a_save(tmp_path, kill_at):
    result = _run_child(str(tmp_path), kill_at)
    assert result.returncode == -signal.SIGKILL, result.stderr
    state = _restored_state(str(tmp_path))
    # Until the state file is renamed (event 8) the latest checkpoint is still A.
    assert state == (2.0 if kill_at >= 8 else 1.0)


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1])
def test_kill_at_timed_instants(tmp_path, delay):
    result = _run_child(str(tmp_path), 0, delay)
    assert result.returncode in (-signal.SIGKILL, 0), result.stderr
    _restored_state(str(tmp_path))
    # No temporary file may be mistaken for a checkpoint.
    for name in os.listdir(tmp_path):
        if name.endswith(".tmp"):
            assert name.startswith("."), name
