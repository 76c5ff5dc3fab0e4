"""Synthetic data with known ground truth: patients (intakes), courses and IMU recordings."""

from spinecoach.simulate.patients import random_intake, random_intakes

__all__ = ["random_intake", "random_intakes"]
