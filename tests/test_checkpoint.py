"""tf.train.Checkpoint and CheckpointManager: round trips, TF's keys, rotation, deferred
restoration, and refusal of damaged or tampered files."""

from __future__ import annotations

import json
import os
import pickle
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf import errors
from tests import strategies as mst

pytestmark = pytest.mark.persistence


def _tree_of_variables(draw: st.DrawFn, depth: int = 0) -> dict:
    """A random nested dict/list structure of variables of assorted dtypes and shapes."""
    n = draw(st.integers(1, 3))
    out: dict = {}
    for i in range(n):
        kind = draw(st.sampled_from(["var", "var", "list", "dict"] if depth < 2 else ["var"]))
        if kind == "var":
            dtype = draw(mst.dtypes((tf.float32, tf.float64, tf.int32, tf.int64)))
            shape = draw(mst.shapes(max_dims=2, max_side=3))
            out[f"v{i}"] = tf.Variable(draw(mst.arrays(dtype, shape)))
        elif kind == "list":
            out[f"l{i}"] = [tf.Variable(float(j)) for j in range(draw(st.integers(1, 3)))]
        else:
            out[f"d{i}"] = _tree_of_variables(draw, depth + 1)
    return out


trees = st.composite(_tree_of_variables)


def _values(tree: dict) -> list:
    return [v.numpy() for v in tf.nest.flatten(tree)]


@settings(max_examples=20)
@given(trees())
def test_restore_of_save_is_identity(tree):
    ckpt = tf.train.Checkpoint(**tree)
    before = _values(tree)
    with tempfile.TemporaryDirectory() as d:
        path = ckpt.save(os.path.join(d, "ck"))
        for v in tf.nest.flatten(tree):  # scramble every value
            v.assign(np.zeros(v.shape, v.dtype.as_numpy_dtype) + 7)
        ckpt.restore(path).assert_consumed()
    for b, v in zip(before, tf.nest.flatten(tree)):
        np.testing.assert_array_equal(b, v.numpy())
        assert v.numpy().dtype == b.dtype


def test_keys_are_tensorflows(tmp_path):
    # Keys as real TF 2.21 lists them for this structure (tf.train.list_variables).
    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(1.0)
            self._private = tf.Variable(2.0)
            self.layers = [tf.Variable(3.0), {"a": tf.Variable(4.0)}]
            self.sub = tf.Module()
            self.sub.v = tf.Variable([1.0, 2.0])

    ckpt = tf.train.Checkpoint(model=M(), step=tf.Variable(1, dtype=tf.int64))
    path = ckpt.save(str(tmp_path / "ck"))
    assert tf.train.list_variables(path) == [
        ("_CHECKPOINTABLE_OBJECT_GRAPH", []),
        ("model/_private/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("model/layers/0/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("model/layers/1/a/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("model/sub/v/.ATTRIBUTES/VARIABLE_VALUE", [2]),
        ("model/w/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("save_counter/.ATTRIBUTES/VARIABLE_VALUE", []),
        ("step/.ATTRIBUTES/VARIABLE_VALUE", []),
    ]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ck-1.data-00000-of-00001",
                                            "ck-1.index"]


def test_lists_dicts_and_shared_variables_as_in_the_checkpoint_guide(tmp_path):
    # TF's "Training checkpoints" guide, section "Lists and dictionaries"; TF 2.21 prints
    # the same keys, 2.0, ListWrapper([]) and 1.0.
    save = tf.train.Checkpoint()
    save.listed = [tf.Variable(1.)]
    save.listed.append(tf.Variable(2.))
    save.mapped = {"one": save.listed[0]}
    save.mapped["two"] = save.listed[1]
    save_path = save.save(str(tmp_path / "tf_list_example"))
    # A variable reachable by two paths is stored once, under the first.
    assert [k for k, _ in tf.train.list_variables(save_path)] == [
        "_CHECKPOINTABLE_OBJECT_GRAPH", "listed/0/.ATTRIBUTES/VARIABLE_VALUE",
        "listed/1/.ATTRIBUTES/VARIABLE_VALUE", "save_counter/.ATTRIBUTES/VARIABLE_VALUE"]
    restore = tf.train.Checkpoint()
    v2 = tf.Variable(0.)
    restore.mapped = {"two": v2}
    status = restore.restore(save_path)
    assert v2.numpy() == 2.0  # found through the other path, mapped/two
    restore.listed = []
    assert repr(restore.listed) == "ListWrapper([])"
    v1 = tf.Variable(0.)
    restore.listed.append(v1)  # deferred: restored when attached
    assert v1.numpy() == 1.0
    status.assert_existing_objects_matched()


def test_load_variable_reads_values_and_the_object_graph(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).write(str(tmp_path / "c"))
    np.testing.assert_array_equal(tf.train.load_variable(path, "v/.ATTRIBUTES/VARIABLE_VALUE"),
                                  [1.0, 2.0])
    graph = json.loads(tf.train.load_variable(path, "_CHECKPOINTABLE_OBJECT_GRAPH"))
    assert graph == {"v/.ATTRIBUTES/VARIABLE_VALUE": {"dtype": "float32", "shape": [2]}}
    with pytest.raises(tf.errors.NotFoundError, match=r"Key w not found.*VARIABLE_VALUE"):
        tf.train.load_variable(path, "w")


def test_checkpoint_reader_as_in_tensorflow(tmp_path):
    # TF 2.21 gives the same maps (object graph included) for this checkpoint.
    path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]), s=tf.Variable(3)).write(
        str(tmp_path / "c"))
    reader = tf.train.load_checkpoint(path)
    assert reader.get_variable_to_shape_map() == {
        "v/.ATTRIBUTES/VARIABLE_VALUE": [2], "s/.ATTRIBUTES/VARIABLE_VALUE": [],
        "_CHECKPOINTABLE_OBJECT_GRAPH": []}
    assert reader.get_variable_to_dtype_map() == {
        "v/.ATTRIBUTES/VARIABLE_VALUE": tf.float32, "s/.ATTRIBUTES/VARIABLE_VALUE": tf.int32,
        "_CHECKPOINTABLE_OBJECT_GRAPH": tf.string}
    assert reader.has_tensor("v/.ATTRIBUTES/VARIABLE_VALUE") and not reader.has_tensor("nope")
    assert isinstance(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"), bytes)
    with pytest.raises(tf.errors.NotFoundError, match="Key nope not found"):
        reader.get_tensor("nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        tf.train.load_checkpoint(str(tmp_path / "empty"))


def test_save_counts_and_state_file(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    p1 = ckpt.save(str(tmp_path / "ck"))
    p2 = ckpt.save(str(tmp_path / "ck"))
    assert (os.path.basename(p1), os.path.basename(p2)) == ("ck-1", "ck-2")
    assert int(ckpt.save_counter.numpy()) == 2
    assert tf.train.latest_checkpoint(str(tmp_path)) == p2
    state = (tmp_path / "checkpoint").read_text()
    assert state.splitlines()[0] == 'model_checkpoint_path: "ck-2"'


def test_write_has_no_counter_and_no_state_file(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    path = ckpt.write(str(tmp_path / "weights"))
    assert path == str(tmp_path / "weights")
    assert not (tmp_path / "checkpoint").exists()
    assert ckpt._save_counter is None


def test_partial_restore_statuses(tmp_path):
    path = tf.train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0)).write(str(tmp_path / "c"))
    only_a = tf.train.Checkpoint(a=tf.Variable(0.0))
    status = only_a.restore(path)
    with pytest.raises(AssertionError, match="b/.ATTRIBUTES"):
        status.assert_consumed()
    status.assert_existing_objects_matched()
    assert float(only_a.a) == 1.0
    extra = tf.train.Checkpoint(a=tf.Variable(0.0), c=tf.Variable(0.0))
    with pytest.raises(AssertionError, match="c/.ATTRIBUTES"):
        extra.restore(path).assert_existing_objects_matched()
    with pytest.raises(AssertionError):
        tf.train.Checkpoint(z=tf.Variable(0.0)).restore(path).assert_nontrivial_match()


def test_deferred_restoration_into_variables_created_later(tmp_path):
    saved = tf.train.Checkpoint(model=tf.Module())
    saved.model.kernel = tf.Variable([[1.0, 2.0]])
    path = saved.write(str(tmp_path / "c"))

    restored = tf.train.Checkpoint(model=tf.Module())
    status = restored.restore(path)
    restored.model.kernel = tf.Variable([[0.0, 0.0]])  # created after restore()
    np.testing.assert_array_equal(restored.model.kernel.numpy(), [[1.0, 2.0]])
    status.assert_consumed()


def test_restore_none_is_initialization_only():
    status = tf.train.Checkpoint(v=tf.Variable(1.0)).restore(None)
    with pytest.raises(AssertionError):
        status.assert_consumed()


def test_shape_mismatch_names_the_key(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).write(str(tmp_path / "c"))
    with pytest.raises(ValueError, match="v/.ATTRIBUTES.*shape"):
        tf.train.Checkpoint(v=tf.Variable([1.0, 2.0, 3.0])).restore(path)


def test_non_trackable_argument_is_refused():
    with pytest.raises(ValueError, match="trackable"):
        tf.train.Checkpoint(lr=0.1)


def test_manager_rotation_and_state(tmp_path):
    v = tf.Variable(0.0)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(tmp_path), max_to_keep=2)
    for i in range(4):
        v.assign(float(i))
        manager.save()
    names = [os.path.basename(p) for p in manager.checkpoints]
    assert names == ["ckpt-3", "ckpt-4"]
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".index")) == [
        "ckpt-3.index", "ckpt-4.index"]
    assert tf.train.latest_checkpoint(str(tmp_path)) == manager.latest_checkpoint
    # A new manager on the same directory picks up the state file.
    again = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(0.0)), str(tmp_path),
                                       max_to_keep=2)
    assert again.checkpoints == manager.checkpoints
    fresh = tf.Variable(-1.0)
    tf.train.Checkpoint(v=fresh).restore(again.latest_checkpoint).assert_consumed()
    assert float(fresh) == 3.0


def test_manager_restore_or_initialize(tmp_path):
    called = []
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), str(tmp_path),
                                         init_fn=lambda: called.append(1))
    assert manager.restore_or_initialize() is None and called == [1]
    manager.save()
    assert manager.restore_or_initialize() == manager.latest_checkpoint


def test_manager_step_counter_and_interval(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step), str(tmp_path),
                                         step_counter=step, checkpoint_interval=10)
    saved = []
    for s in range(25):
        step.assign(s)
        saved.append(manager.save())
    assert [os.path.basename(p) for p in saved if p] == ["ckpt-0", "ckpt-10", "ckpt-20"]


# -- damaged and tampered files ------------------------------------------------------------
def _saved(tmp_path):
    v = tf.Variable(np.arange(1000, dtype=np.float32))
    return tf.train.Checkpoint(v=v).write(str(tmp_path / "c")), v


def test_truncated_data_file_is_refused(tmp_path):
    path, v = _saved(tmp_path)
    data = path + ".data-00000-of-00001"
    raw = open(data, "rb").read()
    open(data, "wb").write(raw[: len(raw) // 2])
    with pytest.raises(errors.DataLossError, match="damaged"):
        tf.train.Checkpoint(v=tf.Variable(np.zeros(1000, np.float32))).restore(path)


def test_truncated_index_is_refused(tmp_path):
    path, _ = _saved(tmp_path)
    raw = open(path + ".index", "rb").read()
    open(path + ".index", "wb").write(raw[: len(raw) // 2])
    with pytest.raises(errors.DataLossError, match="damaged"):
        tf.train.Checkpoint(v=tf.Variable(np.zeros(1000, np.float32))).restore(path)


def test_flipped_byte_in_data_is_detected(tmp_path):
    path, _ = _saved(tmp_path)
    data = path + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    # Flip a byte in the middle of the array payload (not the zip headers).
    raw[len(raw) // 2] ^= 0xFF
    open(data, "wb").write(bytes(raw))
    with pytest.raises(errors.DataLossError):
        tf.train.Checkpoint(v=tf.Variable(np.zeros(1000, np.float32))).restore(path)


def test_a_pickle_is_never_loaded(tmp_path):
    path, _ = _saved(tmp_path)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    # Replace the data file with an npz holding a pickled object array.
    arr = np.empty(1, dtype=object)
    arr[0] = Evil()
    with open(path + ".data-00000-of-00001", "wb") as f:
        np.savez(f, a0=arr, __checkpoint_id__=np.zeros(1, np.uint8))
    with pytest.raises(errors.DataLossError, match="unpickling"):
        tf.train.Checkpoint(v=tf.Variable(np.zeros(1000, np.float32))).restore(path)
    assert not marker.exists()
    # A raw pickle in place of the index is refused as damaged JSON.
    with open(path + ".index", "wb") as f:
        pickle.dump(Evil(), f)
    with pytest.raises(errors.DataLossError):
        tf.train.Checkpoint(v=tf.Variable(np.zeros(1000, np.float32))).restore(path)
    assert not marker.exists()


def test_index_from_another_save_is_refused(tmp_path):
    # Simulates a crash between renaming the new data file and the new index.
    path, v = _saved(tmp_path)
    old_index = open(path + ".index", "rb").read()
    v.assign(v + 1)
    tf.train.Checkpoint(v=v).write(path)
    open(path + ".index", "wb").write(old_index)
    with pytest.raises(errors.DataLossError, match="different saves"):
        tf.train.Checkpoint(v=tf.Variable(np.zeros(1000, np.float32))).restore(path)


def test_missing_checkpoint_is_not_found(tmp_path):
    with pytest.raises(errors.NotFoundError):
        tf.train.Checkpoint(v=tf.Variable(1.0)).restore(str(tmp_path / "nothing"))


def test_optimizer_slots_use_tf_keys_and_restore_when_created_later(tmp_path):
    # Keys as TF 2.21 lists them for an Adam optimizer after one step.
    v = tf.Variable([1.0], name="v")
    opt = tf.keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant([1.0]), v)])
    path = tf.train.Checkpoint(v=v, opt=opt).save(str(tmp_path / "c"))
    assert [k for k, _ in tf.train.list_variables(path)] == [
        "_CHECKPOINTABLE_OBJECT_GRAPH",
        "opt/_iterations/.ATTRIBUTES/VARIABLE_VALUE",
        "opt/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
        "opt/_variables/2/.ATTRIBUTES/VARIABLE_VALUE",
        "opt/_variables/3/.ATTRIBUTES/VARIABLE_VALUE",
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE",
        "v/.ATTRIBUTES/VARIABLE_VALUE",
    ]
    m, s = (x.numpy() for x in opt.variables[2:])
    # A new optimizer has no slots yet: they are restored the moment they are created.
    v2 = tf.Variable([0.0], name="v")
    opt2 = tf.keras.optimizers.Adam(0.1)
    status = tf.train.Checkpoint(v=v2, opt=opt2).restore(path)
    opt2.apply_gradients([(tf.constant([0.0]), v2)])  # builds the slots, then one step
    status.assert_consumed()
    assert int(opt2.iterations.numpy()) == 2
    # With a zero gradient Adam's moments only decay: m <- 0.9 m, s <- 0.999 s.
    np.testing.assert_allclose(opt2.variables[2].numpy(), 0.9 * m, rtol=1e-6)
    np.testing.assert_allclose(opt2.variables[3].numpy(), 0.999 * s, rtol=1e-6)
