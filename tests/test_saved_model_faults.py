"""tf.saved_model against crashes, damage and tampering.

* A save killed with SIGKILL — at each file-system step of the save, and at timed
  instants while a large variable is written — leaves a SavedModel that loads as the
  previous state or the new one, never a mix.
* A truncated description, a flipped byte (in the description or an array file) and a
  file holding a pickle are each refused with ``DataLossError``, and nothing runs.
* A description edited on purpose (checksum recomputed) can still only say data: code
  smuggled into names is refused before anything is compiled.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
import time

import numpy as np
import pytest

import minitf as tf
from minitf import errors
from minitf.saved_model.save import canonical_json

pytestmark = pytest.mark.persistence
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")

BIG = 1_000_000  # float32 elements (4 MB): a timed kill lands inside the write


class State(tf.Module):
    """Every value is ``k`` in state k; ``probe`` reads both variables."""

    def __init__(self, k: float, big: int = 1000):
        self.big = tf.Variable(np.full(big, k, np.float32))
        self.small = tf.Variable([k, k])

    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
    def probe(self, x):
        return x * self.small + self.big[0]


def _loaded_state(path: str) -> float:
    loaded = tf.saved_model.load(path)
    values = np.unique(np.concatenate([loaded.big.numpy(), loaded.small.numpy()]))
    assert values.tolist() in ([1.0], [2.0]), f"a mix of states was loaded: {values}"
    k = float(values[0])
    assert loaded.probe(tf.constant([1.0, 1.0])).numpy().tolist() == [2 * k, 2 * k]
    return k


# ---------------------------------------------------------------------------------------
# SIGKILL part-way through a save
# ---------------------------------------------------------------------------------------
def _save_b_in_child(path: str, big: int, kill_at: int, log: str) -> int:
    """Forks a child that saves state 2 over ``path``, killing itself at file-system
    event ``kill_at`` (an fsync or a rename; 0: never). Returns the child's pid."""
    state = State(2.0, big)  # built before the fork: the child only saves
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: never returns into pytest
        events = [0]
        real = {"fsync": os.fsync, "replace": os.replace, "rename": os.rename}

        def hooked(name):
            def run(*args):
                real[name](*args)
                events[0] += 1
                fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
                os.write(fd, f"{events[0]} {name} {args[-1]}\n".encode())
                os.close(fd)
                if events[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
            return run
        os.fsync, os.replace, os.rename = hooked("fsync"), hooked("replace"), hooked("rename")
        tf.saved_model.save(state, path)
        os._exit(0)
    finally:
        os._exit(1)


def _events(log: str) -> list:
    with open(log) as f:
        return [line.split(" ", 2) for line in f.read().splitlines()]


@pytest.fixture(scope="module")
def save_events(tmp_path_factory):
    """The file-system events of one complete save over an existing SavedModel."""
    d = tmp_path_factory.mktemp("dry")
    path, log = str(d / "m"), str(d / "log")
    tf.saved_model.save(State(1.0), path)
    _, status = os.waitpid(_save_b_in_child(path, 1000, 0, log), 0)
    assert os.WEXITSTATUS(status) == 0
    events = _events(log)
    # The commit is the rename whose destination is the SavedModel directory itself.
    commit = [int(k) for k, name, dst in events if name == "rename" and dst == path]
    assert len(commit) == 1
    return len(events), commit[0]


@needs_fork
@pytest.mark.parametrize("kill_at", range(1, 14))
def test_kill_at_each_step_of_a_save(tmp_path, save_events, kill_at):
    n_events, commit = save_events
    assert n_events == 13  # 3 files x (fsync, rename, fsync dir) + 4 for the directory
    path, log = str(tmp_path / "m"), str(tmp_path / "log")
    tf.saved_model.save(State(1.0), path)
    _, status = os.waitpid(_save_b_in_child(path, 1000, kill_at, log), 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert _loaded_state(path) == (2.0 if kill_at >= commit else 1.0)
    # The next save cleans up whatever the killed one left behind.
    tf.saved_model.save(State(1.0), path)
    assert sorted(os.listdir(tmp_path)) == ["log", "m"]


@needs_fork
@pytest.mark.parametrize("delay", [0.0, 0.01, 0.03, 0.05])
def test_kill_at_timed_instants(tmp_path, delay):
    path = str(tmp_path / "m")
    tf.saved_model.save(State(1.0, BIG), path)
    pid = _save_b_in_child(path, BIG, 0, str(tmp_path / "log"))
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    _loaded_state(path)


def test_first_save_killed_leaves_nothing_that_looks_saved(tmp_path):
    # Before its commit rename, a first save has only a hidden staging directory.
    path = str(tmp_path / "m")
    os.makedirs(tmp_path / ".m.saving-dead")
    assert not tf.saved_model.contains_saved_model(path)
    with pytest.raises(errors.NotFoundError, match="No SavedModel"):
        tf.saved_model.load(path)


def test_interrupted_swap_reads_the_previous_copy(tmp_path):
    # A kill between the two renames leaves only `.m.previous`: it is what loads.
    path = str(tmp_path / "m")
    tf.saved_model.save(State(1.0), path)
    os.rename(path, tmp_path / ".m.previous")
    assert _loaded_state(path) == 1.0
    tf.saved_model.save(State(2.0), path)
    assert _loaded_state(path) == 2.0 and sorted(os.listdir(tmp_path)) == ["m"]


def test_saving_over_a_directory_keeps_foreign_files(tmp_path):
    path = tmp_path / "m"
    tf.saved_model.save(State(1.0), str(path))
    (path / "README.txt").write_text("mine")
    tf.saved_model.save(State(2.0), str(path))
    assert (path / "README.txt").read_text() == "mine"
    assert _loaded_state(str(path)) == 2.0


# ---------------------------------------------------------------------------------------
# Damaged files
# ---------------------------------------------------------------------------------------
@pytest.fixture()
def saved(tmp_path):
    m = State(1.0)
    m.table = tf.function(lambda: tf.constant(np.arange(64, dtype=np.float32)) * m.small[0],
                          input_signature=[])
    path = str(tmp_path / "m")
    tf.saved_model.save(m, path)
    return path


def test_truncated_description_is_refused(saved):
    marker = os.path.join(saved, "saved_model.json")
    raw = open(marker, "rb").read()
    open(marker, "wb").write(raw[: len(raw) // 2])
    with pytest.raises(errors.DataLossError, match="truncated"):
        tf.saved_model.load(saved)


def test_flipped_byte_in_description_is_refused(saved):
    marker = os.path.join(saved, "saved_model.json")
    raw = open(marker, "rb").read()
    # Turn the function's name into another valid name: still JSON, but not what was saved.
    open(marker, "wb").write(raw.replace(b'"probe"', b'"probd"', 1))
    with pytest.raises(errors.DataLossError, match="checksum"):
        tf.saved_model.load(saved)


@pytest.mark.parametrize("name", ["variables/variables.data-00000-of-00001", "constants.npz"])
def test_flipped_byte_in_an_array_file_is_refused(saved, name):
    path = os.path.join(saved, name)
    raw = bytearray(open(path, "rb").read())
    data = np.load(path, allow_pickle=False)
    # Flip a byte inside the largest array's payload (not the zip headers).
    biggest = max(data.files, key=lambda k: data[k].nbytes)
    start = raw.find(data[biggest].tobytes()[:64])
    assert start > 0
    raw[start + 8] ^= 0xFF
    open(path, "wb").write(bytes(raw))
    with pytest.raises(errors.DataLossError):
        tf.saved_model.load(saved)


class Evil:
    """Unpickling this would create a file: the proof that code ran."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("name", ["variables/variables.data-00000-of-00001", "constants.npz",
                                  "saved_model.json"])
def test_a_pickle_is_never_loaded(saved, tmp_path, name):
    marker = tmp_path / "pwned"
    Evil.marker = str(marker)
    path = os.path.join(saved, name)
    if name.endswith(".json"):
        with open(path, "wb") as f:
            pickle.dump(Evil(), f)
    else:  # an npz holding an object array (np.load would need to unpickle it)
        arrays = dict(np.load(path, allow_pickle=False))
        first = sorted(k for k in arrays if not k.startswith("__"))[0]
        arrays[first] = np.array([Evil()], dtype=object)
        with open(path, "wb") as f:
            np.savez(f, **arrays)
    with pytest.raises(errors.DataLossError):
        tf.saved_model.load(saved)
    assert not marker.exists()


def test_a_raw_pickle_as_an_array_file_is_refused(saved, tmp_path):
    marker = tmp_path / "pwned"
    Evil.marker = str(marker)
    with open(os.path.join(saved, "constants.npz"), "wb") as f:
        pickle.dump(Evil(), f)
    with pytest.raises(errors.DataLossError):
        tf.saved_model.load(saved)
    assert not marker.exists()


# ---------------------------------------------------------------------------------------
# Tampering with the checksum recomputed
# ---------------------------------------------------------------------------------------
def _tamper(path: str, mutate) -> None:
    marker = os.path.join(path, "saved_model.json")
    document = json.loads(open(marker).read())
    mutate(document["saved_model"])
    document["sha256"] = hashlib.sha256(canonical_json(document["saved_model"])).hexdigest()
    open(marker, "w").write(json.dumps(document))


def _first_eqn(payload: dict) -> dict:
    return next(g for g in payload["graphs"] if g["eqns"])["eqns"][0]


def _inject_param_key(payload: dict) -> None:
    # Param keys become keyword names in generated code: try to smuggle a call in.
    _first_eqn(payload)["params"]["axis=__import__('os').mkdir('PWNED'), y"] = 1


def _unknown_primitive(payload: dict) -> None:
    _first_eqn(payload)["prim"] = "os.system"


def _dunder_attribute(payload: dict) -> None:
    payload["nodes"][0]["children"].append(["__class__", 1])


def _wrong_variable_shape(payload: dict) -> None:
    node = next(n for n in payload["nodes"] if n["kind"] == "variable")
    node["shape"] = [7]


def _object_param(payload: dict) -> None:
    _first_eqn(payload)["params"]["axis"] = {"__reduce__": ["os.system", "true"]}


def _dangling_reference(payload: dict) -> None:
    payload["nodes"][0]["children"].append(["extra", 999])


@pytest.mark.parametrize("mutate", [_inject_param_key, _unknown_primitive, _dunder_attribute,
                                    _wrong_variable_shape, _object_param, _dangling_reference])
def test_tampered_description_is_refused_before_anything_runs(saved, tmp_path, mutate,
                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    _tamper(saved, mutate)
    with pytest.raises(errors.DataLossError, match="damaged or was tampered"):
        tf.saved_model.load(saved)
    assert not (tmp_path / "PWNED").exists()


def test_newer_format_and_missing_directory(saved, tmp_path):
    marker = os.path.join(saved, "saved_model.json")
    document = json.loads(open(marker).read())
    document["version"] = 99
    open(marker, "w").write(json.dumps(document))
    with pytest.raises(errors.UnimplementedError, match="Upgrade minitf"):
        tf.saved_model.load(saved)
    with pytest.raises(errors.NotFoundError):
        tf.saved_model.load(str(tmp_path / "nowhere"))


def test_variables_from_another_save_are_refused(saved, tmp_path):
    other = str(tmp_path / "other")
    tf.saved_model.save(State(2.0), other)
    for name in ("variables.index", "variables.data-00000-of-00001"):
        os.replace(os.path.join(other, "variables", name),
                   os.path.join(saved, "variables", name))
    with pytest.raises(errors.DataLossError, match="another save"):
        tf.saved_model.load(saved)
