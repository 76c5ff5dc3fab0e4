"""Quaternions and the angle decomposition: properties that must hold for any rotation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spinecoach.sensors import quaternions as quat
from spinecoach.sensors.angles import relative_angles_deg, segment_tilt_deg
from spinecoach.sensors.calibration import SEGMENT_FROM_LEVEL

finite = st.floats(-1.0, 1.0, allow_nan=False)
quats = arrays(np.float64, 4, elements=finite).filter(lambda q: np.linalg.norm(q) > 0.1)


def _unit(q: np.ndarray) -> np.ndarray:
    return np.asarray(q / np.linalg.norm(q))


def _axis(axis: int, deg: float) -> np.ndarray:
    q = np.zeros(4)
    q[0] = np.cos(np.radians(deg) / 2)
    q[axis + 1] = np.sin(np.radians(deg) / 2)
    return q


def _level(q_segment_rel: np.ndarray) -> np.ndarray:
    """A relative rotation given in segment coordinates, expressed in level-frame coordinates."""
    s = quat.from_matrix(SEGMENT_FROM_LEVEL)
    return quat.multiply(quat.multiply(quat.conjugate(s), q_segment_rel), s)


@settings(max_examples=150, deadline=None)
@given(q=quats, v=arrays(np.float64, 3, elements=finite))
def test_matrix_and_rotation_agree(q: np.ndarray, v: np.ndarray) -> None:
    u = _unit(q)
    np.testing.assert_allclose(quat.to_matrix(u) @ v, quat.rotate(u, v), atol=1e-9)
    np.testing.assert_allclose(quat.rotate_inverse(u, quat.rotate(u, v)), v, atol=1e-9)
    back = quat.from_matrix(quat.to_matrix(u))
    assert min(np.abs(back - u).max(), np.abs(back + u).max()) < 1e-9


@settings(max_examples=150, deadline=None)
@given(
    flex=st.floats(-80, 80),
    lat=st.floats(-60, 60),
    rot=st.floats(-60, 60),
    heading=st.floats(-179, 179),
)
def test_decomposition_recovers_flexion_lateral_rotation(
    flex: float, lat: float, rot: float, heading: float
) -> None:
    rel = quat.multiply(quat.multiply(_axis(1, flex), _axis(2, -lat)), _axis(0, rot))
    sacrum = quat.about_z(np.radians(heading))  # any heading of the pelvis in the filter frame
    lumbar = quat.multiply(sacrum, _level(rel))
    got = relative_angles_deg(sacrum[None], lumbar[None], 0.0)[0]
    np.testing.assert_allclose(got, [flex, lat, rot], atol=1e-6)


def test_heading_offset_between_filters_is_removed() -> None:
    sacrum = quat.about_z(np.radians(30.0))[None]
    lumbar = quat.multiply(quat.about_z(np.radians(-50.0)), _level(_axis(1, 35.0)))[None]
    np.testing.assert_allclose(
        relative_angles_deg(sacrum, lumbar, np.radians(80.0))[0], [35, 0, 0], atol=1e-9
    )


def test_segment_tilt_signs() -> None:
    forward = _level(_axis(1, 30.0))[None]  # segment pitched forward
    right = _level(_axis(2, -20.0))[None]  # segment tilted to the right
    f, r, inc = segment_tilt_deg(forward)
    assert (round(float(f[0]), 6), round(float(r[0]), 6), round(float(inc[0]), 6)) == (
        30.0,
        0.0,
        30.0,
    )
    f, r, inc = segment_tilt_deg(right)
    assert (round(float(f[0]), 6), round(float(r[0]), 6), round(float(inc[0]), 6)) == (
        0.0,
        20.0,
        20.0,
    )


def test_inclination_ignores_heading() -> None:
    q = _unit(np.array([0.9, 0.1, -0.2, 0.3]))
    turned = quat.multiply(quat.about_z(1.2), q)
    assert float(quat.inclination_deg(q, turned)) < 1e-6
    tilted = quat.multiply(_axis(0, 7.0), q)
    assert float(quat.inclination_deg(q, tilted)) > 1.0


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 200), st.integers(0, 2**32 - 1))
def test_the_product_of_few_and_of_many_quaternions_is_the_same_to_the_bit(
    n: int, seed: int
) -> None:
    """A live frame's few quaternions take another path than a file's many; each row of the
    product must not depend on how many rows came with it (signed zeros included)."""
    rng = np.random.default_rng(seed)
    p, q = rng.normal(size=(n, 4)), rng.normal(size=(n, 4))
    p[0, 1], q[-1, 2] = 0.0, -0.0
    whole = quat.multiply(p, q)
    rows = np.concatenate([quat.multiply(p[i : i + 7], q[i : i + 7]) for i in range(0, n, 7)])
    by_one = np.array([quat.multiply(p[i], q[i]) for i in range(n)])
    for got in (rows, by_one):
        assert np.array_equal(got, whole)
        assert np.array_equal(np.signbit(got), np.signbit(whole))
    assert np.array_equal(
        quat.multiply(p, q[0]),
        np.concatenate([quat.multiply(p[:3], q[0]), quat.multiply(p[3:], q[0])]),
    )
