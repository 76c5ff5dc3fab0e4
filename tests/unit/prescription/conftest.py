"""Fixtures for the prescription tests: the shipped catalogue, small hand-made catalogues,
and assessments built from intake sections through the real clinical core."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.builders import exercise_data

from spinecoach.clinical import Assessment, Intake, assess
from spinecoach.documents import load_document
from spinecoach.exercises import Catalogue, Exercise, load_catalogue

ExerciseFactory = Callable[..., Exercise]
AssessFactory = Callable[..., Assessment]


def _exercise(exercise_id: str, **fields: Any) -> Exercise:
    """A valid one-rung exercise; ``fields`` override the defaults (ladder = its own id)."""
    defaults: dict[str, Any] = {
        "instructions": ["Do it slowly."],
        "education": "Why this matters, in plain words for the patient.",
    }
    return Exercise.model_validate(exercise_data(exercise_id, **{**defaults, **fields}))


@pytest.fixture(scope="session")
def make_exercise() -> ExerciseFactory:
    return _exercise


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def small_catalogue() -> Catalogue:
    """A few drills per phase: unloaded, flexion- and extension-loading, equipment, big 3."""
    ex = _exercise
    return Catalogue.from_exercises(
        [
            ex(
                "breath",
                tags=[
                    "coordination",
                    "breathing",
                    "pelvic_floor",
                    "deep_stabilizer",
                    "flare_safe",
                    "older_adult",
                ],
            ),
            ex("drawing_in", tags=["deep_stabilizer", "motor_control", "flare_safe"]),
            ex(
                "knee_hug",
                purpose="mobility",
                loads={"flexion": "low"},
                tags=["directional_flexion", "flare_safe", "mobility"],
            ),
            ex(
                "press_up",
                purpose="mobility",
                mode="dynamic",
                loads={"extension": "moderate"},
                position="prone",
                tags=["directional_extension", "mobility"],
                contraindications=["stenosis_extension"],
            ),
            ex(
                "curl",
                purpose="endurance",
                phase=2,
                loads={"flexion": "low"},
                tags=["big3", "curl_up", "flexor_endurance"],
            ),
            ex(
                "side_plank",
                purpose="endurance",
                phase=2,
                loads={"lateral_flexion": "low"},
                position="side_lying",
                dose={"sets": 2, "reps": 6, "hold_s": 8, "rest_s": 30, "per_side": True},
                tags=["big3", "side_bridge", "lateral_endurance"],
                contraindications=["shoulder_pain"],
            ),
            ex(
                "quadruped_reach",
                purpose="endurance",
                phase=2,
                loads={"extension": "low"},
                position="quadruped",
                tags=["big3", "bird_dog", "extensor_endurance"],
            ),
            ex(
                "chop",
                purpose="strength",
                mode="dynamic",
                phase=3,
                position="standing",
                loads={"rotation": "moderate"},
                equipment=["pulley"],
                dose={"sets": 3, "reps": 10, "load_kg": 5, "rest_s": 60},
                bounds={
                    "sets": {"min": 2, "max": 4},
                    "reps": {"min": 6, "max": 15},
                    "load_kg": {"min": 2.5, "max": 20},
                    "load_increment_kg": 2.5,
                    "rest_s": {"min": 30, "max": 120},
                },
                tags=["diagonal", "pulley"],
            ),
            ex(
                "hinge",
                purpose="strength",
                mode="dynamic",
                phase=3,
                position="standing",
                loads={"flexion": "low", "axial_compression": "low"},
                dose={"sets": 3, "reps": 10, "rest_s": 60},
                bounds={
                    "sets": {"min": 2, "max": 4},
                    "reps": {"min": 6, "max": 15},
                    "rest_s": {"min": 30, "max": 120},
                },
                tags=["hinge", "manual_work"],
            ),
        ]
    )


def _assess(**sections: Any) -> Assessment:
    """Assess an intake built from sections; ``patient`` fields merge into a default patient."""
    patient = {"id": "p1", "age": 40, "sex": "female", "minutes_per_session": 30}
    patient.update(sections.pop("patient", {}))
    sections.setdefault("red_flags", [])  # screened, none positive, unless the test says so
    return assess(Intake.model_validate({"patient": patient, **sections}))


@pytest.fixture(scope="session")
def assess_intake() -> AssessFactory:
    return _assess


@pytest.fixture(scope="session")
def example_assessment(examples_dir: Path) -> Callable[[str], Assessment]:
    def load(case: str) -> Assessment:
        return assess(load_document(examples_dir / f"{case}.intake.json", Intake))

    return load
