"""The readable handout, and the public surface of spinecoach.prescription."""

from __future__ import annotations

from collections.abc import Callable

from spinecoach import prescription
from spinecoach.clinical import Assessment
from spinecoach.exercises import Catalogue
from spinecoach.exercises.model import Dose
from spinecoach.prescription import prescribe, render_program
from spinecoach.prescription.handout import dose_in_words

Example = Callable[[str], Assessment]


def test_public_names_are_exported() -> None:
    assert {"prescribe", "Overrides", "render_program"} <= set(prescription.__all__)
    for name in prescription.__all__:
        assert hasattr(prescription, name)


def test_dose_in_words_reads_like_a_handout() -> None:
    pyramid = Dose(sets=3, reps=6, hold_s=8, rest_s=30, per_side=True, pyramid=[6, 4, 2])
    assert dose_in_words(pyramid) == (
        "3 sets: 6, 4, 2 holds of 8 s, each side; rest 30 s between sets"
    )
    assert dose_in_words(Dose(sets=1, duration_min=20)) == "1 set: 20 min"
    loaded = Dose(sets=2, reps=10, load_kg=7.5, rest_s=60, extra_set_side="left")
    assert dose_in_words(loaded) == (
        "2 sets: 10 repetitions, 7.5 kg, one extra set on the left side; rest 60 s between sets"
    )


def test_handout_lists_exercises_with_how_and_why(
    example_assessment: Example, catalogue: Catalogue
) -> None:
    assessment = example_assessment("desk-worker")
    program = prescribe(assessment, assessment.patient, catalogue)
    text = render_program(program, catalogue)
    assert "Phase 2: endurance" in text
    for item in program.exercises:
        assert item.name in text
        assert catalogue.get(item.id).instructions[0].split()[0] in text
    assert "Why it is in your program:" in text
    assert "[select.directional_preference]" in text
    assert "Left out, and why:" in text
    assert "traction" in text


def test_referral_handout_says_stop(example_assessment: Example, catalogue: Catalogue) -> None:
    assessment = example_assessment("red-flag")
    program = prescribe(assessment, assessment.patient, catalogue)
    text = render_program(program, catalogue)
    assert text.startswith("Exercise program for red-flag")
    assert "STOP: no exercise for now. EMERGENCY medical care is needed." in text
    assert program.referral is not None
    assert program.referral.patient_action.split(".")[0] in " ".join(text.split())
