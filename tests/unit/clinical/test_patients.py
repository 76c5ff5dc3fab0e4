"""Synthetic patients: valid, deterministic per seed, and clinically coherent as a cohort."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from spinecoach.clinical import Assessment, Intake, assess
from spinecoach.simulate import random_intake, random_intakes


@pytest.fixture(scope="module")
def cohort() -> list[tuple[Intake, Assessment]]:
    intakes = random_intakes(np.random.default_rng(7), 1500)
    return [(i, assess(i)) for i in intakes]


def test_same_seed_same_patients() -> None:
    first = random_intakes(np.random.default_rng(3), 20)
    again = random_intakes(np.random.default_rng(3), 20)
    other = random_intakes(np.random.default_rng(4), 20)
    assert first == again
    assert first != other


def test_ids_are_unique(cohort: list[tuple[Intake, Assessment]]) -> None:
    ids = [i.patient.id for i, _ in cohort]
    assert len(set(ids)) == len(ids)
    assert random_intake(np.random.default_rng(1), patient_id="p-9").patient.id == "p-9"


def test_intakes_round_trip_as_documents(cohort: list[tuple[Intake, Assessment]]) -> None:
    for intake, _ in cohort[:200]:
        assert Intake.model_validate_json(intake.model_dump_json()) == intake


def test_red_flag_rate(cohort: list[tuple[Intake, Assessment]]) -> None:
    flagged = sum(bool(i.red_flags) for i, _ in cohort) / len(cohort)
    assert 0.02 < flagged < 0.09
    none = random_intakes(np.random.default_rng(2), 200, red_flag_rate=0.0)
    assert not any(i.red_flags for i in none)
    every = random_intakes(np.random.default_rng(2), 50, red_flag_rate=1.0)
    assert all(i.red_flags for i in every)


def test_all_strata_and_patterns_occur(cohort: list[tuple[Intake, Assessment]]) -> None:
    strata = Counter(a.scores.start_back.stratum for _, a in cohort if a.scores.start_back)
    assert set(strata) == {"low", "medium", "high"}
    preferences = Counter(a.movement.directional_preference for _, a in cohort)
    assert preferences["extension"] > preferences["flexion"] > 0
    assert preferences[None] > 0
    urgencies = Counter(a.red_flags.urgency for _, a in cohort)
    assert urgencies["emergency"] > 0
    assert urgencies["none"] > 0.9 * len(cohort)


def test_questionnaires_agree_with_each_other(cohort: list[tuple[Intake, Assessment]]) -> None:
    pairs = [
        (a.scores.odi.percent, float(a.scores.nprs))
        for _, a in cohort
        if a.scores.odi is not None and a.scores.nprs is not None
    ]
    odi, nprs = np.array(pairs).T
    assert np.corrcoef(odi, nprs)[0, 1] > 0.5
    assert 15 < odi.mean() < 45  # primary-care LBP: moderate disability on average


def test_older_patients_are_more_often_extension_intolerant(
    cohort: list[tuple[Intake, Assessment]],
) -> None:
    def share(group: list[Assessment]) -> float:
        return sum("extension" in a.movement.provoking for a in group) / len(group)

    older = [a for i, a in cohort if i.patient.age > 60]
    younger = [a for i, a in cohort if i.patient.age < 40]
    assert share(older) > share(younger) + 0.1


def test_endurance_is_reduced_from_the_norms(cohort: list[tuple[Intake, Assessment]]) -> None:
    extensor = [i.endurance.extensor_s for i, _ in cohort if i.endurance.extensor_s is not None]
    assert 40 < float(np.median(extensor)) < 120  # LBP holds about 40-55 s, pain-free 80-227 s
    assert max(extensor) <= 240
