"""The magnetometer trust check that decides between 6D and 9D orientation."""

from __future__ import annotations

import numpy as np

from spinecoach.sensors.monitor import analyze
from spinecoach.sensors.orientation import magnetometer_trust
from spinecoach.sensors.recording import Recording, SensorSamples
from spinecoach.simulate.recording import simulate_recording


def test_trust_needs_a_steady_earth_field() -> None:
    rng = np.random.default_rng(0)
    earth = np.array([20.0, 0.0, -42.0]) + rng.normal(0, 0.3, (500, 3))
    assert magnetometer_trust(earth).trusted
    assert "outside the Earth's" in magnetometer_trust(earth * 3).reason
    varying = earth * (1 + 0.3 * np.sin(np.linspace(0, 20, 500)))[:, None]
    assert "varies by" in magnetometer_trust(varying).reason
    assert magnetometer_trust(None).reason == "no magnetometer columns"


def test_one_disturbed_sensor_keeps_both_in_6d() -> None:
    rec = simulate_recording("rotations", seed=4, magnetometer=True).recording
    lumbar = rec.sensors["lumbar"]
    assert lumbar.mag is not None
    disturbed = SensorSamples(lumbar.acc, lumbar.gyr, lumbar.mag * 4.0)
    result = analyze(Recording(rec.t, {"lumbar": disturbed, "sacrum": rec.sensors["sacrum"]}))
    assert result.orientation["lumbar"].startswith("6D: field strength")
    assert result.orientation["sacrum"].startswith("6D: steady Earth field")
    assert "9D needs every sensor's field trusted" in result.orientation["sacrum"]
