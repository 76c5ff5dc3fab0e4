"""Fixtures of the live tests: synthetic recordings made once per test session."""

from __future__ import annotations

import pytest

from spinecoach.simulate.recording import SyntheticRecording, simulate_recording


@pytest.fixture(scope="session")
def forward_bends() -> SyntheticRecording:
    return simulate_recording("forward-bends", seed=3)


@pytest.fixture(scope="session")
def sit_stand() -> SyntheticRecording:
    return simulate_recording("sit-stand", seed=2)
