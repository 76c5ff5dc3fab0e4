"""Raw data of valid catalogue entries for tests that build their own small catalogues."""

from __future__ import annotations

from typing import Any


def exercise_data(exercise_id: str, **fields: Any) -> dict[str, Any]:
    """A valid one-rung static activation drill (ladder = its own id); ``fields`` override."""
    data: dict[str, Any] = {
        "id": exercise_id,
        "name": exercise_id.replace("_", " ").capitalize(),
        "instructions": ["Get into position.", "Hold, breathing."],
        "muscles": ["transversus abdominis"],
        "purpose": "activation",
        "mode": "static",
        "loads": {"none": "low"},
        "level": 1,
        "phase": 1,
        "position": "supine",
        "dose": {"sets": 2, "reps": 6, "hold_s": 8, "rest_s": 30},
        "bounds": {
            "sets": {"min": 1, "max": 4},
            "reps": {"min": 2, "max": 10},
            "hold_s": {"min": 5, "max": 10},
            "rest_s": {"min": 0, "max": 90},
        },
        "tags": [],
        "education": "A plain sentence about why this drill matters.",
        "ladder": exercise_id,
        "start": {"trunk_deg": 90, "ground": "back"},
        "end": {"trunk_deg": 90, "ground": "back"},
    }
    data.update(fields)
    return data
