"""``keras.utils.timeseries_dataset_from_array``: sliding windows over a time series as a
``tf.data.Dataset`` of ``(windows, targets)`` batches.

Window ``i`` starts at step ``p_i = start_index + i · sequence_stride`` and reads
``sequence_length`` steps, ``sampling_rate`` apart: ``data[p_i + k · sampling_rate]``.
Its target is ``targets[p_i]`` — the target of the window's *first* step, so to predict
the step after a window, pass ``targets = data[sequence_length:]`` (Keras's convention).

The windows are not copied up front: the dataset holds the start positions, and one
``tf.gather`` per batch reads the windows when the batch is requested.

Example:
    >>> import numpy as np
    >>> import minitf as tf
    >>> data = np.arange(10)
    >>> ds = tf.keras.utils.timeseries_dataset_from_array(
    ...     data[:-3], data[3:], sequence_length=3, batch_size=4)
    >>> for x, y in ds:
    ...     print(x.numpy().tolist(), y.numpy().tolist())
    [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]] [3, 4, 5, 6]
    [[4, 5, 6]] [7]
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

__all__ = ["timeseries_dataset_from_array"]


def _check_arguments(n: int, sequence_stride: int, sampling_rate: int,
                     start_index: Optional[int], end_index: Optional[int]) -> None:
    """Keras 3's argument checks, with its messages (``start_index=0`` is not checked)."""
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index}")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")


def _host(value: Any) -> np.ndarray:
    return np.asarray(value.numpy()) if hasattr(value, "numpy") else np.asarray(value)


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: Optional[int] = 128, shuffle: bool = False,
                                  seed: Optional[int] = None, start_index: Optional[int] = None,
                                  end_index: Optional[int] = None) -> Any:
    """Sliding windows over ``data`` (axis 0 is time), optionally paired with targets.

    Args:
        data: an array or tensor of consecutive time steps, shape ``(steps, ...)``.
        targets: ``targets[i]`` is the target of the window starting at step ``i`` (of
            ``data[start_index:]``), or None for windows alone.
        sequence_length: the number of steps in a window.
        sequence_stride: the step between the starts of consecutive windows.
        sampling_rate: the step between the time steps inside a window.
        batch_size: windows per batch (default 128); None yields single windows.
        shuffle: shuffle the window order (the start positions with
            ``np.random.RandomState(seed)``, then a ``Dataset.shuffle`` of
            ``8 · batch_size`` windows, as Keras does; the shuffled order is minitf's own,
            not TF's).
        seed: the seed for shuffling.
        start_index, end_index: use only ``data[start_index:end_index]`` (end excluded);
            e.g. to split a series into training and validation ranges.

    Returns:
        A ``tf.data.Dataset`` of ``(batch_of_windows, batch_of_targets)`` (or of windows
        alone when ``targets`` is None); windows have shape ``(batch, sequence_length,
        ...)``. Windows that would run past ``end_index`` are dropped.

    Raises:
        ValueError: for an out-of-range index, rate or stride (Keras's checks and
            messages), or ``targets`` too short for the windows.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> ds = tf.keras.utils.timeseries_dataset_from_array(
        ...     np.arange(12), None, sequence_length=3, sequence_stride=2, sampling_rate=2,
        ...     batch_size=2, start_index=1, end_index=11)
        >>> [batch.numpy().tolist() for batch in ds]
        [[[1, 3, 5], [3, 5, 7]], [[5, 7, 9]]]
    """
    from minitf.data import Dataset
    from minitf.ops.creation import constant
    from minitf.ops.indexing import gather

    data = _host(data)
    _check_arguments(len(data), sequence_stride, sampling_rate, start_index, end_index)
    start = 0 if start_index is None else int(start_index)
    end = len(data) if end_index is None else int(end_index)
    # Window i covers steps p_i, p_i + rate, ..., p_i + (length - 1) · rate of the range.
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = _host(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int32)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        np.random.RandomState(seed).shuffle(positions)

    steps = constant(data[start:end])
    offsets = (np.arange(sequence_length) * sampling_rate).astype(np.int32)
    if targets is not None:
        # Targets are indexed from start_index too, like the data (Keras's alignment).
        target_steps = targets[start:end]
        if len(positions) and positions.max() >= len(target_steps):
            raise ValueError(
                f"timeseries_dataset_from_array: the window starting at step "
                f"{start + int(positions.max())} has no target: targets has {len(targets)} "
                f"entries. Give targets at least as many steps as data (targets[i] belongs to "
                f"the window starting at data step i).")
        target_steps = constant(target_steps)

    def windows(p: Any) -> Any:
        # p: start positions, shape (batch,) or (); p[..., None] + offsets indexes steps.
        x = gather(steps, p[..., None] + offsets)
        return x if targets is None else (x, gather(target_steps, p))

    dataset = Dataset.from_tensor_slices(positions)
    if shuffle:
        # Keras shuffles again within a buffer, so each epoch sees a new order.
        dataset = dataset.shuffle(8 * batch_size if batch_size is not None else 1024,
                                  seed=seed)
    if batch_size is not None:
        # Batch the positions first, so one gather reads a whole batch of windows.
        dataset = dataset.batch(batch_size)
    return dataset.map(windows)
