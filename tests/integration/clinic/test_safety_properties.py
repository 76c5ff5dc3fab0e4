"""Clinical safety as invariants of the service, tested with hypothesis on the real record.

Any red-flag answer at a check-in stops the program at once; no clinician edit leaves an
exercise the patient's safety forbids; auto-apply never applies a version an alert escalates.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinecoach.clinical import RED_FLAGS
from spinecoach.exercises import load_catalogue
from spinecoach.services import clinic, programs, sessions
from spinecoach.services import intake as intake_service
from spinecoach.services import patients as patient_service
from spinecoach.services.actors import Actor
from spinecoach.services.errors import Conflict
from spinecoach.store.unit_of_work import UnitOfWork
from spinecoach.vocabulary import CONTRAINDICATIONS

from .loop import START, example, on_program, sessions_of

LATER = START + dt.timedelta(days=3)
EXAMPLES = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def sqlite_only(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("properties run on SQLite; the same code paths run on PostgreSQL elsewhere")


@EXAMPLES
@given(flags=st.sets(st.sampled_from(sorted(RED_FLAGS)), min_size=1, max_size=4))
def test_any_red_flag_at_check_in_stops_the_program(
    sqlite_only: None, uow: UnitOfWork, clinician: Actor, flags: set[str]
) -> None:
    patient_id, _ = on_program(uow, clinician)
    first = sessions.log_session(uow, clinician, patient_id, sessions_of()[0], now=LATER)
    outcome = sessions.check_in(
        uow, clinician, first.id, {"next_morning_pain": 3, "red_flags": sorted(flags)}, now=LATER
    )
    assert outcome.program_stopped
    assert outcome.emergency_text
    with uow:
        current = uow.programs.current(patient_id)
    assert current is not None
    assert current.program_status == "referral"
    assert programs.program_of(current).exercises == []
    with pytest.raises(Conflict):
        sessions.log_session(uow, clinician, patient_id, sessions_of()[1], now=LATER)


@EXAMPLES
@given(
    added=st.sets(st.sampled_from(CONTRAINDICATIONS), max_size=3),
    drop=st.integers(min_value=0, max_value=3),
)
def test_no_edit_leaves_an_exercise_the_safety_forbids(
    sqlite_only: None, uow: UnitOfWork, clinician: Actor, added: set[str], drop: int
) -> None:
    patient = patient_service.register_patient(uow, clinician, {"display_name": "A"}, now=START)
    proposed = intake_service.submit_intake(
        uow, clinician, patient.id, example("desk-worker.intake.json"), now=START
    ).version
    ids = [e.id for e in programs.program_of(proposed).exercises]
    edit = {"contraindications": sorted(added), "exclude": ids[:drop]}
    edited = programs.program_of(programs.edit_version(uow, clinician, proposed.id, edit))
    by_id = {e.id: e for e in load_catalogue().exercises}
    safety = edited.safety
    for e in edited.exercises:
        entry = by_id[e.id]
        assert not set(entry.contraindications) & set(safety.contraindications)
        assert not set(e.loads) & set(safety.provoking_loads)
        assert set(entry.equipment) <= set(safety.equipment)
    assert set(added) <= set(safety.contraindications)
    assert not set(ids[:drop]) & {e.id for e in edited.exercises}


@EXAMPLES
@given(peaks=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=4))
def test_auto_apply_never_applies_an_escalated_version(
    sqlite_only: None, uow: UnitOfWork, clinician: Actor, admin: Actor, peaks: list[int]
) -> None:
    clinic.set_policy(uow, admin, {"approval_mode": "auto_apply_unless_escalated"})
    patient_id, _ = on_program(uow, clinician)
    for s, peak in zip(sessions_of(), peaks, strict=False):
        sessions.log_session(uow, clinician, patient_id, {**s, "pain_after": peak}, now=LATER)
    proposed = programs.propose_next_version(uow, clinician, patient_id, now=LATER)
    if proposed.escalate:
        assert proposed.status == "proposed"
    else:
        assert proposed.status == "approved"
        assert proposed.approved_by == "system"
