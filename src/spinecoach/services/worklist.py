"""The clinician's worklist: their patients, those with open alerts first, searched by name and
filtered by alert kind, one page at a time, with the counts the home page shows.

The database orders, filters and counts (one query each), so a clinician with a thousand
patients costs one page of rows, not a thousand.
"""

from __future__ import annotations

from dataclasses import dataclass

from spinecoach.errors import InputError
from spinecoach.services import audit
from spinecoach.services.actors import Actor, Role
from spinecoach.services.errors import Forbidden
from spinecoach.store.records import AlertRecord, PatientRecord
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["MAX_PAGE", "Worklist", "worklist"]

MAX_PAGE = 200
SEVERITY_ORDER = {"emergency": 0, "high": 1, "normal": 2}


@dataclass(frozen=True)
class Worklist:
    """One page of the worklist and the counts around it."""

    rows: list[tuple[PatientRecord, list[AlertRecord]]]
    matching: int
    """patients that match the search and the filter (all pages)"""
    total: int
    """the clinician's patients"""
    with_alerts: int
    by_kind: dict[str, int]
    offset: int
    limit: int


def worklist(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str = "",
    kind: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Worklist:
    """A page of the clinician's own patients with their open alerts (most severe first)."""
    if not actor.has(Role.CLINICIAN):
        raise Forbidden("the worklist is a clinician's")
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit: {limit} must be 1-{MAX_PAGE}")
    if offset < 0:
        raise InputError(f"offset: {offset} must be 0 or more")
    with uow:
        found, matching = uow.patients.worklist(
            actor.user_id, name=name.strip()[:200], kind=kind, offset=offset, limit=limit
        )
        total, with_alerts, by_kind = uow.patients.worklist_counts(actor.user_id)
        alerts = uow.alerts.find(patient_ids=[p.id for p in found], limit=max(100, 20 * limit))
        audit.record(uow, actor, "patient.list", object_type="Patient")
        uow.commit()
    by_patient: dict[str, list[AlertRecord]] = {}
    for alert in alerts:
        by_patient.setdefault(alert.patient_id, []).append(alert)
    rows = [
        (p, sorted(by_patient.get(p.id, []), key=lambda a: SEVERITY_ORDER.get(a.severity, 3)))
        for p in found
    ]
    return Worklist(rows, matching, total, with_alerts, by_kind, offset, limit)
