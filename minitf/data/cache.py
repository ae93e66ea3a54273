"""``cache``: remember the elements of the first complete pass.

``cache()`` keeps them in memory; ``cache(filename)`` writes them to
``filename + ".npz"`` — a data-only NumPy archive, read back with
``allow_pickle=False``, written atomically (temporary file, then rename) and only once a
pass has finished, so an abandoned pass never leaves a partial cache. Later passes (and
later programs using the same filename) read the cache instead of running the input
pipeline, so anything random upstream (a ``shuffle`` before ``cache``) is frozen.

Layout of the archive: ``__meta__`` (JSON, as bytes) gives the element count and each
component's dtype; component ``k`` is ``c{k}`` (all elements stacked) when every element
has the same shape, else ``c{k}_values`` (all elements raveled end to end) plus
``c{k}_shapes`` (one row of dims per element).

Example:
    >>> import minitf as tf
    >>> calls = []
    >>> ds = tf.data.Dataset.range(3).map(lambda x: (calls.append(1), x)[1]).cache()
    >>> _ = list(ds.as_numpy_iterator()); n = len(calls)
    >>> list(ds.as_numpy_iterator()), len(calls) == n
    ([np.int64(0), np.int64(1), np.int64(2)], True)
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from typing import Any, Iterator, Optional

import numpy as np

from minitf import errors
from minitf.data import structure
from minitf.data.dataset import Dataset
from minitf.data.plan import RowPlan, one_order

__all__ = ["CacheDataset", "write_cache_file", "read_cache_file"]

_FORMAT = "minitf.data.cache/1"


def _check_storable(spec_leaves: list, path: str) -> None:
    for s in spec_leaves:
        if s.dtype.name == "string":
            raise errors.UnimplementedError(
                None, None, f"cache({path!r}): string components cannot be written to a "
                f"data-only cache file yet; use cache() (in memory) instead.")


def write_cache_file(path: str, components: list, count: int, spec_leaves: list) -> None:
    """Writes flat components to ``path``: each one array of stacked rows, or a list of
    per-element arrays."""
    arrays: dict = {}
    ragged = []
    for k, parts in enumerate(components):
        if isinstance(parts, np.ndarray):
            arrays[f"c{k}"] = parts
            ragged.append(False)
            continue
        shapes = {p.shape for p in parts}
        if len(shapes) <= 1:
            arrays[f"c{k}"] = (np.stack(parts) if parts else
                               np.zeros((0,), spec_leaves[k].dtype.np))
            ragged.append(False)
        else:
            arrays[f"c{k}_values"] = np.concatenate([np.ravel(p) for p in parts])
            rank = parts[0].ndim
            arrays[f"c{k}_shapes"] = np.array([p.shape for p in parts],
                                              np.int64).reshape(len(parts), rank)
            ragged.append(True)
    meta = {"format": _FORMAT, "count": count, "ragged": ragged,
            "dtypes": [s.dtype.name for s in spec_leaves]}
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)  # atomic: readers see the old state or the whole file
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_cache_file(path: str, spec_leaves: list) -> tuple[list, bool]:
    """Reads a cache file: ``(components, uniform)``.

    ``uniform``: every component is one stacked array (usable as a row plan); otherwise
    each component is a list of per-element arrays.

    Raises:
        DataLossError: for a damaged file or one written for other element types.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(archive["__meta__"].tobytes().decode())
            files = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise errors.DataLossError(
            None, None, f"cache: cannot read the cache file {path!r} ({e}). Delete it to "
                        f"rebuild the cache on the next pass.") from None
    dtypes = [s.dtype.name for s in spec_leaves]
    if meta.get("format") != _FORMAT or meta.get("dtypes") != dtypes:
        raise errors.DataLossError(
            None, None, f"cache: the file {path!r} holds elements of dtypes "
            f"{meta.get('dtypes')}, but this dataset's are {dtypes}. Delete the file or "
            f"use another filename.")
    count, components = meta["count"], []
    for k, is_ragged in enumerate(meta["ragged"]):
        if not is_ragged:
            components.append(files[f"c{k}"][:count])
            continue
        values, shapes = files[f"c{k}_values"], files[f"c{k}_shapes"]
        sizes = np.prod(shapes, axis=1).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        components.append([values[starts[i]:starts[i + 1]].reshape(tuple(shapes[i]))
                           for i in range(count)])
    return components, not any(meta["ragged"])


class CacheDataset(Dataset):
    """``cache(filename="")``: the first complete pass, replayed."""

    _tf_name = "CacheDataset"

    def __init__(self, input_dataset: Dataset, filename: Any) -> None:
        name = os.fspath(filename) if filename is not None else ""
        self._path = f"{name}.npz" if name else None
        self._lock = threading.Lock()
        self._memory: Optional[list] = None  # flat elements of the first complete pass
        self._order: Optional[np.ndarray] = None  # frozen row order (row-plan inputs)
        self._file_seen: Optional[tuple] = None  # (stat key, components, uniform)
        super().__init__((input_dataset,), None)

    # -- the file ------------------------------------------------------------------------
    def _read_file(self) -> Optional[tuple]:
        if self._path is None or not os.path.exists(self._path):
            return None
        st = os.stat(self._path)
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._file_seen is None or self._file_seen[0] != key:
                leaves = structure.flatten(self.element_spec)
                self._file_seen = (key, *read_cache_file(self._path, leaves))
            return self._file_seen[1:]

    def _write_file(self, elements: list) -> None:
        leaves = structure.flatten(self.element_spec)
        _check_storable(leaves, self._path)
        components = [[e[k] for e in elements] for k in range(len(leaves))]
        write_cache_file(self._path, components, len(elements), leaves)

    # -- the hooks -----------------------------------------------------------------------
    def _plan(self) -> Optional[RowPlan]:
        stored = self._read_file()
        if stored is not None:
            components, uniform = stored
            if not uniform:
                return None
            return RowPlan.rows(list(components))
        plan = self._inputs[0]._plan()
        if plan is None or plan.rows_per_pass < 0:
            return None
        if self._path is not None:  # write the rows now: gathering them is one copy
            _check_storable(structure.flatten(self.element_spec), self._path)
            order = one_order(plan.orders())
            components = [a[order] for a in plan.arrays]
            write_cache_file(self._path, components, len(order),
                             structure.flatten(self.element_spec))
            return RowPlan.rows(components)
        with self._lock:
            if self._order is None:
                self._order = one_order(plan.orders())
            order = self._order
        return plan.with_orders(lambda: iter((order,)), len(order))

    def _generate(self) -> Iterator[list]:
        plan = self._plan()
        if plan is not None:
            return Dataset._generate(self)
        stored = self._read_file()
        if stored is not None:
            return iter([list(e) for e in zip(*stored[0])])
        if self._memory is not None:
            return iter(self._memory)
        return self._record()

    def _record(self) -> Iterator[list]:
        seen = []
        for flat in self._inputs[0]._elements():
            seen.append(flat)
            yield flat
        # Only a complete pass is kept; an abandoned one never reaches this line.
        if self._path is not None:
            self._write_file(seen)
        else:
            with self._lock:
                if self._memory is None:
                    self._memory = seen

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()
