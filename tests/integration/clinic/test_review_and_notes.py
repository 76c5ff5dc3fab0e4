"""The clinician's review through the services: edits the safety refuses save nothing; notes
are the patient's clinicians' only, audited without their text."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.documents import parse_document
from spinecoach.errors import ClinicalSafetyError, InputError
from spinecoach.prescription import Overrides
from spinecoach.services import audit, notes, programs, sessions, worklist
from spinecoach.services import intake as intake_service
from spinecoach.services import patients as patient_service
from spinecoach.services.actors import Actor, Role
from spinecoach.services.errors import Forbidden, NotFound
from spinecoach.store.records import AlertRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

from .loop import START, example, on_program, sessions_of

LATER = START + dt.timedelta(days=8)


def _statuses(uow: UnitOfWork, clinician: Actor, patient_id: str) -> list[tuple[int, str]]:
    return [(v.version, v.status) for v in programs.list_versions(uow, clinician, patient_id)]


def _flared(uow: UnitOfWork, clinician: Actor) -> tuple[str, str]:
    patient_id, _ = on_program(uow, clinician)
    for s in sessions_of()[:2]:
        sessions.log_session(
            uow, clinician, patient_id, {**s, "pain_before": 3, "pain_after": 9}, now=LATER
        )
    proposed = programs.propose_next_version(uow, clinician, patient_id, now=LATER)
    return patient_id, proposed.id


def test_a_harder_dose_while_pain_rose_is_refused_and_nothing_is_saved(
    uow: UnitOfWork, clinician: Actor
) -> None:
    patient_id, version_id = _flared(uow, clinician)
    version = programs.get_version(uow, clinician, version_id)
    program = programs.program_of(version)
    assert programs.pain_rose(program, version.changes) is not None
    first = program.exercises[0]
    before = _statuses(uow, clinician, patient_id)
    with pytest.raises(ClinicalSafetyError, match=rf"overrides\.doses\.{first.id}\.sets: refused"):
        programs.edit_version(
            uow, clinician, version_id, {"doses": {first.id: {"sets": first.dose.sets + 1}}}
        )
    assert _statuses(uow, clinician, patient_id) == before
    # the same dose, pinned, is no progression: the edit goes through
    same = {"sets": first.dose.sets}
    edited = programs.edit_version(uow, clinician, version_id, {"doses": {first.id: same}})
    kept = programs.program_of(edited).exercises[0]
    assert kept.pinned
    assert kept.dose.sets == first.dose.sets


def test_pinning_an_exercise_a_new_contraindication_forbids_is_refused(
    uow: UnitOfWork, clinician: Actor
) -> None:
    from spinecoach.exercises import load_catalogue

    patient = patient_service.register_patient(uow, clinician, {"display_name": "Ann"}, now=START)
    proposed = intake_service.submit_intake(
        uow, clinician, patient.id, example("desk-worker.intake.json"), now=START
    ).version
    by_id = {e.id: e for e in load_catalogue().exercises}
    program = programs.program_of(proposed)
    hit = next(
        (e.id, tag)
        for e in program.exercises
        for tag in by_id[e.id].contraindications
        if tag not in program.safety.contraindications
    )
    before = _statuses(uow, clinician, patient.id)
    with pytest.raises(ClinicalSafetyError, match=r"overrides\.pin\.0 .*refused.*contraindicated"):
        programs.edit_version(
            uow, clinician, proposed.id, {"pin": [hit[0]], "contraindications": [hit[1]]}
        )
    assert _statuses(uow, clinician, patient.id) == before
    with pytest.raises(InputError, match=r"also excluded"):
        programs.edit_version(uow, clinician, proposed.id, {"pin": [hit[0]], "exclude": [hit[0]]})


def test_notes_are_written_and_read_by_the_patients_clinician_only(
    uow: UnitOfWork, clinician: Actor, other_clinician: Actor, admin: Actor
) -> None:
    patient_id, _ = on_program(uow, clinician)
    notes.add_note(uow, clinician, patient_id, {"text": "first"}, now=START)
    notes.add_note(uow, clinician, patient_id, {"text": "  second  "}, now=LATER)
    found = notes.list_notes(uow, clinician, patient_id)
    assert [n.text for n in found] == ["second", "first"]
    assert found[0].author == clinician.username
    with pytest.raises(InputError, match="text"):
        notes.add_note(uow, clinician, patient_id, {"text": "   "})
    with pytest.raises(NotFound):
        notes.list_notes(uow, other_clinician, patient_id)
    with pytest.raises(NotFound):
        notes.add_note(uow, other_clinician, patient_id, {"text": "not mine"})
    me = Actor("p1" + "0" * 30, "ann", frozenset({Role.PATIENT}), patient_id)
    with pytest.raises(Forbidden):
        notes.list_notes(uow, me, patient_id)
    events = audit.list_events(uow, admin, patient_id=patient_id)
    actions = [e.action for e in events]
    assert actions.count("note.create") == 2
    assert "note.list" in actions
    assert all("second" not in (e.object_id or "") for e in events)


def _alert(patient_id: str, kind: str, severity: str, n: int) -> AlertRecord:
    return AlertRecord(
        id=new_id(),
        patient_id=patient_id,
        kind=kind,
        severity=severity,  # type: ignore[arg-type]
        text=f"{kind} {n}",
        object_type=None,
        object_id=None,
        key=f"{kind}:{n}",
        created_at=START,
        resolved_at=None,
        resolved_by=None,
    )


def test_the_worklist_orders_filters_searches_and_pages_in_the_database(
    uow: UnitOfWork, clinician: Actor, other_clinician: Actor
) -> None:
    names = ["Ann 100%", "Bob", "Cy_x", "Dee", "Eve", "Fay"]
    ids = {
        name: patient_service.register_patient(uow, clinician, {"display_name": name}, now=START).id
        for name in names
    }
    patient_service.register_patient(uow, other_clinician, {"display_name": "Not mine"})
    with uow:
        uow.alerts.add(_alert(ids["Fay"], "red_flag", "emergency", 1))
        uow.alerts.add(_alert(ids["Dee"], "low_adherence", "normal", 1))
        uow.alerts.add(_alert(ids["Eve"], "low_adherence", "normal", 1))
        uow.alerts.add(_alert(ids["Eve"], "pain_above_limit", "normal", 2))
        uow.commit()
    found = worklist.worklist(uow, clinician, limit=4)
    assert [p.display_name for p, _ in found.rows] == ["Fay", "Eve", "Dee", "Ann 100%"]
    assert [len(a) for _, a in found.rows] == [1, 2, 1, 0]
    assert (found.matching, found.total, found.with_alerts) == (6, 6, 3)
    assert found.by_kind == {"red_flag": 1, "low_adherence": 2, "pain_above_limit": 1}
    second = worklist.worklist(uow, clinician, offset=4, limit=4)
    assert [p.display_name for p, _ in second.rows] == ["Bob", "Cy_x"]
    # a search is a part of the name in any case; % and _ are letters, not wildcards
    assert [p.display_name for p, _ in worklist.worklist(uow, clinician, name="0%").rows] == [
        "Ann 100%"
    ]
    assert [p.display_name for p, _ in worklist.worklist(uow, clinician, name="Y_").rows] == [
        "Cy_x"
    ]
    assert worklist.worklist(uow, clinician, name="_").matching == 1
    filtered = worklist.worklist(uow, clinician, kind="low_adherence")
    assert [p.display_name for p, _ in filtered.rows] == ["Eve", "Dee"]
    assert filtered.matching == 2
    with pytest.raises(InputError, match="limit"):
        worklist.worklist(uow, clinician, limit=0)


@functools.cache
def _paused_program() -> Any:
    """The desk-worker program as a flare-up leaves it: paused (pain rose)."""
    from spinecoach.clinical import Intake, assess
    from spinecoach.exercises import load_catalogue
    from spinecoach.prescription import prescribe

    assessment = assess(Intake.model_validate(example("desk-worker.intake.json")))
    program = prescribe(assessment, assessment.patient, load_catalogue())
    return program.model_copy(update={"status": "paused"})


_HARDER = {"sets": 1, "reps": 1, "hold_s": 1, "load_kg": 1, "duration_min": 1, "rest_s": -1}


@settings(max_examples=150, deadline=None)
@given(
    picks=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=20),
            st.sampled_from(sorted(_HARDER)),
            st.integers(min_value=-3, max_value=3),
        ),
        min_size=1,
        max_size=4,
    ),
    regress_rule=st.booleans(),
)
def test_no_edit_raises_a_dose_while_pain_rose(
    picks: list[tuple[int, str, int]], regress_rule: bool
) -> None:
    program = _paused_program()
    changes: list[dict[str, Any]] = []
    if regress_rule:  # the same, told by a recorded change on an active program
        program = program.model_copy(update={"status": "active"})
        changes = [{"exercise": "x", "reasons": [{"rule": "adapt.regress.two_rises"}]}]
    doses: dict[str, dict[str, float | int]] = {}
    for index, field, step in picks:
        item = program.exercises[index % len(program.exercises)]
        was = getattr(item.dose, field)
        base = was if was is not None else 1
        value = base + step
        doses.setdefault(item.id, {})[field] = (
            max(int(value), 0) if field in {"sets", "reps", "rest_s"} else max(float(value), 0.0)
        )
    try:
        edited, _ = programs._apply_edit(
            program, parse_document({"doses": doses}, Overrides, "overrides"), changes
        )
    except (InputError, ClinicalSafetyError):
        return
    before = {e.id: e.dose for e in program.exercises}
    for e in edited.exercises:
        for field, sign in _HARDER.items():
            old, new = getattr(before[e.id], field), getattr(e.dose, field)
            if old is not None and new is not None:
                assert (new - old) * sign <= 0, (e.id, field, old, new)
