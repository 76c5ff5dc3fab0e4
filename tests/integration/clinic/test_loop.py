"""The adaptive loop on the record, on both databases: intake -> program -> sessions ->
check-in -> next version -> approval, with versions, statuses, alerts and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from spinecoach.prescription.program import Program
from spinecoach.services import alerts, audit, clinic, outcomes, programs, sessions
from spinecoach.services import intake as intake_service
from spinecoach.services import patients as patient_service
from spinecoach.services.actors import Actor, Role
from spinecoach.services.errors import (
    Conflict,
    DocumentError,
    Forbidden,
    NotFound,
    UnknownItemError,
)
from spinecoach.store.unit_of_work import UnitOfWork

from .loop import START, example, on_program, sessions_of

LATER = START + dt.timedelta(days=8)


def _patient_actor(patient_id: str) -> Actor:
    return Actor("p" * 32, "ann", frozenset({Role.PATIENT}), patient_id=patient_id)


def test_intake_gives_assessment_baseline_and_proposed_first_version(
    uow: UnitOfWork, clinician: Actor
) -> None:
    patient = patient_service.register_patient(uow, clinician, {"display_name": "Ann"}, now=START)
    result = intake_service.submit_intake(
        uow, clinician, patient.id, example("desk-worker.intake.json"), now=START
    )
    assert result.version.version == 1
    assert result.version.status == "proposed"
    program = programs.program_of(result.version)
    assert program.patient_id == patient.id
    assert program.exercises
    kinds = {a.kind for a in alerts.list_alerts(uow, clinician)}
    assert "awaiting_approval" in kinds
    summary = outcomes.compute_outcomes(uow, clinician, patient.id)
    assert summary.timeline is not None
    assert summary.timeline.measurements[0].date == START.date()


def test_approve_then_sessions_then_next_version_never_overwrites(
    uow: UnitOfWork, clinician: Actor
) -> None:
    patient_id, v1 = on_program(uow, clinician)
    assert v1.status == "approved"
    assert v1.approved_by == clinician.user_id
    for s in sessions_of():
        sessions.log_session(uow, clinician, patient_id, s, now=LATER)
    v2 = programs.propose_next_version(uow, clinician, patient_id, now=LATER)
    assert (v2.version, v2.status, v2.parent_id) == (2, "proposed", v1.id)
    assert v2.changes
    with pytest.raises(Conflict, match="approved, not proposed"):
        programs.approve_version(uow, clinician, v1.id, now=LATER)
    approved = programs.approve_version(uow, clinician, v2.id, now=LATER)
    assert approved.status == "approved"
    versions = programs.list_versions(uow, clinician, patient_id)
    assert [(v.version, v.status) for v in versions] == [(1, "superseded"), (2, "approved")]
    assert versions[0].document == v1.document  # the old version's program is untouched
    assert versions[0].approved_by == clinician.user_id


def test_reject_keeps_the_version_in_use(uow: UnitOfWork, clinician: Actor) -> None:
    patient_id, v1 = on_program(uow, clinician)
    for s in sessions_of():
        sessions.log_session(uow, clinician, patient_id, s, now=LATER)
    v2 = programs.propose_next_version(uow, clinician, patient_id, now=LATER)
    rejected = programs.reject_version(uow, clinician, v2.id, note="not yet", now=LATER)
    assert (rejected.status, rejected.decision_note) == ("rejected", "not yet")
    with uow:
        current = uow.programs.current(patient_id)
    assert current is not None
    assert current.id == v1.id


def test_edit_makes_a_new_version_and_refuses_unknown_exercises(
    uow: UnitOfWork, clinician: Actor
) -> None:
    patient = patient_service.register_patient(uow, clinician, {"display_name": "Ann"}, now=START)
    proposed = intake_service.submit_intake(
        uow, clinician, patient.id, example("desk-worker.intake.json"), now=START
    ).version
    first = programs.program_of(proposed).exercises[0].id
    edited = programs.edit_version(
        uow, clinician, proposed.id, {"exclude": [first], "note": "wrist"}, now=START
    )
    assert edited.version == 2
    assert first not in [e.id for e in programs.program_of(edited).exercises]
    with uow:
        old = uow.programs.get(proposed.id)
    assert old is not None
    assert old.status == "superseded"
    with pytest.raises(UnknownItemError, match=r"overrides\.exclude\.0 'no_such'"):
        programs.edit_version(uow, clinician, edited.id, {"exclude": ["no_such"]}, now=START)


def test_edit_with_a_contraindication_drops_every_exercise_it_forbids(
    uow: UnitOfWork, clinician: Actor
) -> None:
    patient = patient_service.register_patient(uow, clinician, {"display_name": "Ann"}, now=START)
    proposed = intake_service.submit_intake(
        uow, clinician, patient.id, example("desk-worker.intake.json"), now=START
    ).version
    edited = programs.edit_version(
        uow, clinician, proposed.id, {"contraindications": ["wrist_pain"]}, now=START
    )
    from spinecoach.exercises import load_catalogue

    by_id = {e.id: e for e in load_catalogue().exercises}
    program = programs.program_of(edited)
    assert "wrist_pain" in program.safety.contraindications
    for e in program.exercises:
        assert "wrist_pain" not in by_id[e.id].contraindications


def test_red_flag_at_check_in_stops_the_program_at_once(uow: UnitOfWork, clinician: Actor) -> None:
    patient_id, _ = on_program(uow, clinician)
    first = sessions.log_session(uow, clinician, patient_id, sessions_of()[0], now=LATER)
    me = _patient_actor(patient_id)
    outcome = sessions.check_in(
        uow,
        me,
        first.id,
        {"next_morning_pain": 6, "red_flags": ["ces_saddle_anaesthesia"]},
        now=LATER,
    )
    assert outcome.program_stopped
    assert outcome.emergency_text is not None
    assert "emergency" in outcome.emergency_text.lower()
    assert outcome.version is not None
    assert (outcome.version.status, outcome.version.program_status) == ("approved", "referral")
    assert Program.model_validate(outcome.version.document).exercises == []
    listed = alerts.list_alerts(uow, clinician)
    assert listed[0].kind == "red_flag"
    assert listed[0].severity == "emergency"
    with pytest.raises(Conflict, match="referral"):
        sessions.log_session(uow, me, patient_id, sessions_of()[1], now=LATER)
    assert patient_service.get_patient(uow, clinician, patient_id).status == "stopped"


def test_red_flag_for_a_session_of_an_earlier_version_still_stops_the_program(
    uow: UnitOfWork, clinician: Actor
) -> None:
    patient_id, _ = on_program(uow, clinician)
    logged = [sessions.log_session(uow, clinician, patient_id, s, now=LATER) for s in sessions_of()]
    v2 = programs.propose_next_version(uow, clinician, patient_id, now=LATER)
    programs.approve_version(uow, clinician, v2.id, now=LATER)
    outcome = sessions.check_in(
        uow, clinician, logged[-1].id, {"next_morning_pain": 4, "red_flags": ["ces_bladder"]}
    )
    assert outcome.program_stopped
    assert outcome.version is not None
    assert outcome.version.parent_id == v2.id
    assert programs.program_of(outcome.version).referral is not None
    assert programs.program_of(outcome.version).exercises == []


def test_unknown_red_flag_is_named(uow: UnitOfWork, clinician: Actor) -> None:
    patient_id, _ = on_program(uow, clinician)
    first = sessions.log_session(uow, clinician, patient_id, sessions_of()[0], now=LATER)
    with pytest.raises(DocumentError, match="red_flags"):
        sessions.check_in(uow, clinician, first.id, {"next_morning_pain": 3, "red_flags": ["nope"]})


def test_session_with_an_exercise_not_in_the_program_is_refused(
    uow: UnitOfWork, clinician: Actor
) -> None:
    patient_id, _ = on_program(uow, clinician)
    bad = sessions_of()[0]
    bad["exercises"][0]["id"] = "deadlift"
    with pytest.raises(UnknownItemError, match=r"exercises\.0\.id 'deadlift'"):
        sessions.log_session(uow, clinician, patient_id, bad, now=LATER)
    with uow:
        assert uow.sessions.for_patient(patient_id) == []


def test_sessions_out_of_order_are_refused(uow: UnitOfWork, clinician: Actor) -> None:
    patient_id, _ = on_program(uow, clinician)
    s1, s2 = sessions_of()[:2]
    sessions.log_session(uow, clinician, patient_id, s2, now=LATER)
    with pytest.raises(DocumentError, match="not after the previous session"):
        sessions.log_session(uow, clinician, patient_id, s1, now=LATER)


def test_auto_apply_mode_applies_an_unescalated_version(
    uow: UnitOfWork, clinician: Actor, admin: Actor
) -> None:
    clinic.set_policy(uow, admin, {"approval_mode": "auto_apply_unless_escalated"})
    patient_id, _ = on_program(uow, clinician)
    for s in sessions_of():
        sessions.log_session(uow, clinician, patient_id, s, now=LATER)
    v2 = programs.propose_next_version(uow, clinician, patient_id, now=LATER)
    assert v2.escalate is False
    assert v2.status == "approved"


def test_scheduled_proposal_after_the_review_interval(uow: UnitOfWork, clinician: Actor) -> None:
    patient_id, _ = on_program(uow, clinician)
    for s in sessions_of():
        sessions.log_session(uow, clinician, patient_id, s, now=LATER)
    assert programs.propose_due_versions(uow, now=START + dt.timedelta(days=3)) == []
    due = programs.propose_due_versions(uow, now=LATER)
    assert [v.patient_id for v in due] == [patient_id]
    assert due[0].basis == "adaptation:schedule"
    assert programs.propose_due_versions(uow, now=LATER) == []  # one proposal waits already


def test_access_another_clinicians_patient_is_not_found(
    uow: UnitOfWork, clinician: Actor, other_clinician: Actor, admin: Actor
) -> None:
    patient_id, v1 = on_program(uow, clinician)
    with pytest.raises(NotFound):
        patient_service.get_patient(uow, other_clinician, patient_id)
    with pytest.raises(NotFound):
        programs.get_version(uow, other_clinician, v1.id)
    with pytest.raises(NotFound):
        outcomes.compute_outcomes(uow, admin, patient_id)  # an admin reads no clinical data
    assert patient_service.list_patients(uow, other_clinician) == []
    assert [p.id for p in patient_service.list_patients(uow, admin)] == [patient_id]
    other = _patient_actor("someone-else")
    with pytest.raises(NotFound):
        patient_service.get_patient(uow, other, patient_id)
    me = _patient_actor(patient_id)
    with pytest.raises(Forbidden):
        programs.approve_version(uow, me, v1.id)
    events = audit.list_events(uow, admin, user_id=other_clinician.user_id, limit=100)
    denied = [e for e in events if e.outcome == "denied"]
    assert len(denied) == 2  # the patient and the program version asked for
    assert {(e.action, e.patient_id) for e in denied} == {("patient.access", patient_id)}
    assert patient_service.assign_clinician(uow, admin, patient_id, other_clinician.user_id)
    assert patient_service.get_patient(uow, other_clinician, patient_id).id == patient_id


def test_every_read_and_write_is_audited_without_clinical_content(
    uow: UnitOfWork, clinician: Actor, admin: Actor
) -> None:
    patient_id, _ = on_program(uow, clinician)
    sessions.log_session(uow, clinician, patient_id, sessions_of()[0], now=LATER)
    sessions.list_sessions(uow, clinician, patient_id)
    events = audit.list_events(uow, admin, patient_id=patient_id, limit=1000)
    actions = {e.action for e in events}
    assert {"patient.register", "intake.submit", "program.approve", "session.log"} <= actions
    assert "session.list" in actions
    mine = [e for e in events if e.user_id == clinician.user_id]
    assert all(e.role == "clinician" and e.remote_addr == "127.0.0.1" for e in mine)
    with pytest.raises(Forbidden):
        audit.list_events(uow, clinician)
