"""Lumbar angles: the lumbar segment relative to the sacrum, in degrees (DESIGN.md section 3).

Orientations come from vqf in each sensor's level frame F (x anterior, y left, z up at neutral
standing; see :mod:`spinecoach.sensors.calibration`). The relative rotation is decomposed as
flexion (about the left axis), then lateral bending (about the posterior axis), then axial
rotation (about the cranial axis): ``flexion_deg`` > 0 forward, ``lateral_deg`` > 0 to the right,
``rotation_deg`` > 0 trunk turning left.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from spinecoach.sensors import quaternions as quat
from spinecoach.sensors.recording import FloatArray

__all__ = ["forward_tilt_deg", "heading_offset_rad", "relative_angles_deg", "segment_tilt_deg"]


def heading_offset_rad(q_sacrum: FloatArray, q_lumbar: FloatArray) -> float:
    """Turn (rad, about earth z) that brings the lumbar filter's heading onto the sacrum's.

    Both inputs are level-frame orientations (N, 4) over the standing calibration, where both
    segments face the same way; a circular mean keeps it stable across the ±180 deg seam.
    """
    diff = quat.heading_rad(q_sacrum) - quat.heading_rad(q_lumbar)
    return float(np.arctan2(np.mean(np.sin(diff)), np.mean(np.cos(diff))))


def relative_angles_deg(
    q_sacrum: FloatArray, q_lumbar: FloatArray, heading_offset: float
) -> FloatArray:
    """Flexion, lateral bending, axial rotation (deg), shape (N, 3), of lumbar on sacrum.

    ``q_sacrum``, ``q_lumbar``: level-frame orientations, (N, 4) or (4,); ``heading_offset``
    from :func:`heading_offset_rad`.
    """
    rel = quat.multiply(quat.conjugate(q_sacrum), quat.multiply(_turn(heading_offset), q_lumbar))
    w, x, y, z = rel[:, 0], rel[:, 1], rel[:, 2], rel[:, 3]
    r02 = 2 * (x * z + w * y)
    r22 = 1 - 2 * (x * x + y * y)
    r12 = 2 * (y * z - w * x)
    r10 = 2 * (x * y + w * z)
    r11 = 1 - 2 * (x * x + z * z)
    out = np.empty((rel.shape[0], 3))
    out[:, 0] = np.arctan2(r02, r22)
    out[:, 1] = -np.arcsin(np.clip(r12, -1.0, 1.0))
    out[:, 2] = np.arctan2(r10, r11)
    return np.degrees(out, out=out)


@lru_cache(maxsize=16)
def _turn(heading_offset: float) -> FloatArray:
    """The turn about earth z by ``heading_offset`` (rad); it changes rarely, so it is kept
    (read-only)."""
    turn = quat.about_z(heading_offset)
    turn.flags.writeable = False
    return turn


def forward_tilt_deg(q: FloatArray) -> FloatArray:
    """The first of :func:`segment_tilt_deg` alone (deg), e.g. the pelvic tilt of the sacrum."""
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    up_x = 2 * (x * z - w * y)
    up_z = 1 - 2 * (x * x + y * y)
    return np.degrees(np.arctan2(-up_x, up_z))


def segment_tilt_deg(q: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Forward tilt, tilt to the right and total inclination from vertical (deg) of a segment.

    ``q``: level-frame orientation (N, 4). For the sacrum the forward tilt is pelvic tilt
    (< 0 posterior, as in slumped sitting); for the lumbar segment, trunk inclination.
    """
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    up_x = 2 * (x * z - w * y)
    up_y = 2 * (y * z + w * x)
    up_z = 1 - 2 * (x * x + y * y)
    forward = np.degrees(np.arctan2(-up_x, up_z))
    right = np.degrees(np.arctan2(up_y, up_z))
    inclination = np.degrees(np.arccos(np.clip(up_z, -1.0, 1.0)))
    return forward, right, inclination
