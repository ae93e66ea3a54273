"""Testing helpers: compare tensors, and check gradients against finite differences.

``check_grads`` is how minitf's own tests prove every VJP rule, and how a student checks
the gradient of a new composite function or ``custom_gradient``:

* **direction** — for each argument ``x_i`` pick random directions ``u`` (input) and
  ``v`` (output cotangent). Reverse mode gives ``<J_i^T v, u>``; a central finite
  difference gives ``<v, (f(x_i + eps u) - f(x_i - eps u)) / 2 eps>``. Both are the
  same number, ``v^T J_i u``, when the VJP is right.
* **jacobian** — on small inputs, the whole Jacobian: one backward pass per output
  element against one finite difference per input element, so a failure points at one
  entry ``d out[m] / d args[i][k]``.

Everything runs in float64, where a central difference with ``eps = 1e-6`` is accurate
to about 1e-8 (truncation ``eps² f'''/6`` and rounding ``ulp(f)/eps`` both small).
``order=2`` checks the gradient of the gradient (the VJP of the VJP), ``order=3`` the
next one, each against finite differences of the order below.

Example:
    >>> import minitf as tf
    >>> from minitf.testing import check_grads
    >>> check_grads(tf.tanh, [[0.5, -1.0]], order=2)
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from minitf import nest
from minitf.autodiff import GradientTape, UnconnectedGradients
from minitf.tensor import Tensor, convert_to_tensor, host_array

__all__ = ["assert_allclose", "check_grads"]

# Default tolerances by dtype: what one rounding step in a short computation costs.
_TOLERANCES = {"float16": (1e-2, 1e-3), "bfloat16": (1e-2, 1e-3), "float32": (1e-5, 1e-6),
               "float64": (1e-9, 1e-12)}
MODES = ("direction", "jacobian")
# The full Jacobian is checked when inputs and outputs have at most this many elements.
MAX_JACOBIAN_SIZE = 64


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, Tensor) or hasattr(type(x), "_as_tensor"):
        return np.asarray(host_array(convert_to_tensor(x)))
    return np.asarray(x)


def _is_structure(x: Any) -> bool:
    # A list of numbers is one array; a list holding tensors or arrays is a structure.
    if isinstance(x, dict):
        return True
    return isinstance(x, (list, tuple)) and not all(
        isinstance(v, (int, float, bool, np.number, np.bool_)) or _is_plain_list(v) for v in x)


def _is_plain_list(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and not _is_structure(x)


def assert_allclose(actual: Any, desired: Any, rtol: Optional[float] = None,
                    atol: Optional[float] = None, err_msg: str = "") -> None:
    """Asserts ``|actual - desired| <= atol + rtol |desired|`` elementwise.

    Accepts tensors, variables, NumPy arrays, numbers, and nested lists/tuples/dicts of
    them (compared leaf by leaf). Shapes must be equal (no broadcasting).

    Args:
        actual: the computed value.
        desired: the expected value.
        rtol: relative tolerance; by default from the dtype of ``actual`` (float32:
            1e-5, float64: 1e-9, float16: 1e-2; exact for integers and bools).
        atol: absolute tolerance; default as for ``rtol`` (float32: 1e-6).
        err_msg: prefixed to the failure message.

    Raises:
        AssertionError: naming the leaf, the worst element, and both values.

    Example:
        >>> import minitf as tf
        >>> from minitf.testing import assert_allclose
        >>> assert_allclose(tf.constant([1.0, 2.0]) * 3, [3.0, 6.0])
        >>> assert_allclose(tf.constant(1.0), 1.1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        AssertionError: values differ at index (): actual 1.0, desired 1.1 (|diff| 0.1 > ...
    """
    if _is_structure(actual):
        flat_a, flat_d = nest.flatten(actual), nest.flatten(desired)
        if len(flat_a) != len(flat_d):
            raise AssertionError(f"{err_msg}structures differ: {len(flat_a)} leaves vs "
                                 f"{len(flat_d)}")
        for i, (a, d) in enumerate(zip(flat_a, flat_d)):
            assert_allclose(a, d, rtol, atol, f"{err_msg}leaf {i}: ")
        return
    a, d = _to_numpy(actual), _to_numpy(desired)
    if a.shape != d.shape:
        raise AssertionError(f"{err_msg}shapes differ: actual {a.shape}, desired {d.shape}")
    default_rtol, default_atol = _TOLERANCES.get(a.dtype.name, (0.0, 0.0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    if a.dtype.kind not in "fc" and d.dtype.kind not in "fc":
        bad = a != d
        if bad.any():
            k = tuple(int(i) for i in np.argwhere(bad)[0])
            raise AssertionError(f"{err_msg}values differ at index {k}: actual {a[k]!r}, "
                                 f"desired {d[k]!r}")
        return
    a64, d64 = a.astype(np.float64), d.astype(np.float64)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a64 - d64)
        limit = atol + rtol * np.abs(d64)
        # Equal infinities and NaN against NaN count as equal, as in NumPy.
        same = (a64 == d64) | (np.isnan(a64) & np.isnan(d64))
        bad = ~same & ~(diff <= limit)
    if bad.any():
        excess = np.where(bad, np.nan_to_num(diff - limit, nan=np.inf), -np.inf)
        k = np.unravel_index(int(np.argmax(excess)), a.shape)
        k = tuple(int(i) for i in k)
        raise AssertionError(
            f"{err_msg}values differ at index {k}: actual {float(a64[k])!r}, desired "
            f"{float(d64[k])!r} "
            f"(|diff| {diff[k]:.3g} > {limit[k]:.3g} = atol {atol:g} + rtol {rtol:g} * "
            f"|desired|); {int(bad.sum())} of {a.size} elements differ")


def _f64(x: Any) -> np.ndarray:
    return np.array(_to_numpy(x), dtype=np.float64)


def _outputs(f: Callable, xs: Sequence[Tensor]) -> list:
    """f's float outputs as a flat list of tensors (integer outputs have no gradient)."""
    return [y for y in (convert_to_tensor(o) for o in nest.flatten(f(*xs)))
            if y.dtype.is_floating]


def _evaluate(f: Callable, arrays: Sequence[np.ndarray]) -> list:
    return [np.asarray(host_array(y), np.float64)
            for y in _outputs(f, [convert_to_tensor(a) for a in arrays])]


def _vjp(f: Callable, xs: Sequence[Tensor], cotangents: Sequence[Any]) -> list:
    """``J^T v`` of f at ``xs``: one gradient per argument (zeros where unconnected).

    ``xs`` are used as they are, so an outer tape that watches them records this
    backward pass: that is how ``order=2`` differentiates it again.
    """
    with GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        ys = _outputs(f, xs)
    if not ys:
        return [None for _ in xs]
    cts = [convert_to_tensor(np.asarray(c, y.dtype.as_numpy_dtype).reshape(y.shape.as_list()))
           for c, y in zip(cotangents, ys)]
    return tape.gradient(ys, list(xs), output_gradients=cts,
                         unconnected_gradients=UnconnectedGradients.ZERO)


def _name(f: Callable) -> str:
    return getattr(f, "__name__", None) or type(f).__name__


def _fail(name: str, what: str, reverse: float, numeric: float, tol: float) -> None:
    raise AssertionError(
        f"check_grads({name}): {what}: reverse mode gives {reverse!r}, finite differences "
        f"give {numeric!r} (|diff| {abs(reverse - numeric):.3g} > tolerance {tol:.3g}). "
        f"The VJP rule of an op used by {name} (or {name}'s custom gradient) is wrong "
        f"there, or the point is at a kink where the derivative is undefined.")


def _check_direction(f: Callable, args: list, i: int, rng: np.random.Generator,
                     eps: float, rtol: float, atol: float) -> None:
    name = _name(f)
    outs = _evaluate(f, args)
    if not outs or args[i].size == 0:
        return  # nothing to check (and an empty reduction's NaN would poison the sum)
    v = [rng.standard_normal(o.shape) for o in outs]
    u = rng.standard_normal(args[i].shape)
    grads = _vjp(f, [convert_to_tensor(a) for a in args], v)
    g = grads[i]
    reverse = float(np.sum(np.asarray(host_array(g), np.float64) * u)) if g is not None else 0.0
    plus = [a if j != i else a + eps * u for j, a in enumerate(args)]
    minus = [a if j != i else a - eps * u for j, a in enumerate(args)]
    numeric = float(sum(np.sum(vk * (p - m)) for vk, p, m in
                        zip(v, _evaluate(f, plus), _evaluate(f, minus))) / (2 * eps))
    tol = atol + rtol * max(abs(reverse), abs(numeric))
    if not abs(reverse - numeric) <= tol:
        _fail(name, f"argument {i}, directional derivative v·J·u along random directions",
              reverse, numeric, tol)


def _check_jacobian(f: Callable, args: list, i: int, eps: float, rtol: float,
                    atol: float) -> None:
    name = _name(f)
    outs = _evaluate(f, args)
    x = args[i]
    if not outs or x.size == 0:
        return
    # Finite differences, one input element at a time: column k of J.
    numeric = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        plus = _evaluate(f, [a if j != i else a + e for j, a in enumerate(args)])
        minus = _evaluate(f, [a if j != i else a - e for j, a in enumerate(args)])
        numeric.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    # Reverse mode, one output element at a time: row m of J.
    for n_out, out in enumerate(outs):
        for m in range(out.size):
            v = [np.zeros(o.shape) for o in outs]
            v[n_out].reshape(-1)[m] = 1.0
            g = _vjp(f, [convert_to_tensor(a) for a in args], v)[i]
            row = (np.asarray(host_array(g), np.float64).reshape(-1) if g is not None
                   else np.zeros(x.size))
            for k in range(x.size):
                r, nm = float(row[k]), float(numeric[k][n_out].reshape(-1)[m])
                tol = atol + rtol * max(abs(r), abs(nm))
                if not abs(r - nm) <= tol:
                    which = f"output {n_out} " if len(outs) > 1 else ""
                    _fail(name, f"d {which}out{_index(m, out.shape)} / d "
                                f"args[{i}]{_index(k, x.shape)}", r, nm, tol)


def _index(flat: int, shape: tuple) -> str:
    """``[1, 2]`` for element 5 of a (2, 3) array; nothing for a scalar."""
    if not shape:
        return ""
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]"


def _gradient_function(f: Callable, arity: int, rng: np.random.Generator,
                       shapes: list) -> Callable:
    """``x -> J(x)^T v`` for one fixed random ``v``: checking it checks f's 2nd order."""
    v = [rng.standard_normal(s) for s in shapes]

    def grad_of(*xs: Tensor) -> list:
        grads = _vjp(f, xs, v)
        return [g for g in grads if g is not None]
    grad_of.__name__ = f"grad({_name(f)})"
    return grad_of


def check_grads(f: Callable, args: Sequence[Any], order: int = 1,
                modes: Sequence[str] = MODES, eps: float = 1e-6, rtol: float = 1e-5,
                atol: float = 1e-6, seed: int = 0) -> None:
    """Checks f's gradients (up to ``order``) against central finite differences.

    Args:
        f: a function of tensors returning a tensor or a nested structure of tensors
            (integer outputs are ignored). Its ``__name__`` appears in failures.
        args: the point: one value per positional argument (converted to float64).
            Arguments that are not differentiable (indices, shapes) are closed over:
            ``check_grads(lambda p: tf.gather(p, idx), [params])``.
        order: 1 checks the VJP; 2 also the VJP of the VJP (second derivatives); 3...
        modes: which checks run: ``"direction"`` (random directions, any size) and/or
            ``"jacobian"`` (every entry, when inputs and outputs have at most
            ``MAX_JACOBIAN_SIZE`` elements).
        eps: the finite-difference step.
        rtol, atol: allowed error ``atol + rtol * max(|reverse|, |numeric|)``.
        seed: seeds the random directions (the check is deterministic).

    Raises:
        AssertionError: naming f, the argument, the element (Jacobian check) and both
            values, on the first disagreement.
        ValueError: for an unknown mode.

    Example:
        >>> import minitf as tf
        >>> from minitf.testing import check_grads
        >>> def f(x, y):
        ...     return tf.reduce_sum(x * tf.exp(y))
        >>> check_grads(f, [[1.0, 2.0], [0.5, -0.5]], order=2)
        >>> def bad_square(x):
        ...     return x * tf.stop_gradient(x)  # the gradient misses a factor 2
        >>> check_grads(bad_square, [3.0])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        AssertionError: check_grads(bad_square): d out / d args[0]: reverse mode gives 3.0, ...
    """
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f"check_grads: unknown modes {sorted(unknown)}; choose from {MODES}.")
    arrays = [_f64(a) for a in args]
    rng = np.random.default_rng(seed)
    outs = _evaluate(f, arrays)
    small = (sum(a.size for a in arrays) <= MAX_JACOBIAN_SIZE
             and sum(o.size for o in outs) <= MAX_JACOBIAN_SIZE)
    for i in range(len(arrays)):
        # The Jacobian first: when it fails it names the wrong entry.
        if "jacobian" in modes and small:
            _check_jacobian(f, arrays, i, eps, rtol, atol)
        if "direction" in modes:
            _check_direction(f, arrays, i, rng, eps, rtol, atol)
    if order > 1:
        grad_f = _gradient_function(f, len(arrays), rng, [o.shape for o in outs])
        check_grads(grad_f, arrays, order - 1, modes, eps, rtol, atol, seed + 1)
