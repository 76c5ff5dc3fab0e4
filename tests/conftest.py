"""Shared fixtures: repository paths and the real data beside the project (skips when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _shared_data_dir() -> Path:
    env = os.environ.get("SPINECOACH_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or $SPINECOACH_SHARED_DATA); the test skips when it is absent."""
    path = _shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data folder not found: {path}")
    return path


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
