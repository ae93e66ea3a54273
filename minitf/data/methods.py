"""The transformation methods of ``tf.data.Dataset`` (``ds.map(...)``, ``ds.batch(...)``).

Each method validates its arguments and returns a new dataset object; the classes live
in the module named after what they do (``transforms``, ``batching``, ``shuffle``,
``cache``, ``prefetch``), imported on first use to keep the modules independent.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(6).map(lambda x: x * x).batch(4)
    >>> [b.numpy().tolist() for b in ds]
    [[0, 1, 4, 9], [16, 25]]
"""

from __future__ import annotations

from typing import Any, Callable, Optional

__all__ = ["TransformationMethods"]


class TransformationMethods:
    """Mixin of ``Dataset``: every method returns a new ``Dataset``."""

    def map(self, map_func: Callable[..., Any], num_parallel_calls: Optional[int] = None,
            deterministic: Optional[bool] = None, name: Optional[str] = None) -> Any:
        """Applies ``map_func`` to each element.

        A tuple element ``(x, y)`` is passed as two arguments; a dict or single tensor as
        one. ``num_parallel_calls`` (an int or ``tf.data.AUTOTUNE``) runs the function in
        that many threads; the order of elements is kept either way.

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2], [10, 20]))
            >>> list(ds.map(lambda x, y: x + y).as_numpy_iterator())
            [np.int32(11), np.int32(22)]
        """
        from minitf.data.transforms import MapDataset
        return MapDataset(self, map_func, num_parallel_calls)

    def flat_map(self, map_func: Callable[..., Any], name: Optional[str] = None) -> Any:
        """Maps each element to a dataset and chains those datasets, in order.

        Example:
            >>> import minitf as tf
            >>> rows = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]])
            >>> [int(x) for x in rows.flat_map(tf.data.Dataset.from_tensor_slices)]
            [1, 2, 3, 4]
        """
        from minitf.data.interleave import interleave
        return interleave(self, map_func, 1, 1, None, "flat_map")

    def interleave(self, map_func: Callable[..., Any], cycle_length: Optional[int] = None,
                   block_length: Optional[int] = None,
                   num_parallel_calls: Optional[int] = None,
                   deterministic: Optional[bool] = None, name: Optional[str] = None) -> Any:
        """Maps each element to a dataset and reads ``cycle_length`` of them at a time,
        ``block_length`` elements from each in turn (see :mod:`minitf.data.interleave`).

        ``cycle_length`` defaults to the number of CPU cores, ``block_length`` to 1;
        ``num_parallel_calls`` is accepted and the order kept.

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(1, 4)
            >>> tens = ds.interleave(lambda x: tf.data.Dataset.range(2).map(lambda i: 10 * x + i),
            ...                      cycle_length=3)
            >>> [int(v) for v in tens]
            [10, 20, 30, 11, 21, 31]
        """
        from minitf.data.interleave import interleave
        return interleave(self, map_func, cycle_length, block_length, num_parallel_calls,
                          "interleave")

    def filter(self, predicate: Callable[..., Any], name: Optional[str] = None) -> Any:
        """Keeps the elements for which ``predicate`` returns a scalar ``True``.

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.range(6).filter(lambda x: x > 3).as_numpy_iterator())
            [np.int64(4), np.int64(5)]
        """
        from minitf.data.transforms import FilterDataset
        return FilterDataset(self, predicate)

    def take_while(self, predicate: Callable[..., Any], name: Optional[str] = None) -> Any:
        """The elements up to (not including) the first for which ``predicate`` is False.

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.range(9).take_while(lambda x: x < 3).as_numpy_iterator())
            [np.int64(0), np.int64(1), np.int64(2)]
        """
        from minitf.data.transforms import TakeWhileDataset
        return TakeWhileDataset(self, predicate)

    def batch(self, batch_size: Any, drop_remainder: bool = False,
              num_parallel_calls: Optional[int] = None, deterministic: Optional[bool] = None,
              name: Optional[str] = None) -> Any:
        """Stacks ``batch_size`` consecutive elements; the last batch may be smaller
        unless ``drop_remainder=True``.

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(5)
            >>> [b.shape.as_list() for b in ds.batch(2)], int(ds.batch(2, True).cardinality())
            ([[2], [2], [1]], 2)
        """
        from minitf.data.batching import BatchDataset
        return BatchDataset(self, batch_size, drop_remainder)

    def window(self, size: Any, shift: Any = None, stride: Any = 1,
               drop_remainder: bool = False, name: Optional[str] = None) -> Any:
        """Groups elements into windows, each a small dataset (see
        :mod:`minitf.data.window`): window ``k`` starts at element ``k·shift`` (default
        ``shift = size``) and takes every ``stride``-th element, ``size`` of them.

        Example:
            >>> import minitf as tf
            >>> runs = tf.data.Dataset.range(6).window(3, shift=1, drop_remainder=True)
            >>> [b.numpy().tolist() for b in runs.flat_map(lambda w: w.batch(3))]
            [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
        """
        from minitf.data.window import window
        return window(self, size, shift, stride, drop_remainder)

    def unbatch(self, name: Optional[str] = None) -> Any:
        """Splits each element into its rows (the inverse of ``batch``).

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.from_tensors([[1, 2], [3, 4]]).unbatch()
            >>> list(ds.as_numpy_iterator())
            [array([1, 2], dtype=int32), array([3, 4], dtype=int32)]
        """
        from minitf.data.batching import UnbatchDataset
        return UnbatchDataset(self)

    def padded_batch(self, batch_size: Any, padded_shapes: Any = None,
                     padding_values: Any = None, drop_remainder: bool = False,
                     name: Optional[str] = None) -> Any:
        """Batches elements of different shapes, padding each to a common shape.

        Args:
            batch_size: elements per batch.
            padded_shapes: the shape to pad each component to (None dims: the longest in
                the batch). Default: every dimension to the longest in the batch.
            padding_values: the scalar to pad with per component (default 0).
            drop_remainder: drop a last, smaller batch.

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x))
            >>> [b.numpy().tolist() for b in ds.padded_batch(2)]
            [[[1, 0], [2, 2]], [[3, 3, 3]]]
        """
        from minitf.data.batching import PaddedBatchDataset
        return PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                  drop_remainder)

    def shuffle(self, buffer_size: Any, seed: Optional[int] = None,
                reshuffle_each_iteration: Optional[bool] = None,
                name: Optional[str] = None) -> Any:
        """Shuffles with a buffer of ``buffer_size`` elements (a full shuffle needs a
        buffer as large as the dataset); a new order each pass unless
        ``reshuffle_each_iteration=False``.

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(5).shuffle(5, seed=0)
            >>> sorted(int(x) for x in ds)
            [0, 1, 2, 3, 4]
        """
        from minitf.data.shuffle import ShuffleDataset
        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count: Any = None, name: Optional[str] = None) -> Any:
        """``count`` passes over the dataset (forever when None or -1).

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.range(2).repeat(2).as_numpy_iterator())
            [np.int64(0), np.int64(1), np.int64(0), np.int64(1)]
        """
        from minitf.data.transforms import RepeatDataset
        return RepeatDataset(self, count)

    def take(self, count: Any, name: Optional[str] = None) -> Any:
        """The first ``count`` elements (all of them for -1).

        Example:
            >>> import minitf as tf
            >>> int(tf.data.Dataset.range(10).take(3).cardinality())
            3
        """
        from minitf.data.transforms import TakeDataset
        return TakeDataset(self, count)

    def skip(self, count: Any, name: Optional[str] = None) -> Any:
        """All but the first ``count`` elements (none for -1).

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.range(4).skip(2).as_numpy_iterator())
            [np.int64(2), np.int64(3)]
        """
        from minitf.data.transforms import SkipDataset
        return SkipDataset(self, count)

    def enumerate(self, start: Any = 0, name: Optional[str] = None) -> Any:
        """Pairs each element with its int64 position, counting from ``start``.

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.range(7, 9).enumerate().as_numpy_iterator())
            [(np.int64(0), np.int64(7)), (np.int64(1), np.int64(8))]
        """
        from minitf.data.transforms import EnumerateDataset
        return EnumerateDataset(self, start)

    def shard(self, num_shards: Any, index: Any, name: Optional[str] = None) -> Any:
        """Every ``num_shards``-th element, starting at ``index`` (one worker's share).

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.range(7).shard(3, 1).as_numpy_iterator())
            [np.int64(1), np.int64(4)]
        """
        from minitf.data.transforms import ShardDataset
        return ShardDataset(self, num_shards, index)

    def concatenate(self, dataset: Any, name: Optional[str] = None) -> Any:
        """The elements of this dataset followed by those of ``dataset``.

        Example:
            >>> import minitf as tf
            >>> a = tf.data.Dataset.range(2)
            >>> list(a.concatenate(a).as_numpy_iterator())
            [np.int64(0), np.int64(1), np.int64(0), np.int64(1)]
        """
        from minitf.data.sources import ConcatenateDataset
        return ConcatenateDataset(self, dataset)

    def cache(self, filename: Any = "", name: Optional[str] = None) -> Any:
        """Keeps the elements of the first complete pass, in memory or (with a filename)
        in the data-only file ``filename + ".npz"``; later passes read the cache.

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(5).shuffle(5).cache()
            >>> list(ds.as_numpy_iterator()) == list(ds.as_numpy_iterator())
            True
        """
        from minitf.data.cache import CacheDataset
        return CacheDataset(self, filename)

    def prefetch(self, buffer_size: Any, name: Optional[str] = None) -> Any:
        """Makes up to ``buffer_size`` elements ahead in a background thread
        (``tf.data.AUTOTUNE`` picks the size; 0 turns prefetching off).

        Example:
            >>> import minitf as tf
            >>> [int(x) for x in tf.data.Dataset.range(3).prefetch(1)]
            [0, 1, 2]
        """
        from minitf.data.prefetch import PrefetchDataset
        return PrefetchDataset(self, buffer_size)

    def with_options(self, options: Any, name: Optional[str] = None) -> Any:
        """The same dataset with ``tf.data.Options`` attached (see ``options()``).

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(2).with_options(tf.data.Options())
            >>> int(ds.cardinality())
            2
        """
        from minitf.data.transforms import OptionsDataset
        return OptionsDataset(self, options)
