"""The curated public surface of spinecoach.clinical and spinecoach.simulate."""

from __future__ import annotations

import spinecoach.clinical
import spinecoach.simulate


def test_clinical_exports() -> None:
    assert set(spinecoach.clinical.__all__) == {
        "MCID",
        "RED_FLAGS",
        "Assessment",
        "ChangeThreshold",
        "Intake",
        "RedFlag",
        "assess",
        "score_questionnaires",
        "screen_red_flags",
    }
    for name in spinecoach.clinical.__all__:
        assert getattr(spinecoach.clinical, name) is not None


def test_simulate_exports() -> None:
    assert {"random_intake", "random_intakes"} <= set(spinecoach.simulate.__all__)
