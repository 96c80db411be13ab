"""Argument checks shared by the network builders; each names the argument and the fix."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import NetworkError, ParameterError


def check_mean_degree(name: str, value) -> float:
    """Return ``value`` as a float if it is a finite mean degree >= 0, else raise."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} = {value!r} is not a number: give a mean degree >= 0.") from None
    if not math.isfinite(v) or v < 0:
        raise ParameterError(f"{name} = {value!r} is not a valid mean degree: give a finite number >= 0.")
    return v


def check_count(name: str, value, minimum: int) -> int:
    """Return ``value`` as an int if it is a whole number >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{name} = {value!r} is not a whole number: give an int >= {minimum}.")
    if value < minimum:
        raise ParameterError(f"{name} = {value} is too small: give an int >= {minimum}.")
    return int(value)


def check_ids(name: str, values, error=NetworkError) -> np.ndarray:
    """Return ``values`` as a 1-d int64 array of non-negative whole numbers, else raise ``error``.

    Floats are accepted when every value is whole (``3.0``), since arrays read
    from tables often arrive as floats.
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise error(f"{name} must be a 1-d array of whole numbers, got shape {arr.shape}.")
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr)):
        arr = arr.astype(np.int64)
    if arr.size and arr.dtype.kind not in "iu":
        raise error(f"{name} holds {arr.dtype} values: give whole numbers (an int array).")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        i = int(np.argmin(arr))
        raise error(f"{name}[{i}] = {arr[i]} is negative: give whole numbers >= 0.")
    return arr
