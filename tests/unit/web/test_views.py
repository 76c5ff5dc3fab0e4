"""What the pages show, from domain values: version diffs, exercise cards, charts, plain words."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from spinecoach.clinical import assess
from spinecoach.documents import parse_document
from spinecoach.exercises.catalogue import load_catalogue
from spinecoach.outcomes.change import classify_change
from spinecoach.outcomes.timeline import OutcomeSummary, SeriesPoint
from spinecoach.prescription import prescribe
from spinecoach.web import views

ROOT = Path(__file__).resolve().parents[3]


def _program():  # type: ignore[no-untyped-def]
    from spinecoach.clinical.intake import Intake

    raw = json.loads((ROOT / "examples" / "desk-worker.intake.json").read_text())
    assessment = assess(parse_document(raw, Intake))
    return prescribe(assessment, assessment.patient, load_catalogue())


def test_diff_marks_changed_added_removed() -> None:
    before = _program()
    first, second, *rest = before.exercises
    changed = first.model_copy(
        update={"dose": first.dose.model_copy(update={"sets": first.dose.sets + 1})}
    )
    after = before.model_copy(update={"exercises": [changed, *rest]})
    rows = {row.name: row.state for row in views.version_diff(before, after)}
    assert rows[first.name] == "changed"
    assert rows[second.name] == "removed"
    assert all(rows[e.name] == "same" for e in rest)
    added = {row.name: row.state for row in views.version_diff(None, after)}
    assert set(added.values()) == {"added"}


def test_cards_carry_picture_steps_dose_and_why() -> None:
    cards = views.exercise_cards(_program())
    assert cards
    for card in cards:
        assert card.picture is not None
        assert card.picture.startswith("data:image/svg+xml;base64,")
        assert card.steps
        assert card.dose
        assert card.why
        assert card.reasons


def _summary(points: int) -> OutcomeSummary:
    days = [dt.date(2026, 1, 5) + dt.timedelta(weeks=w) for w in range(points)]
    return OutcomeSummary(
        patient_id="p1",
        baseline_date=days[0],
        latest_date=days[-1],
        changes=[classify_change("nprs", 6, 2)],
        felt_better=True,
        functioned_better=None,
        recovered={},
        endurance_ratios={},
        series={"nprs": [SeriesPoint(date=d, value=6 - 2 * i) for i, d in enumerate(days)]},
    )


def test_a_measure_is_charted_once_measured_twice() -> None:
    assert views.outcome_charts(_summary(1)) == []
    charts = views.outcome_charts(_summary(3))
    assert [c.title for c in charts] == ["Pain, NPRS (0-10)"]
    assert views.outcome_charts(_summary(3)) == charts  # the same picture, drawn once


def test_progress_in_plain_words_has_no_rule_ids() -> None:
    lines = views.progress_sentences(_summary(3))
    assert lines == ["Your pain went from 6 to 2: that is a real improvement."]
    assert views.progress_sentences(None)[0].startswith("We will show your progress")
