"""The numpy low-pass and smoother equal scipy's filters, whole or in any blocks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from spinecoach.sensors.smoothing import ExponentialSmoother, LowPass


def _walk(n: int, channels: int, seed: int = 0) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(size=(n, channels)), axis=0)


@pytest.mark.parametrize(("cutoff_hz", "rate_hz"), [(2.0, 25.0), (2.0, 100.0), (0.3, 25.0)])
@pytest.mark.parametrize("cuts", [[], [1, 2, 17, 40], [5000, 5001, 9000]])
def test_low_pass_is_scipy_butterworth(cutoff_hz: float, rate_hz: float, cuts: list[int]) -> None:
    x = _walk(12_000, 3)
    sos = signal.butter(2, cutoff_hz, fs=rate_hz, output="sos")
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    expected, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    low_pass = LowPass(cutoff_hz, rate_hz)
    got = np.concatenate([low_pass(part) for part in np.split(x, cuts)])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10 * np.abs(expected).max())
    b, a = signal.butter(2, cutoff_hz, fs=rate_hz)
    np.testing.assert_allclose(low_pass.b, b, rtol=1e-12)
    np.testing.assert_allclose(low_pass.a, a[1:], rtol=1e-12)


def test_low_pass_starts_at_rest_and_keeps_a_constant() -> None:
    x = np.full((500, 2), [3.0, -7.5])
    np.testing.assert_allclose(LowPass(2.0, 25.0)(x), x, rtol=1e-12)


@pytest.mark.parametrize("cuts", [[], [1], [33, 34, 700]])
def test_smoother_is_first_order_recurrence(cuts: list[int]) -> None:
    x = np.abs(_walk(3000, 1, seed=1)[:, 0])
    alpha = 1.0 / (1.0 + 0.5 * 25.0)
    expected, _ = signal.lfilter([alpha], [1.0, alpha - 1.0], x, zi=[x[0] * (1.0 - alpha)])
    smoother = ExponentialSmoother(alpha)
    got = np.concatenate([smoother(part) for part in np.split(x, cuts)])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_empty_blocks_change_nothing() -> None:
    low_pass = LowPass(2.0, 25.0)
    assert low_pass(np.empty((0, 3))).shape == (0, 3)
    x = _walk(100, 3)
    np.testing.assert_allclose(low_pass(x), LowPass(2.0, 25.0)(x))
