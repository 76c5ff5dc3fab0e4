"""The audit trail: who did what to which patient's record, when and from where.

Shaped like a FHIR R4 AuditEvent (agent who + role, action code C/R/U/D/E, entity = the patient
and the object, recorded time, source network address, outcome). It never holds clinical
content: only ids, the action's name and the outcome. Rows are only ever appended.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from spinecoach.services.actors import Actor, Role
from spinecoach.services.errors import Forbidden
from spinecoach.store.records import AuditRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["ActionCode", "action_code", "list_events", "record"]

ActionCode = Literal["C", "R", "U", "D", "E"]
"""FHIR AuditEvent.action: create, read, update, delete, execute."""

_CODES: dict[str, ActionCode] = {
    "create": "C",
    "register": "C",
    "submit": "C",
    "log": "C",
    "upload": "C",
    "propose": "C",
    "read": "R",
    "list": "R",
    "get": "R",
    "update": "U",
    "approve": "U",
    "reject": "U",
    "edit": "U",
    "assign": "U",
    "resolve": "U",
    "delete": "D",
    "revoke": "D",
}


def action_code(action: str) -> ActionCode:
    """The AuditEvent action code of an action named ``<object>.<verb>`` (E when none fits)."""
    verb = action.rsplit(".", 1)[-1]
    return _CODES.get(verb, "E")


def record(
    uow: UnitOfWork,
    actor: Actor | None,
    action: str,
    *,
    patient_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str = "success",
    code: ActionCode | None = None,
    at: dt.datetime | None = None,
    remote_addr: str | None = None,
) -> None:
    """Append one event inside the caller's transaction (it commits or rolls back with it).

    ``actor`` is None for an anonymous attempt (e.g. a failed login by an unknown name); then
    ``remote_addr`` says where it came from (an actor's own address wins otherwise).
    """
    uow.audit.add(
        AuditRecord(
            id=new_id(),
            recorded_at=at or dt.datetime.now(dt.UTC),
            user_id=None if actor is None else actor.user_id,
            username=None if actor is None else actor.username,
            role=None if actor is None else actor.primary_role.value,
            action=action,
            action_code=code or action_code(action),
            patient_id=patient_id,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            remote_addr=(actor.remote_addr if actor is not None else None) or remote_addr,
        )
    )


def list_events(
    uow: UnitOfWork,
    actor: Actor,
    *,
    user_id: str | None = None,
    patient_id: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[AuditRecord]:
    """The audit trail, newest first, filtered; admins only (reading it is itself audited)."""
    if not actor.has(Role.ADMIN):
        raise Forbidden("the audit trail is readable by admins only")
    with uow:
        events = uow.audit.find(
            user_id=user_id,
            patient_id=patient_id,
            action=action,
            since=since,
            until=until,
            offset=offset,
            limit=limit,
        )
        record(uow, actor, "audit.list", object_type="AuditEvent")
        uow.commit()
    return events
