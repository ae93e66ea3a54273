"""TensorFlow's error classes (``tf.errors``).

Every op that rejects its input raises one of these, with a message that names the op,
the shapes and dtypes involved, and what to do instead.

Example:
    >>> import minitf as tf
    >>> try:
    ...     tf.constant(1) + tf.constant(1.0)
    ... except tf.errors.InvalidArgumentError as e:
    ...     print(type(e).__name__)
    InvalidArgumentError
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
    "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "UnauthenticatedError", "ResourceExhaustedError",
    "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError",
    "InternalError", "UnavailableError", "DataLossError", "OperatorNotAllowedInGraphError",
]


class OpError(Exception):
    """The base class of errors raised while running an op.

    Accepts TensorFlow's ``(node_def, op, message)`` signature or a single message.

    Example:
        >>> import minitf as tf
        >>> str(tf.errors.NotFoundError(None, None, "no such file"))
        'no such file'
    """

    error_code = 2

    def __init__(self, *args: Any) -> None:
        if len(args) >= 3:
            node_def, op, message = args[:3]
        elif len(args) == 1:
            node_def, op, message = None, None, args[0]
        else:
            node_def, op, message = None, None, " ".join(str(a) for a in args)
        super().__init__(message)
        self._node_def = node_def
        self._op = op
        self._message = str(message)

    @property
    def message(self) -> str:
        """The error message."""
        return self._message

    @property
    def op(self) -> Any:
        """The op that failed (None in eager mode, as in TF)."""
        return self._op

    @property
    def node_def(self) -> Any:
        """Always None in minitf (there are no NodeDef protos)."""
        return self._node_def

    def __str__(self) -> str:
        return self._message


def _error(name: str, code: int, doc: str) -> type[OpError]:
    return type(name, (OpError,), {"error_code": code, "__doc__": doc})


CancelledError = _error("CancelledError", 1, "An operation was cancelled.")
UnknownError = _error("UnknownError", 2, "An error of unknown kind.")
InvalidArgumentError = _error(
    "InvalidArgumentError", 3,
    "An op received an argument it cannot use (wrong dtype, incompatible shapes, ...).")
DeadlineExceededError = _error("DeadlineExceededError", 4, "A deadline expired.")
NotFoundError = _error("NotFoundError", 5, "A file or other entity was not found.")
AlreadyExistsError = _error("AlreadyExistsError", 6, "An entity already exists.")
PermissionDeniedError = _error("PermissionDeniedError", 7, "Permission was denied.")
ResourceExhaustedError = _error("ResourceExhaustedError", 8, "Out of memory or another resource.")
FailedPreconditionError = _error(
    "FailedPreconditionError", 9,
    "The system is not in the state the operation needs (e.g. an uninitialized value).")
AbortedError = _error("AbortedError", 10, "An operation was aborted.")
OutOfRangeError = _error(
    "OutOfRangeError", 11, "Iteration went past the end of the input (e.g. of a dataset).")
UnimplementedError = _error("UnimplementedError", 12, "The operation is not implemented.")
InternalError = _error("InternalError", 13, "An internal invariant was broken.")
UnavailableError = _error("UnavailableError", 14, "A service is unavailable.")
DataLossError = _error("DataLossError", 15, "Data was lost or corrupted (e.g. a damaged file).")
UnauthenticatedError = _error("UnauthenticatedError", 16, "The request has no valid credentials.")


class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation that needs a tensor's value was used on a symbolic tensor.

    Inside ``tf.function`` tensors have no value while the function is traced, so
    ``bool(x)`` or ``for v in x`` outside what AutoGraph converts raise this.

    Example:
        >>> import minitf as tf
        >>> issubclass(tf.errors.OperatorNotAllowedInGraphError, TypeError)
        True
    """
