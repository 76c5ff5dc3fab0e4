"""Program versions: propose (first from the intake, next by schedule or on demand), approve,
reject, edit. A version is never overwritten: an edit is a new version, a decision moves the
status (proposed -> approved | rejected | superseded) and records who and when.

Safety is re-applied on every path: adaptation and prescription carry the program's safety and
refuse unsafe rungs; an edit re-checks every exercise against it. A red flag stops the program at
once: the referral version is applied without waiting, since stopping exercise is always safe.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from spinecoach.clinical import screen_red_flags
from spinecoach.clinical.red_flags import SOURCE as RED_FLAG_SOURCE
from spinecoach.documents import parse_document
from spinecoach.errors import ClinicalSafetyError, InputError, UnknownItemError
from spinecoach.exercises import load_catalogue
from spinecoach.prescription import Adaptation, Overrides, adapt
from spinecoach.prescription.adapt import Alert, Change
from spinecoach.prescription.overrides import apply_dose_change
from spinecoach.prescription.program import (
    ExcludedExercise,
    Program,
    ProgramExercise,
    Reason,
    Referral,
)
from spinecoach.services import audit
from spinecoach.services.actors import SYSTEM, Actor
from spinecoach.services.alerts import refresh_alerts
from spinecoach.services.clinic import policy
from spinecoach.services.clock import utcnow
from spinecoach.services.errors import Conflict, NotFound
from spinecoach.services.patients import clinical_patient, require_clinician
from spinecoach.sessions import Session, SessionLog
from spinecoach.store import documents
from spinecoach.store.records import VersionRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "Trigger",
    "add_version",
    "approve_version",
    "edit_version",
    "get_version",
    "list_versions",
    "pain_rose",
    "program_of",
    "propose_due_versions",
    "propose_next_version",
    "reject_version",
    "session_log",
    "stop_for_red_flags",
]

Trigger = Literal["schedule", "on_demand", "check_in"]


def program_of(record: VersionRecord) -> Program:
    """The program document of a version; ``approved_by`` is the approving user's id, if any."""
    program = documents.load(Program, record.document)
    approved = record.status == "approved" or (
        record.status == "superseded"
        and record.decision_note is not None
        and record.decision_note.startswith("superseded by version")
    )
    if approved and record.decided_by and program.approved_by is None:
        return program.model_copy(update={"approved_by": record.decided_by})
    return program


def session_log(uow: UnitOfWork, version: VersionRecord) -> SessionLog:
    """Every session logged on ``version``, as the domain's session log."""
    return SessionLog(
        patient_id=version.patient_id,
        program_version=version.version,
        sessions=[
            documents.load(Session, s.document) for s in uow.sessions.for_version(version.id)
        ],
    )


def add_version(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    program: Program,
    *,
    basis: str,
    at: dt.datetime,
    changes: list[dict[str, Any]] | None = None,
    alerts: list[dict[str, Any]] | None = None,
    escalate: bool = False,
    parent_id: str | None = None,
    assessment_id: str | None = None,
) -> VersionRecord:
    """Insert a proposed version numbered after the patient's last (inside an open unit of work)."""
    number = uow.programs.next_version(patient_id)
    program = program.model_copy(
        update={"version": number, "patient_id": patient_id, "approved_by": None}
    )
    record = VersionRecord(
        id=new_id(),
        patient_id=patient_id,
        version=number,
        status="proposed",
        program_status=program.status,
        basis=basis,
        parent_id=parent_id,
        assessment_id=assessment_id,
        document=documents.dump(program),
        changes=changes or [],
        alerts=alerts or [],
        escalate=escalate,
        proposed_at=at,
        proposed_by=actor.user_id,
        decided_at=None,
        decided_by=None,
        decision_note=None,
    )
    uow.programs.add(record)
    # an older proposal still waiting is replaced by this one
    for older in uow.programs.versions(patient_id, "proposed"):
        if older.id != record.id:
            uow.programs.decide(
                older.id,
                expected="proposed",
                status="superseded",
                by=actor.user_id,
                at=at,
                note=f"superseded by proposed version {number}",
            )
    audit.record(
        uow,
        actor,
        "program.propose",
        patient_id=patient_id,
        object_type="CarePlan",
        object_id=record.id,
        at=at,
    )
    return record


def approve_inside(
    uow: UnitOfWork, actor: Actor, version: VersionRecord, at: dt.datetime, note: str | None
) -> VersionRecord:
    """Approve a proposed version and supersede the one in use (inside an open unit of work)."""
    previous = uow.programs.current(version.patient_id)
    if not uow.programs.decide(
        version.id, expected="proposed", status="approved", by=actor.user_id, at=at, note=note
    ):
        raise Conflict(f"program version {version.version} is {version.status}, not proposed")
    if previous is not None and previous.version < version.version:
        uow.programs.decide(
            previous.id,
            expected="approved",
            status="superseded",
            by=actor.user_id,
            at=at,
            note=f"superseded by version {version.version}",
        )
    uow.patients.set_status(
        version.patient_id, "stopped" if version.program_status == "referral" else "active"
    )
    audit.record(
        uow,
        actor,
        "program.approve",
        patient_id=version.patient_id,
        object_type="CarePlan",
        object_id=version.id,
        at=at,
    )
    approved = uow.programs.get(version.id)
    assert approved is not None
    return approved


def _version_for(uow: UnitOfWork, actor: Actor, version_id: str, *, decide: bool) -> VersionRecord:
    version = uow.programs.get(version_id)
    if version is None:
        raise NotFound("program version", version_id)
    try:
        if decide:
            require_clinician(uow, actor, version.patient_id)
        else:
            clinical_patient(uow, actor, version.patient_id)
    except NotFound:
        raise NotFound("program version", version_id) from None
    return version


def list_versions(
    uow: UnitOfWork, actor: Actor, patient_id: str, *, status: str | None = None
) -> list[VersionRecord]:
    """Every version of the patient's program, oldest first."""
    with uow:
        clinical_patient(uow, actor, patient_id)
        found = uow.programs.versions(patient_id, status)
        audit.record(uow, actor, "program.list", patient_id=patient_id, object_type="CarePlan")
        uow.commit()
    return found


def get_version(uow: UnitOfWork, actor: Actor, version_id: str) -> VersionRecord:
    """One version (NotFound when it is not the actor's to see)."""
    with uow:
        version = _version_for(uow, actor, version_id, decide=False)
        audit.record(
            uow,
            actor,
            "program.read",
            patient_id=version.patient_id,
            object_type="CarePlan",
            object_id=version_id,
        )
        uow.commit()
    return version


def approve_version(
    uow: UnitOfWork,
    actor: Actor,
    version_id: str,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> VersionRecord:
    """The patient's clinician approves a proposed version; it replaces the one in use."""
    return _decide(uow, actor, version_id, "approved", note=note, now=now)


def reject_version(
    uow: UnitOfWork,
    actor: Actor,
    version_id: str,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> VersionRecord:
    """The patient's clinician rejects a proposed version; the version in use stays."""
    return _decide(uow, actor, version_id, "rejected", note=note, now=now)


def _decide(
    uow: UnitOfWork,
    actor: Actor,
    version_id: str,
    status: Literal["approved", "rejected"],
    *,
    note: str | None,
    now: dt.datetime | None,
) -> VersionRecord:
    """One decision on a proposed version by its patient's clinician, in one transaction."""
    at = utcnow(now)
    with uow:
        version = _version_for(uow, actor, version_id, decide=True)
        if status == "approved":
            decided = approve_inside(uow, actor, version, at, note)
        else:
            if not uow.programs.decide(
                version_id, expected="proposed", status=status, by=actor.user_id, at=at, note=note
            ):
                raise Conflict(
                    f"program version {version.version} is {version.status}, not proposed"
                )
            audit.record(
                uow,
                actor,
                "program.reject",
                patient_id=version.patient_id,
                object_type="CarePlan",
                object_id=version_id,
                at=at,
            )
            found = uow.programs.get(version_id)
            assert found is not None
            decided = found
        refresh_alerts(uow, version.patient_id, at, sessions=[], measures=False)
        uow.commit()
    return decided


def edit_version(
    uow: UnitOfWork,
    actor: Actor,
    version_id: str,
    overrides: Overrides | dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> VersionRecord:
    """The clinician's edit of a proposed version, as a new proposed version (the edited one is
    superseded). Exclusions and dose changes (within the catalogue's bounds), pins of exercises
    already in it, added contraindications; every exercise is then re-checked against safety."""
    edit = (
        overrides
        if isinstance(overrides, Overrides)
        else parse_document(overrides, Overrides, "overrides")
    )
    at = utcnow(now)
    with uow:
        version = _version_for(uow, actor, version_id, decide=True)
        if version.status != "proposed":
            raise Conflict(
                f"program version {version.version} is {version.status}; only a proposed version is edited"
            )
        program, changes = _apply_edit(program_of(version), edit, version.changes)
        edited = add_version(
            uow,
            actor,
            version.patient_id,
            program,
            basis="edit",
            at=at,
            changes=[*version.changes, *changes],
            alerts=version.alerts,
            escalate=version.escalate,
            parent_id=version.parent_id,
            assessment_id=version.assessment_id,
        )
        audit.record(
            uow,
            actor,
            "program.edit",
            patient_id=version.patient_id,
            object_type="CarePlan",
            object_id=version_id,
            at=at,
        )
        refresh_alerts(uow, version.patient_id, at, sessions=[], measures=False)
        uow.commit()
    return edited


def _apply_edit(
    program: Program, edit: Overrides, recorded: list[dict[str, Any]] | None = None
) -> tuple[Program, list[dict[str, Any]]]:
    catalogue = load_catalogue()
    entries = {e.id: e for e in catalogue.exercises}
    present = {e.id for e in program.exercises}
    for field, ids in (("pin", edit.pin), ("exclude", edit.exclude), ("doses", list(edit.doses))):
        for i, exercise_id in enumerate(ids):
            if exercise_id not in present:
                raise UnknownItemError(
                    f"overrides.{field}.{i} '{exercise_id}' is not in program version {program.version}; "
                    f"allowed: {', '.join(sorted(present))}"
                )
    for exercise_id in edit.doses:
        if exercise_id in edit.exclude:
            raise InputError(
                f"overrides.doses.{exercise_id}: '{exercise_id}' is also excluded; "
                "change its dose or exclude it, not both"
            )
    for i, exercise_id in enumerate(edit.pin):
        if exercise_id in edit.exclude:
            raise InputError(
                f"overrides.pin.{i} '{exercise_id}' is also excluded; pin it or exclude it, not both"
            )
    why = Reason(
        rule="edit.clinician",
        text=f"edited by the clinician{': ' + edit.note if edit.note else ''}",
    )
    changes: list[dict[str, Any]] = []
    safety = program.safety
    if edit.contraindications:
        tags = sorted(set(safety.contraindications) | set(edit.contraindications))
        safety = safety.model_copy(update={"contraindications": tags})
    _refuse_unsafe_wants(program, edit, entries, safety)
    _refuse_progression_after_pain(program, edit, recorded or [])
    kept: list[ProgramExercise] = []
    excluded = list(program.excluded)
    for original in program.exercises:
        e = original
        entry = entries.get(e.id)
        unsafe = _unsafe(e, entry, safety)
        if e.id in edit.exclude or unsafe is not None:
            reason = unsafe or why
            excluded.append(ExcludedExercise(id=e.id, name=e.name, reasons=[reason]))
            changes.append(
                {
                    "exercise": e.id,
                    "action": "stop",
                    "from": e.id,
                    "to": None,
                    "reasons": [documents.dump(reason)],
                }
            )
            continue
        if e.id in edit.doses:
            if entry is None:
                raise InputError(f"overrides.doses.{e.id}: the exercise is not in the catalogue")
            dose = apply_dose_change(entry, e.dose, edit.doses[e.id])
            changes.append(
                {
                    "exercise": e.id,
                    "action": "dose",
                    "from": documents.dump(e.dose),
                    "to": documents.dump(dose),
                    "reasons": [documents.dump(why)],
                }
            )
            e = e.model_copy(update={"dose": dose, "pinned": True})
        elif e.id in edit.pin:
            e = e.model_copy(update={"pinned": True})
        kept.append(e)
    return program.model_copy(
        update={"exercises": kept, "excluded": excluded, "safety": safety}
    ), changes


PAIN_ROSE_RULES: tuple[str, ...] = (
    "adapt.flare_up",
    "adapt.regress.",
    "adapt.hold.neuro_symptoms",
    "adapt.hold.rise_settled",
    "adapt.hold.morning_above",
    "adapt.hold.pain_high",
    "adapt.hold.mean_rising",
    "adapt.hold.above_baseline",
    "adapt.hold.weekly_trend",
    "adapt.escalate.above_baseline",
    "adapt.red_flag",
    "service.red_flag_check_in",
)
"""Rules (or rule prefixes) by which adaptation recorded that pain rose, or symptoms came, in
the window a version was built on; while one stands no edit may raise a dose."""

_HARDER = {"sets": 1, "reps": 1, "hold_s": 1, "load_kg": 1, "duration_min": 1, "rest_s": -1}
"""Which way each dose parameter makes the work harder (less rest is harder)."""


def _refuse_unsafe_wants(
    program: Program, edit: Overrides, entries: dict[str, Any], safety: Any
) -> None:
    """A pin or a dose change of an exercise the (edited) safety forbids is refused, naming it:
    the clinician asked to keep it, so it is not dropped silently."""
    by_id = {e.id: e for e in program.exercises}
    wanted = [(f"overrides.pin.{i}", x) for i, x in enumerate(edit.pin)]
    wanted += [(f"overrides.doses.{x}", x) for x in edit.doses]
    for where, exercise_id in wanted:
        unsafe = _unsafe(by_id[exercise_id], entries.get(exercise_id), safety)
        if unsafe is not None:
            raise ClinicalSafetyError(
                f"{where} '{exercise_id}': refused, {unsafe.text}; nothing was changed"
            )


def pain_rose(program: Program, changes: list[dict[str, Any]]) -> str | None:
    """Why the version's window shows pain (or symptoms) rising, else None: a paused or stopped
    program, or a recorded change whose reason is one of :data:`PAIN_ROSE_RULES`."""
    if program.status != "active":
        return f"the program is {program.status}"
    for change in changes:
        for reason in change.get("reasons", []):
            rule = str(reason.get("rule", ""))
            if any(rule == r or (r.endswith(".") and rule.startswith(r)) for r in PAIN_ROSE_RULES):
                return str(reason.get("text", rule))
    return None


def _refuse_progression_after_pain(
    program: Program, edit: Overrides, changes: list[dict[str, Any]]
) -> None:
    """No progression when pain rose: a dose change that makes any parameter harder than the
    proposed dose is refused while :func:`pain_rose` finds a reason."""
    if not edit.doses:
        return
    why = pain_rose(program, changes)
    if why is None:
        return
    by_id = {e.id: e for e in program.exercises}
    for exercise_id, change in edit.doses.items():
        dose = by_id[exercise_id].dose
        for field, value in change.changed().items():
            was = getattr(dose, field)
            if was is not None and (value - was) * _HARDER[field] > 0:
                raise ClinicalSafetyError(
                    f"overrides.doses.{exercise_id}.{field}: refused, {value:g} is harder than "
                    f"the proposed {was:g} and no dose goes up while pain rose ({why}); "
                    "nothing was changed"
                )


def _unsafe(e: ProgramExercise, entry: Any, safety: Any) -> Reason | None:
    """Why ``e`` may not stay in a program with ``safety`` (provoking load, contraindication, equipment)."""
    bad = [load for load in e.loads if load in safety.provoking_loads]
    if bad:
        return Reason(
            rule="edit.refused_safety.provoking",
            text=f"{e.name} loads {', '.join(bad)}, which provokes symptoms",
        )
    if entry is not None:
        tags = sorted(set(entry.contraindications) & set(safety.contraindications))
        if tags:
            return Reason(
                rule="edit.refused_safety.contraindicated",
                text=f"{e.name} is contraindicated ({', '.join(tags)})",
            )
        missing = sorted(set(entry.equipment) - set(safety.equipment))
        if missing:
            return Reason(
                rule="edit.refused_safety.equipment", text=f"{e.name} needs {', '.join(missing)}"
            )
    return None


def propose_inside(
    uow: UnitOfWork, actor: Actor, patient_id: str, at: dt.datetime, trigger: Trigger
) -> VersionRecord:
    """Adapt the version in use to its sessions and propose the result (inside an open unit of
    work). A referral (red flag) is applied at once; with the clinic's "auto-apply unless
    escalated" mode, a version no alert escalates is applied too."""
    current = uow.programs.current(patient_id)
    if current is None:
        raise Conflict(f"patient {patient_id!r} has no approved program to adapt")
    log = session_log(uow, current)
    if not log.sessions and trigger != "check_in":
        raise Conflict(f"no session is logged on program version {current.version} yet")
    try:
        result: Adaptation = adapt(program_of(current), log, catalogue=load_catalogue())
    except ClinicalSafetyError as exc:
        raise Conflict(str(exc)) from None
    proposed = add_version(
        uow,
        actor,
        patient_id,
        result.program,
        basis=f"adaptation:{trigger}",
        at=at,
        changes=[documents.dump(c) for c in result.changes],
        alerts=[documents.dump(a) for a in result.alerts],
        escalate=result.needs_clinician,
        parent_id=current.id,
        assessment_id=current.assessment_id,
    )
    if result.program.status == "referral":
        return approve_inside(uow, SYSTEM, proposed, at, "red flag: exercise stopped at once")
    if policy(uow).approval_mode == "auto_apply_unless_escalated" and not result.needs_clinician:
        return approve_inside(uow, SYSTEM, proposed, at, "applied automatically (clinic setting)")
    return proposed


def stop_for_red_flags(
    uow: UnitOfWork, actor: Actor, patient_id: str, flags: list[str], at: dt.datetime
) -> VersionRecord | None:
    """Stop the program in use at once for red flags (inside an open unit of work): a referral
    version, applied without waiting. None when no active program is in use."""
    current = uow.programs.current(patient_id)
    if current is None or current.program_status != "active":
        return None
    log = session_log(uow, current)
    if set(flags) <= {f for s in log.sessions for f in s.red_flags}:
        return propose_inside(uow, actor, patient_id, at, "check_in")
    # the flagged session belongs to an earlier version: stop this one just the same
    screen = screen_red_flags(flags)
    top = screen.hits[0]
    why = Reason(
        rule="service.red_flag_check_in",
        text=f"red flag at a check-in ({', '.join(flags)}, {screen.urgency}): all exercise stops "
        "until a clinician clears it",
        source=RED_FLAG_SOURCE,
    )
    program = program_of(current)
    stopped = program.model_copy(
        update={
            "status": "referral",
            "exercises": [],
            "referral": Referral(
                urgency=screen.urgency if screen.urgency != "none" else "review",
                patient_action=top.patient_action,
                clinician_action=top.clinician_action,
                flags=[h.id for h in screen.hits],
            ),
        }
    )
    proposed = add_version(
        uow,
        actor,
        patient_id,
        stopped,
        basis="adaptation:check_in",
        at=at,
        changes=[
            documents.dump(Change(exercise=e.id, action="stop", from_=e.id, reasons=[why]))
            for e in program.exercises
        ],
        alerts=[documents.dump(Alert(rule=why.rule, text=why.text, escalate=True))],
        escalate=True,
        parent_id=current.id,
        assessment_id=current.assessment_id,
    )
    return approve_inside(uow, SYSTEM, proposed, at, "red flag: exercise stopped at once")


def propose_next_version(
    uow: UnitOfWork, actor: Actor, patient_id: str, *, now: dt.datetime | None = None
) -> VersionRecord:
    """On demand: the patient's clinician asks for the next version now."""
    at = utcnow(now)
    with uow:
        require_clinician(uow, actor, patient_id)
        version = propose_inside(uow, actor, patient_id, at, "on_demand")
        refresh_alerts(uow, patient_id, at, sessions=[], measures=False)
        uow.commit()
    return version


def propose_due_versions(uow: UnitOfWork, *, now: dt.datetime | None = None) -> list[VersionRecord]:
    """By schedule: for every patient whose version in use is older than the review interval and
    has sessions logged, with no proposal waiting, propose the next version (one transaction per
    patient, so one patient's problem does not hold back the others)."""
    at = utcnow(now)
    with uow:
        interval = dt.timedelta(days=policy(uow).review_interval_days)
        ids = uow.patients.ids()
    proposed: list[VersionRecord] = []
    for patient_id in ids:
        with uow:
            current = uow.programs.current(patient_id)
            if (
                current is None
                or current.program_status == "referral"
                or current.approved_at is None
                or at - current.approved_at < interval
                or uow.programs.versions(patient_id, "proposed")
                or not uow.sessions.for_version(current.id)
            ):
                continue
            proposed.append(propose_inside(uow, SYSTEM, patient_id, at, "schedule"))
            refresh_alerts(uow, patient_id, at, sessions=[], measures=False)
            uow.commit()
    return proposed
