"""Records at the edges: a referral instead of a program, and an intake with nothing after it."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.clinical import Intake
from spinecoach.clinical.odi import MAX_SKIPPED_SECTIONS, score_odi
from spinecoach.documents import load_document
from spinecoach.exercises import Catalogue
from spinecoach.interop import PatientRecord, program_versions
from spinecoach.interop.fhir import (
    bundle_problems,
    export_bundle,
    import_questionnaire_response,
    resource_json,
)
from spinecoach.interop.fhir.export import response_items
from spinecoach.interop.fhir.forms import FORMS
from spinecoach.interop.reports import build_report, render_html
from spinecoach.prescription.program import Program

from .conftest import EXAMPLES, START


def _referral_record() -> PatientRecord:
    intake = load_document(EXAMPLES / "red-flag.intake.json", Intake)
    program = load_document(EXAMPLES / "red-flag.program.json", Program)
    return PatientRecord.from_intake(
        intake,
        clinic_name="Riverside Physiotherapy",
        intake_date=START,
        programs=program_versions([program], START),
        as_of=START,
    )


def test_a_referral_exports_flags_and_a_plan_without_exercises(catalogue: Catalogue) -> None:
    record = _referral_record()
    bundle = resource_json(export_bundle(record, catalogue, "transaction"))
    assert bundle_problems(bundle) == []
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Flag") == len(record.intake.red_flags) == 3
    assert "ServiceRequest" not in kinds
    (plan,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"
    ]
    assert plan["description"].startswith("Version 1: no exercise")


def test_a_referral_report_says_stop(catalogue: Catalogue) -> None:
    html = render_html(build_report(_referral_record(), "progress", catalogue))
    assert "STOP: No exercise for now" in html
    assert "Red flags at intake" in html
    assert "No re-measurement yet." in html


def test_an_intake_alone_still_makes_a_record_and_documents(catalogue: Catalogue) -> None:
    intake = load_document(EXAMPLES / "desk-worker.intake.json", Intake)
    record = PatientRecord.from_intake(
        intake, clinic_name="Riverside Physiotherapy", intake_date=START, as_of=START
    )
    bundle = resource_json(export_bundle(record, catalogue))
    assert bundle_problems(bundle) == []
    assert "CarePlan" not in {e["resource"]["resourceType"] for e in bundle["entry"]}
    report = build_report(record, "discharge", catalogue)
    assert report.handout == ()
    assert report.felt_better == "not measured"
    assert "cannot be judged" in render_html(report)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(
        st.lists(st.integers(0, 5), min_size=10, max_size=10),
        st.sets(st.integers(0, 9), max_size=MAX_SKIPPED_SECTIONS),
    ).map(lambda t: [None if i in t[1] else a for i, a in enumerate(t[0])])
)
def test_any_odi_we_export_imports_to_the_same_score(answers: list[int | None]) -> None:
    """Our own QuestionnaireResponse items, read back, give what the scorer gives directly."""
    questionnaires = Intake.model_validate(
        {"patient": {"id": "p", "age": 40, "sex": "female"}, "questionnaires": {"odi": answers}}
    ).questionnaires
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": FORMS["odi"].url,
        "authored": dt.date(2026, 1, 5).isoformat(),
        "item": response_items(questionnaires, "odi"),
    }
    imported = import_questionnaire_response(response)
    assert imported.answers == answers
    assert imported.scores.odi == score_odi(answers)
