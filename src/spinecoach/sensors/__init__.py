"""Wearable sensor pipeline: from two worn IMUs (T12/L1 and sacrum) to lumbar angles, posture,
ROM, repetitions, hold quality and sway, in batch for files and streaming for live feedback.

Everything here is pure numpy over in-memory recordings, except :mod:`spinecoach.sensors.files`,
the only module that reads or writes files, and :mod:`spinecoach.sensors.file_analysis`, which
analyses a file through it (with :mod:`spinecoach.sensors.orientation_workers` for long ones).
"""

from __future__ import annotations

from spinecoach.sensors.calibration import Calibration, CalibrationQuality, calibrate
from spinecoach.sensors.monitor import Analysis, LumbarMonitor, analyze
from spinecoach.sensors.orientation import (
    MagnetometerTrust,
    OrientationFilter,
    magnetometer_trust,
    orient,
)
from spinecoach.sensors.recording import Recording, SensorSamples, recording_schema
from spinecoach.sensors.settings import SensorSettings

__all__ = [
    "Analysis",
    "Calibration",
    "CalibrationQuality",
    "LumbarMonitor",
    "MagnetometerTrust",
    "OrientationFilter",
    "Recording",
    "SensorSamples",
    "SensorSettings",
    "analyze",
    "calibrate",
    "magnetometer_trust",
    "orient",
    "recording_schema",
]
