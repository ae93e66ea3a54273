"""``tf.Module``: tracking variables and submodules in TensorFlow's order, names, scopes.

Orders and names marked "TF 2.21" were printed by TensorFlow 2.21 for the same classes.
"""

from __future__ import annotations

import pytest

import minitf as tf

pytestmark = pytest.mark.modules


class _Tree(tf.Module):
    def __init__(self):
        super().__init__(name="outer")
        self.z = tf.Variable(1.0, name="z")
        self.a = tf.Variable(2.0, name="a", trainable=False)
        self.lst = [tf.Variable(3.0, name="l0"),
                    {"k2": tf.Variable(4.0, name="d2"), "k1": tf.Variable(5.0, name="d1")}]
        with self.name_scope:
            self.inner = tf.Module(name="inner")
            self.inner.v = tf.Variable(6.0, name="iv")
            self.c = tf.Variable(7.0, name="c")
        self.b = (tf.Variable(8.0, name="b"),)


def test_variables_in_tensorflow_order():
    m = _Tree()
    # TF 2.21: attributes by sorted name, dicts by sorted key, submodules' contents last.
    assert [v.name for v in m.variables] == [
        "a:0", "b:0", "outer/c:0", "l0:0", "d1:0", "d2:0", "z:0", "outer/iv:0"]
    assert [v.name for v in m.trainable_variables] == [
        "b:0", "outer/c:0", "l0:0", "d1:0", "d2:0", "z:0", "outer/iv:0"]
    assert [v.name for v in m.non_trainable_variables] == ["a:0"]
    assert [s.name for s in m.submodules] == ["inner"]
    assert (m.name, m.name_scope.name) == ("outer", "outer/")


class _Shared(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable(1.0, name="v")
        self._hidden = tf.Variable(2.0, name="h")
        self.sub = tf.Module(name="sub2")
        self.sub.w = tf.Variable(3.0, name="w")
        self.mods = [tf.Module(name="m1"), tf.Module(name="m0")]
        self.same = self.v


def test_each_object_is_reported_once_and_submodules_parents_first():
    m = _Shared()
    # TF 2.21
    assert [v.name for v in m.variables] == ["h:0", "v:0", "w:0"]
    assert [s.name for s in m.submodules] == ["m1", "m0", "sub2"]
    assert m.name == "__shared"  # TF 2.21 (camel_to_snake of "_Shared")


def test_default_names_are_snake_case_class_names():
    class MyName(tf.Module):
        pass

    class MLP(tf.Module):
        pass

    # TF 2.21: "my_name", and an explicit name wins.
    assert (MyName().name, MyName(name="x").name, MLP().name) == ("my_name", "x", "mlp")
    assert tf.Module().name == "module"


def test_invalid_names_are_refused_with_tensorflows_message():
    with pytest.raises(ValueError, match="'bad name' is not a valid module name. Module names "
                                         "must be valid Python identifiers"):
        tf.Module(name="bad name")


def test_name_scope_and_with_name_scope_prefix_variable_names():
    class B(tf.Module):
        def __init__(self):
            super().__init__(name="b")
            with self.name_scope:
                self.v = tf.Variable(1.0, name="v")

        @tf.Module.with_name_scope
        def make(self):
            return tf.Variable(2.0, name="made")

    b = B()
    assert (b.v.name, b.make().name, b.name_scope.name) == ("b/v:0", "b/made:0", "b/")  # TF
    with tf.name_scope("outer"):
        inner = tf.Module(name="inner")
    with inner.name_scope:
        q = tf.Variable(1.0, name="q")
    assert (inner.name_scope.name, q.name) == ("outer/inner/", "outer/inner/q:0")  # TF 2.21


def test_modules_without_super_init_still_track_variables():
    class NoInit(tf.Module):
        def __init__(self, value):
            self.weight = tf.Variable(value)

    m = NoInit(3)
    assert m.variables == (m.weight,)
    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        _ = m.name


def test_flatten_with_a_predicate_and_paths():
    m = tf.Module()
    m.t = tf.constant(1.0)
    m.pair = [tf.constant(2.0), 3]
    assert [float(t) for t in m._flatten(predicate=tf.is_tensor)] == [2.0, 1.0]
    paths = [p for p, _ in m._flatten(predicate=tf.is_tensor, with_path=True)]
    assert paths == [("pair", 0), ("t",)]


def test_traced_methods_do_not_disturb_tracking():
    class Dense(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([[1.0], [2.0]], name="w")

        @tf.function
        def __call__(self, x):
            return x @ self.w

    d = Dense()
    d(tf.constant([[1.0, 1.0]]))
    assert [v.name for v in d.variables] == ["w:0"] and d.submodules == ()


def test_variables_follow_every_change_of_the_attributes():
    # `variables` may reuse its last answer only while no attribute changed.
    import gc
    import weakref

    class Flat(tf.Module):
        def __init__(self):
            super().__init__()
            self.a = tf.Variable(1.0, name="a")
            self.rate = 0.5

    m = Flat()
    assert [v.name for v in m.variables] == ["a:0"]
    assert [v.name for v in m.variables] == ["a:0"]  # asked again: the same answer
    m.b = tf.Variable(2.0, name="b")
    assert [v.name for v in m.variables] == ["a:0", "b:0"]
    m.a = tf.Variable(3.0, name="a2")
    assert [v.name for v in m.variables] == ["a2:0", "b:0"]
    del m.b
    assert [v.name for v in m.variables] == ["a2:0"]
    m.more = []  # a list can grow in place: walked on every call
    m.variables
    m.more.append(tf.Variable(4.0, name="c"))
    assert [v.name for v in m.variables] == ["a2:0", "c:0"]
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None

    class Single(tf.Module):  # one attribute; and one written straight into __dict__
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(1.0, name="w")

    single = Single()
    assert [v.name for v in single.variables] == ["w:0"]
    assert [v.name for v in single.variables] == ["w:0"]
    vars(single)["w"] = tf.Variable(2.0, name="w2")
    assert [v.name for v in single.variables] == ["w2:0"]
    del single.w
    single.u = tf.Variable(3.0, name="u")  # one name gone, another come: as many names
    assert [v.name for v in single.variables] == ["u:0"]
    vars(single)["u"] = 1.0  # a variable replaced by a plain value, behind its back
    assert single.variables == ()
