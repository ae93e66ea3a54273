"""``tf.config``: devices, and whether ``tf.function`` runs eagerly.

Example:
    >>> import minitf as tf
    >>> [d.device_type for d in tf.config.list_physical_devices("CPU")]
    ['CPU']
"""

from minitf.device import list_logical_devices, list_physical_devices  # noqa: F401

_settings = {"run_functions_eagerly": False}


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Makes every ``tf.function`` run its Python body eagerly (for debugging).

    Example:
        >>> import minitf as tf
        >>> tf.config.run_functions_eagerly(False)
    """
    _settings["run_functions_eagerly"] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether :func:`run_functions_eagerly` is on.

    Example:
        >>> import minitf as tf
        >>> tf.config.functions_run_eagerly()
        False
    """
    return _settings["run_functions_eagerly"]


__all__ = ["list_physical_devices", "list_logical_devices", "run_functions_eagerly",
           "functions_run_eagerly"]
