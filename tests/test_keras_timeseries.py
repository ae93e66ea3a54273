"""``keras.utils.timeseries_dataset_from_array``: the windows and targets TensorFlow 2.21
yields, Keras 3's argument checks, shuffling, and training on the dataset."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf

pytestmark = pytest.mark.keras
windows_of = tf.keras.utils.timeseries_dataset_from_array
DATA, TARGETS = np.arange(12), np.arange(12) * 10


def as_lists(ds):
    out = []
    for element in ds:
        if isinstance(element, tuple):
            out.append(tuple(t.numpy().tolist() for t in element))
        else:
            out.append(element.numpy().tolist())
    return out


# Each case's expectation is what TensorFlow 2.21 printed for the same call (the
# element lists of `for x, y in ds`).
TF_PRINTED = [
    ("start_end_stride_rate",
     lambda: windows_of(DATA, TARGETS, sequence_length=3, sequence_stride=2, sampling_rate=2,
                        batch_size=2, start_index=1, end_index=11),
     [([[1, 3, 5], [3, 5, 7]], [10, 30]), ([[5, 7, 9]], [50])]),
    ("no_targets",
     lambda: windows_of(DATA, None, sequence_length=4, batch_size=3),
     [[[0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5]], [[3, 4, 5, 6], [4, 5, 6, 7], [5, 6, 7, 8]],
      [[6, 7, 8, 9], [7, 8, 9, 10], [8, 9, 10, 11]]]),
    ("predict_next_step_unbatched",
     lambda: windows_of(DATA[:-3], DATA[3:], sequence_length=3, batch_size=None),
     [([0, 1, 2], 3), ([1, 2, 3], 4), ([2, 3, 4], 5), ([3, 4, 5], 6), ([4, 5, 6], 7),
      ([5, 6, 7], 8), ([6, 7, 8], 9)]),
    ("features",
     lambda: windows_of(np.arange(16, dtype=np.float32).reshape(8, 2), np.arange(8),
                        sequence_length=2, sequence_stride=3, batch_size=2),
     [([[[0.0, 1.0], [2.0, 3.0]], [[6.0, 7.0], [8.0, 9.0]]], [0, 3]),
      ([[[12.0, 13.0], [14.0, 15.0]]], [6])]),
    ("short_targets_limit_the_windows",
     lambda: windows_of(DATA, TARGETS[:4], sequence_length=3, batch_size=8),
     [([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 10, 20, 30])]),
    ("window_longer_than_data",
     lambda: windows_of(DATA, None, sequence_length=11, sampling_rate=2, batch_size=8), []),
]


@pytest.mark.parametrize("name,make,expected", TF_PRINTED, ids=[c[0] for c in TF_PRINTED])
def test_windows_and_targets_match_tensorflow(name, make, expected):
    assert as_lists(make()) == expected


def test_dtypes_and_element_spec():
    ds = windows_of(DATA, TARGETS, sequence_length=3, batch_size=4)
    x_spec, y_spec = ds.element_spec
    # TF 2.21: int64 windows (None, None) and int64 targets (None,); minitf also knows the
    # window length, 3.
    assert (x_spec.dtype, y_spec.dtype) == (tf.int64, tf.int64)
    assert x_spec.shape.as_list() == [None, 3] and y_spec.shape.as_list() == [None]
    floats = windows_of(tf.constant(np.ones((5, 2), np.float32)), None, sequence_length=2)
    assert floats.element_spec.dtype == tf.float32
    assert int(ds.cardinality()) == 3


def reference_windows(data, targets, length, stride, rate, start, end):
    """Keras's definition: window i starts at start + i·stride, its steps rate apart, and
    its target is targets[start + i·stride]."""
    start = start or 0
    end = len(data) if end is None else end
    count = end - start - (length - 1) * rate
    if targets is not None:
        count = min(count, len(targets))
    out = []
    for p in range(0, max(count, 0), stride):
        window = [data[start + p + k * rate] for k in range(length)]
        out.append(window if targets is None else (window, targets[start + p]))
    return out


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 30), length=st.integers(1, 6), stride=st.integers(1, 4),
       rate=st.integers(1, 3), batch=st.integers(1, 5), with_targets=st.booleans(),
       window=st.tuples(st.integers(0, 29), st.integers(0, 29)))
def test_windows_follow_kerass_definition(n, length, stride, rate, batch, with_targets,
                                          window):
    data = list(range(100, 100 + n))
    targets = [-v for v in data] if with_targets else None
    start, end = sorted(window)
    start = start if start < n else None
    end = end if start is not None and start < end < n else None
    if rate >= n or stride >= n:
        return  # refused (tested below)
    ds = windows_of(np.array(data), None if targets is None else np.array(targets),
                    sequence_length=length, sequence_stride=stride, sampling_rate=rate,
                    batch_size=batch, start_index=start, end_index=end)
    got = [e for b in as_lists(ds) for e in (zip(*b) if with_targets else b)]
    got = [(list(w), t) for w, t in got] if with_targets else got
    assert got == reference_windows(data, targets, length, stride, rate, start, end)


def test_shuffle_keeps_each_window_with_its_target():
    ds = windows_of(DATA, TARGETS, sequence_length=3, batch_size=4, shuffle=True, seed=1)
    first = as_lists(ds)
    pairs = [(tuple(w), t) for x, y in first for w, t in zip(x, y)]
    assert sorted(pairs) == [((s, s + 1, s + 2), 10 * s) for s in range(10)]
    assert [y for _, y in first] != [[0, 10, 20, 30], [40, 50, 60, 70], [80, 90]]
    # A seed makes the order reproducible; each pass (epoch) gets a new order, as in Keras.
    again = windows_of(DATA, TARGETS, sequence_length=3, batch_size=4, shuffle=True, seed=1)
    assert as_lists(again) == first
    assert as_lists(ds) != first


def test_argument_errors_are_kerass():
    cases = [
        (dict(start_index=-1), "`start_index` must be 0 or greater"),
        (dict(start_index=12), "`start_index` must be lower than the length of the data"),
        (dict(start_index=5, end_index=5), "`end_index` must be higher than `start_index`"),
        (dict(end_index=12), "`end_index` must be lower than the length of the data"),
        (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
        (dict(sampling_rate=12), "`sampling_rate` must be lower than the length"),
        (dict(sequence_stride=0), "`sequence_stride` must be higher than 0"),
        (dict(sequence_stride=12), "`sequence_stride` must be lower than the length"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            windows_of(DATA, None, sequence_length=2, **kwargs)
    with pytest.raises(ValueError, match="has no target: targets has 4 entries"):
        windows_of(DATA, TARGETS[:4], sequence_length=2, start_index=3)


def test_fit_a_forecaster_on_the_windows():
    # Predict the next value of a sine wave from the previous 8.
    series = np.sin(np.arange(200) * 0.3).astype(np.float32)[:, None]
    ds = windows_of(series[:-8], series[8:, 0], sequence_length=8, batch_size=32)
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((8, 1)), tf.keras.layers.Conv1D(4, 3),
                                 tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="mse")
    history = model.fit(ds, epochs=10, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.1 * losses[0], losses
    x, y = next(iter(ds))
    np.testing.assert_array_equal(x.numpy()[1, :, 0], series[1:9, 0])
    np.testing.assert_array_equal(y.numpy()[1], series[9, 0])
