"""Causal smoothing of feature signals in numpy: a second-order Butterworth low-pass and a
first-order (exponential) smoother, each carrying its state across blocks.

Both are linear recurrences; they are evaluated for a whole block at once by a prefix scan
(``log2`` of the block length numpy passes, or fewer once the pole's powers vanish), so a block
costs a few array operations rather than a Python loop, and nothing here needs scipy at start-up.
Results agree with the sample-by-sample recurrence to floating-point rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from spinecoach.sensors.recording import FloatArray

__all__ = ["ExponentialSmoother", "LowPass"]

ComplexArray = NDArray[np.complex128]


NEGLIGIBLE = 2.0**-64
"""A pole power below this adds less than the rounding of a double to any sample: stop there."""
CHUNK = 16
"""Samples per chunk of the two-level scan: a few passes inside chunks, one across them."""


def _scan(u: NDArray[Any], pole: complex, longest: int) -> None:
    """In place along axis 0: ``u[n] += pole * u[n-1]``, for lags up to ``longest``.

    Hillis-Steele scan: after the pass with shift ``d`` each sample holds the sum of its last
    ``2 d`` terms; passes stop once ``pole ** d`` is negligible.
    """
    shift, power = 1, pole
    while shift < min(longest, u.shape[0]) and abs(power) > NEGLIGIBLE:
        u[shift:] += power * u[:-shift]
        shift *= 2
        power *= power


def _recurrence(x: FloatArray, gain: complex, pole: complex, before: NDArray[Any]) -> NDArray[Any]:
    """``y[n] = pole * y[n-1] + gain * x[n]`` along axis 0, with ``y[-1] = before``; a new array.

    Two levels: the samples are laid out chunk-position first (row ``i`` holds sample ``i`` of
    every chunk of :data:`CHUNK`, so each pass is one long contiguous operation), each chunk is
    scanned on its own, the chunk ends are chained (their pole is ``pole ** CHUNK``), and every
    chunk then receives its predecessor's end.
    """
    n, rest = x.shape[0], x.shape[1:]
    whole = n // CHUNK
    y = np.empty(x.shape, dtype=np.result_type(x, gain, pole))
    if whole < 2:
        np.multiply(x, gain, out=y)
        y[0] += pole * before
        _scan(y, pole, n)
        return y
    body = np.empty((CHUNK, whole, *rest), dtype=y.dtype)  # (position in chunk, chunk, ...)
    np.multiply(np.swapaxes(x[: whole * CHUNK].reshape(whole, CHUNK, *rest), 0, 1), gain, out=body)
    body[0, 0] += pole * before
    _scan(body, pole, CHUNK)  # within each chunk
    ends = body[-1].copy()
    _scan(ends, pole**CHUNK, whole)  # ends[j]: the value at the end of chunk j
    lag = (pole ** np.arange(1, CHUNK + 1)).reshape(CHUNK, 1, *[1] * len(rest))
    body[:, 1:] += lag * ends[:-1]
    y[: whole * CHUNK].reshape(whole, CHUNK, *rest)[...] = np.swapaxes(body, 0, 1)
    tail = y[whole * CHUNK :]
    if len(tail):
        np.multiply(x[whole * CHUNK :], gain, out=tail)
        tail[0] += pole * ends[-1]
        _scan(tail, pole, len(tail))
    return y


class LowPass:
    """Second-order Butterworth low-pass (bilinear transform, corner pre-warped), causal.

    The same filter as ``scipy.signal.butter(2, cutoff_hz, fs=rate_hz)``; it starts in the
    steady state of its first input (no start-up transient). Signals are (N, C), any units.
    """

    def __init__(self, cutoff_hz: float, rate_hz: float) -> None:
        k = math.tan(math.pi * cutoff_hz / rate_hz)
        norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
        b0 = k * k * norm
        self.b = (b0, 2.0 * b0, b0)
        self.a = (2.0 * (k * k - 1.0) * norm, (1.0 - math.sqrt(2.0) * k + k * k) * norm)
        # H(z) = direct + residue / (1 - pole z^-1) + conj(residue) / (1 - conj(pole) z^-1)
        a1, a2 = self.a
        self.pole = complex(-a1 / 2.0, math.sqrt(max(4.0 * a2 - a1 * a1, 0.0)) / 2.0)
        self.direct = b0 / a2
        pole = self.pole
        b_at_pole = b0 + self.b[1] / pole + b0 / pole**2  # numerator in z^-1 at z = pole
        self.residue = b_at_pole / (1.0 - pole.conjugate() / pole)
        self._state: ComplexArray | None = None

    def __call__(self, x: FloatArray) -> FloatArray:
        """Filter the next block of samples, shape (N, C); returns (N, C)."""
        if len(x) == 0:
            return np.empty_like(x, dtype=np.float64)
        if self._state is None:  # at rest on x[0]: the steady state of a constant input
            self._state = self.residue * x[0] / (1.0 - self.pole)
        mode = _recurrence(x, self.residue, self.pole, self._state)
        self._state = mode[-1].copy()
        out = 2.0 * mode.real
        out += self.direct * x
        return out


class ExponentialSmoother:
    """First-order smoother ``y[n] = y[n-1] + alpha (x[n] - y[n-1])``, starting at rest on x[0]."""

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        self._last: FloatArray | None = None

    def __call__(self, x: FloatArray) -> FloatArray:
        """Smooth the next block of samples, shape (N,); returns (N,)."""
        if len(x) == 0:
            return np.empty(0)
        if self._last is None:
            self._last = np.asarray(x[0], dtype=np.float64)
        out = _recurrence(x, self.alpha, 1.0 - self.alpha, self._last)
        self._last = np.asarray(out[-1])
        return out
