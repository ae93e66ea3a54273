"""Start N copies of a script as the workers of one job on this host.

Usage::

    python -m minitf.distribute.launch --nproc 2 train.py [args...]
    python -m minitf.distribute.launch --nproc 2 -m my_package.train [args...]

Each copy gets the environment ``torchrun`` would give it — ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR=127.0.0.1`` and a free
``MASTER_PORT`` — which ``tf.distribute.MultiWorkerMirroredStrategy()`` and
``MirroredStrategy()`` read. ``OMP_NUM_THREADS=1`` unless set, so N workers do not
each start one math thread per core (torchrun's default too).

The launcher waits for all of them. If one fails, the others are stopped at once (they
would otherwise wait forever in a collective for the missing worker) and the launcher
exits with the failed worker's code; after ``--timeout`` seconds it stops them all and
exits with 124. torchrun works the same way and may be used instead.

Example:
    >>> from minitf.distribute.launch import worker_environment
    >>> env = worker_environment({}, rank=1, nproc=2, port=29500)
    >>> env["RANK"], env["WORLD_SIZE"], env["MASTER_ADDR"], env["MASTER_PORT"]
    ('1', '2', '127.0.0.1', '29500')
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Mapping, Optional, Sequence

__all__ = ["free_port", "worker_environment", "launch", "main"]


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now.

    Example:
        >>> 0 < free_port() < 65536
        True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_environment(base: Mapping[str, str], *, rank: int, nproc: int,
                       port: int) -> dict:
    """The environment of worker ``rank`` of ``nproc`` (torchrun's variable names).

    Example:
        >>> worker_environment({"OMP_NUM_THREADS": "4"}, rank=0, nproc=2,
        ...                    port=1)["OMP_NUM_THREADS"]
        '4'
    """
    env = dict(base)
    env.update(RANK=str(rank), WORLD_SIZE=str(nproc), LOCAL_RANK=str(rank),
               LOCAL_WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    env.pop("TF_CONFIG", None)  # the launcher's variables describe the job
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _stop(procs: Sequence[subprocess.Popen], grace: float = 5.0) -> None:
    """Terminates the workers still running (SIGTERM, then SIGKILL after ``grace``)."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def launch(command: Sequence[str], nproc: int, timeout: Optional[float] = None,
           env: Optional[Mapping[str, str]] = None) -> int:
    """Runs ``python <command>`` as ``nproc`` workers; returns the job's exit code.

    Args:
        command: the script and its arguments (or ``["-m", module, ...]``).
        nproc: the number of workers.
        timeout: seconds before every worker is stopped (exit code 124).
        env: the base environment (default ``os.environ``).

    Returns:
        0 if every worker exited 0; else the first failing worker's code (124 on
        timeout).

    Example:
        >>> launch(["-c", "import os; assert os.environ['WORLD_SIZE'] == '2'"], nproc=2)
        0
    """
    port = free_port()
    base = os.environ if env is None else env
    procs = [subprocess.Popen([sys.executable, *command],
                              env=worker_environment(base, rank=r, nproc=nproc, port=port))
             for r in range(nproc)]
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            codes = [p.poll() for p in procs]
            failed = [c for c in codes if c not in (None, 0)]
            if failed:
                _stop(procs)
                return failed[0]
            if all(c == 0 for c in codes):
                return 0
            if deadline is not None and time.monotonic() > deadline:
                print(f"minitf.distribute.launch: the workers ran past {timeout} s; stopping "
                      f"them.", file=sys.stderr)
                _stop(procs)
                return 124
            time.sleep(0.05)
    finally:
        _stop(procs)  # also on KeyboardInterrupt: never leave workers behind


def _split(argv: Sequence[str]) -> tuple:
    """The launcher's own options, then the worker command (from its first other word:
    the script, or ``-m``/``-c``, which belong to Python, not to the launcher)."""
    ours: list = []
    i = 0
    while i < len(argv):
        word = argv[i]
        name = word.split("=", 1)[0]
        if name not in ("--nproc", "--nproc-per-node", "--nproc_per_node", "--timeout",
                        "-h", "--help"):
            break
        takes_value = "=" not in word and name not in ("-h", "--help")
        ours += argv[i:i + 2] if takes_value else [word]
        i += 2 if takes_value else 1
    return ours, list(argv[i:])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line: ``--nproc N [--timeout S] script.py args...``.

    Example:
        >>> main(["--nproc", "1", "-c", "pass"])
        0
    """
    parser = argparse.ArgumentParser(
        prog="python -m minitf.distribute.launch",
        usage="python -m minitf.distribute.launch --nproc N [--timeout S] "
              "(script.py | -m module) [args...]",
        description="Start N workers of one data-parallel job on this host.")
    parser.add_argument("--nproc", "--nproc-per-node", "--nproc_per_node", type=int,
                        default=1, help="the number of worker processes")
    parser.add_argument("--timeout", type=float, default=None,
                        help="stop every worker after this many seconds (exit code 124)")
    ours, command = _split(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(ours)
    if not command:
        parser.error("give the script to run: python -m minitf.distribute.launch --nproc 2 "
                     "train.py")
    if args.nproc < 1:
        parser.error("--nproc must be at least 1")
    return launch(command, args.nproc, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
