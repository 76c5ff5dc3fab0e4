"""Vectorised unit-quaternion arithmetic, ``w, x, y, z`` order (as vqf and BROAD).

A quaternion ``q`` of shape (N, 4) or (4,) rotates vectors as v' = q v q*; an orientation
quaternion maps sensor coordinates into earth coordinates.
"""

from __future__ import annotations

import numpy as np

from spinecoach.sensors.recording import FloatArray

__all__ = [
    "about_z",
    "conjugate",
    "from_matrix",
    "heading_rad",
    "inclination_deg",
    "multiply",
    "rotate",
    "rotate_inverse",
    "to_matrix",
]


FEW = 64
"""Up to this many quaternions, :func:`multiply` works on all sixteen products at once."""
_TERMS = np.array([[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 1, 0]])
"""Component k of ``p ⊗ q`` is the sum, in order of i, of ``p_i q_j`` with j = _TERMS[k, i]
(signed by _SIGNS)."""
_CONJUGATE = np.array([1.0, -1.0, -1.0, -1.0])
_SIGNS = np.array([[1.0, -1, -1, -1], [1, 1, 1, -1], [1, -1, 1, 1], [1, 1, -1, 1]])


def multiply(p: FloatArray, q: FloatArray) -> FloatArray:
    """Hamilton product ``p ⊗ q``; shapes (N, 4) or (4,), broadcast.

    Component 0 is ``((pw qw - px qx) - py qy) - pz qz`` and so on, summed in that order (the
    same rounding as writing it out). A few quaternions (a live frame) go through one array of
    all sixteen products, a few array operations whatever N; many, component by component,
    which touches less memory.
    """
    p, q = np.asarray(p), np.asarray(q)
    if max(p.size, q.size) > 4 * FEW:
        pw, px, py, pz = p[..., 0], p[..., 1], p[..., 2], p[..., 3]
        qw, qx, qy, qz = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
        out = np.empty(np.broadcast_shapes(p.shape, q.shape), dtype=np.result_type(p, q))
        out[..., 0] = pw * qw - px * qx - py * qy - pz * qz
        out[..., 1] = pw * qx + px * qw + py * qz - pz * qy
        out[..., 2] = pw * qy - px * qz + py * qw + pz * qx
        out[..., 3] = pw * qz + px * qy - py * qx + pz * qw
        return out
    # term i of component k is p_i * (sign * q_j): the sign is exact, so the same product
    terms = p[..., None, :] * (np.take(q, _TERMS, axis=-1) * _SIGNS.astype(q.dtype, copy=False))
    out = terms[..., 0] + terms[..., 1]
    out += terms[..., 2]
    out += terms[..., 3]
    return out


def conjugate(q: FloatArray) -> FloatArray:
    """The inverse of a unit quaternion."""
    out: FloatArray = np.multiply(q, _CONJUGATE, dtype=np.float64)  # times 1 or -1: exact
    return out


def about_z(angle_rad: FloatArray | float) -> FloatArray:
    """Rotation by ``angle_rad`` about the z axis, shape (..., 4)."""
    half = 0.5 * np.asarray(angle_rad, dtype=np.float64)
    zero = np.zeros_like(half)
    return np.stack([np.cos(half), zero, zero, np.sin(half)], axis=-1)


def to_matrix(q: FloatArray) -> FloatArray:
    """Rotation matrices, shape (..., 3, 3), of unit quaternions shape (..., 4)."""
    w, x, y, z = np.moveaxis(np.asarray(q), -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


def from_matrix(m: FloatArray) -> FloatArray:
    """Unit quaternions (w >= 0) of rotation matrices, shape (..., 3, 3) -> (..., 4)."""
    m = np.asarray(m, dtype=np.float64)
    tr = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    cand = np.stack(
        [
            np.stack(
                [
                    1 + tr,
                    m[..., 2, 1] - m[..., 1, 2],
                    m[..., 0, 2] - m[..., 2, 0],
                    m[..., 1, 0] - m[..., 0, 1],
                ],
                -1,
            ),
            np.stack(
                [
                    m[..., 2, 1] - m[..., 1, 2],
                    1 + 2 * m[..., 0, 0] - tr,
                    m[..., 0, 1] + m[..., 1, 0],
                    m[..., 0, 2] + m[..., 2, 0],
                ],
                -1,
            ),
            np.stack(
                [
                    m[..., 0, 2] - m[..., 2, 0],
                    m[..., 0, 1] + m[..., 1, 0],
                    1 + 2 * m[..., 1, 1] - tr,
                    m[..., 1, 2] + m[..., 2, 1],
                ],
                -1,
            ),
            np.stack(
                [
                    m[..., 1, 0] - m[..., 0, 1],
                    m[..., 0, 2] + m[..., 2, 0],
                    m[..., 1, 2] + m[..., 2, 1],
                    1 + 2 * m[..., 2, 2] - tr,
                ],
                -1,
            ),
        ],
        axis=-2,
    )
    best = np.argmax(np.stack([tr, m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]], -1), axis=-1)
    q = np.take_along_axis(cand, best[..., None, None], axis=-2)[..., 0, :]
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.asarray(np.where(q[..., :1] < 0, -q, q))


def rotate(q: FloatArray, v: FloatArray) -> FloatArray:
    """``q v q*``: vectors v (..., 3) from the rotated frame into the reference frame."""
    w = np.asarray(q)[..., :1]
    u = np.asarray(q)[..., 1:]
    t = 2.0 * np.cross(u, v)
    return np.asarray(v + w * t + np.cross(u, t))


def rotate_inverse(q: FloatArray, v: FloatArray) -> FloatArray:
    """``q* v q``: vectors v (..., 3) from the reference frame into the rotated frame."""
    return rotate(conjugate(q), v)


def heading_rad(q: FloatArray) -> FloatArray:
    """Heading (yaw about earth z) of the rotated frame's x axis, rad, shape (...)."""
    w, x, y, z = np.moveaxis(np.asarray(q), -1, 0)
    return np.asarray(np.arctan2(2 * (x * y + w * z), 1 - 2 * (y * y + z * z)))


def inclination_deg(q: FloatArray, r: FloatArray) -> FloatArray:
    """Tilt difference (deg) between orientations q and r: angle between their up vectors.

    Heading is ignored, so 6D estimates can be compared with any earth-frame reference.
    """
    up = np.array([0.0, 0.0, 1.0])
    a = rotate_inverse(q, np.broadcast_to(up, (*np.shape(q)[:-1], 3)))
    b = rotate_inverse(r, np.broadcast_to(up, (*np.shape(r)[:-1], 3)))
    cos = np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)
    return np.asarray(np.degrees(np.arccos(cos)))
