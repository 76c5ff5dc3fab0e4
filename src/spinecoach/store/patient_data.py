"""Every row about one patient, found from the schema: read for export, inserted on import,
deleted on erasure; the legal hold; the audit trail made anonymous after an erasure.

A table belongs to a patient's record when it has a ``patient_id`` column (or a foreign key to
``patients``), or refers by a foreign key to such a table's ``id`` (the processing jobs of a
recording). Found from the metadata, so a table added later (notes, paired devices) is exported
and erased with the rest without a change here. The patient's login account (``users``) and
what refers to it (login sessions, access tokens) are erased too; the account is exported
without its secrets and never imported. The audit trail is not part of the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from spinecoach.store import tables as t
from spinecoach.store.tables import UtcDateTime, metadata

__all__ = [
    "ERASED_USERNAME",
    "LegalHold",
    "PatientDataRepository",
    "RecordTable",
    "decode_row",
    "encode_row",
    "record_tables",
]

ACCOUNTS = "users"
AUDIT = "audit_events"
ERASED_USERNAME = "erased-patient"
"""What the audit trail shows instead of an erased patient's own login name."""
_CHUNK = 500
"""Ids per ``IN (...)`` list (SQLite allows at most 32766 parameters in one statement)."""


@dataclass(frozen=True)
class RecordTable:
    """A table of the record and how its rows are tied to the patient."""

    table: sa.Table
    patient_column: sa.Column[Any] | None
    """The column holding the patient's id (None for a child table)."""
    via: sa.Column[Any] | None = None
    """A child table's foreign key column to its parent's ``id``."""
    parent: RecordTable | None = None


def _patient_column(table: sa.Table) -> sa.Column[Any] | None:
    if table is t.patients:
        return t.patients.c.id
    for fk in table.foreign_keys:
        if fk.column is t.patients.c.id:
            return fk.parent
    return table.c.get("patient_id")


def record_tables() -> list[RecordTable]:
    """The tables of a patient's record, parents before children (the order to insert in)."""
    direct: dict[str, RecordTable] = {}
    for table in metadata.sorted_tables:
        column = _patient_column(table)
        if column is not None and table.name not in (ACCOUNTS, AUDIT):
            direct[table.name] = RecordTable(table, column)
    found = dict(direct)
    for table in metadata.sorted_tables:
        if table.name in found or table.name in (ACCOUNTS, AUDIT):
            continue
        for fk in sorted(table.foreign_keys, key=lambda k: k.parent.name):
            parent = direct.get(fk.column.table.name)
            if parent is not None and fk.column.name == "id" and parent.table is not t.patients:
                found[table.name] = RecordTable(table, None, fk.parent, parent)
                break
    order = {table.name: i for i, table in enumerate(metadata.sorted_tables)}
    return sorted(found.values(), key=lambda r: order[r.table.name])


def _belongs(rt: RecordTable, patient_id: str) -> sa.ColumnElement[bool]:
    if rt.patient_column is not None:
        return rt.patient_column == patient_id
    assert rt.via is not None
    assert rt.parent is not None
    assert rt.parent.patient_column is not None
    parent_ids = sa.select(rt.parent.table.c.id).where(rt.parent.patient_column == patient_id)
    return rt.via.in_(parent_ids)


def _secret(column: sa.Column[Any]) -> bool:
    return column.name.endswith(("hash", "secret"))


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def encode_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as JSON values (timestamps and dates as ISO 8601 text)."""
    return {k: _encode(v) for k, v in row.items()}


def decode_row(table: sa.Table, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON row back into the column types of ``table``; KeyError names a column the table
    does not have, ValueError a value that is not of the column's type."""
    row: dict[str, Any] = {}
    for name, value in raw.items():
        column = table.c[name]
        if value is None:
            row[name] = None
        elif isinstance(column.type, UtcDateTime | sa.DateTime):
            if not isinstance(value, str):
                raise ValueError(f"{name}: a timestamp is ISO 8601 text")
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError(f"{name}: timestamp {value!r} has no time zone")
            row[name] = parsed
        elif isinstance(column.type, sa.Date):
            if not isinstance(value, str):
                raise ValueError(f"{name}: a date is ISO 8601 text")
            row[name] = dt.date.fromisoformat(value)
        else:
            row[name] = value
    return row


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@dataclass(frozen=True)
class LegalHold:
    """The hold on a patient's record: why, since when, placed by whom (a user id)."""

    patient_id: str
    reason: str
    placed_at: dt.datetime
    placed_by: str


class PatientDataRepository:
    """One patient's rows across every table, on the unit of work's connection (no commits)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.c = connection

    def record_rows(self, patient_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row of the record by table name, in primary-key order."""
        found: dict[str, list[dict[str, Any]]] = {}
        for rt in record_tables():
            order = list(rt.table.primary_key.columns) or list(rt.table.c)
            query = sa.select(rt.table).where(_belongs(rt, patient_id)).order_by(*order)
            found[rt.table.name] = [dict(r._mapping) for r in self.c.execute(query)]
        return found

    def account_rows(self, patient_id: str) -> list[dict[str, Any]]:
        """The patient's login account(s), without password hashes or second-factor secrets."""
        users = metadata.tables[ACCOUNTS]
        columns = [c for c in users.c if not _secret(c)]
        rows = self.c.execute(
            sa.select(*columns).where(users.c.patient_id == patient_id).order_by(users.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def audit_rows(self, patient_id: str) -> list[dict[str, Any]]:
        """Every audit event about the patient, oldest first."""
        a = t.audit_events
        rows = self.c.execute(
            sa.select(a).where(a.c.patient_id == patient_id).order_by(a.c.recorded_at, a.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def insert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows (already decoded); a table referring to itself gets parents first."""
        for row in _parents_first(table, rows):
            self.c.execute(table.insert().values(**row))

    def erase(self, patient_id: str) -> dict[str, int]:
        """Delete every row of the patient and of their account; rows deleted by table."""
        counts: dict[str, int] = {}
        users = metadata.tables[ACCOUNTS]
        account_ids = [
            r[0]
            for r in self.c.execute(sa.select(users.c.id).where(users.c.patient_id == patient_id))
        ]
        if account_ids:
            for table in reversed(metadata.sorted_tables):
                for fk in table.foreign_keys:
                    if fk.column is users.c.id and table is not users:
                        deleted = self.c.execute(table.delete().where(fk.parent.in_(account_ids)))
                        counts[table.name] = counts.get(table.name, 0) + deleted.rowcount
            deleted = self.c.execute(users.delete().where(users.c.patient_id == patient_id))
            counts[users.name] = deleted.rowcount
        for rt in reversed(record_tables()):
            deleted = self.c.execute(rt.table.delete().where(_belongs(rt, patient_id)))
            counts[rt.table.name] = counts.get(rt.table.name, 0) + deleted.rowcount
        return counts

    def anonymise_audit(
        self,
        patient_id: str,
        reference: str,
        *,
        account_ids: Sequence[str],
        usernames: Sequence[str],
        object_ids: Sequence[str],
    ) -> int:
        """After an erasure: the patient's events carry ``reference`` instead of their id; the
        ids of the erased rows and of the patient's account, its login name and the addresses
        it came from are removed. Returns the number of events that were about the patient."""
        a = t.audit_events
        for ids in _chunks(list(account_ids)):
            self.c.execute(
                a.update()
                .where(a.c.user_id.in_(ids))
                .values(user_id=None, username=ERASED_USERNAME, remote_addr=None)
            )
        for names in _chunks(list(usernames)):
            self.c.execute(
                a.update()
                .where(a.c.username.in_(names))
                .values(username=ERASED_USERNAME, remote_addr=None)
            )
        for ids in _chunks(list(object_ids)):
            self.c.execute(a.update().where(a.c.object_id.in_(ids)).values(object_id=None))
        result = self.c.execute(
            a.update().where(a.c.patient_id == patient_id).values(patient_id=reference)
        )
        return int(result.rowcount)

    def hold(self, patient_id: str) -> LegalHold | None:
        row = self.c.execute(
            sa.select(t.legal_holds).where(t.legal_holds.c.patient_id == patient_id)
        ).first()
        return None if row is None else LegalHold(**row._mapping)

    def place_hold(self, patient_id: str, reason: str, by: str, at: dt.datetime) -> None:
        """Place the hold, or replace the reason of the one in place."""
        h = t.legal_holds
        updated = self.c.execute(
            h.update()
            .where(h.c.patient_id == patient_id)
            .values(reason=reason, placed_by=by, placed_at=at)
        )
        if not updated.rowcount:
            self.c.execute(
                h.insert().values(patient_id=patient_id, reason=reason, placed_by=by, placed_at=at)
            )

    def release_hold(self, patient_id: str) -> bool:
        """Lift the hold; False when there was none."""
        h = t.legal_holds
        return bool(self.c.execute(h.delete().where(h.c.patient_id == patient_id)).rowcount)


def _parents_first(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Rows ordered so a row referring to another row of the same table comes after it."""
    own = [fk for fk in table.foreign_keys if fk.column.table is table]
    if not own or "id" not in table.c:
        return list(rows)
    pending = list(rows)
    present = {r.get("id") for r in rows}
    placed: set[Any] = set()
    ordered: list[Mapping[str, Any]] = []
    while pending:
        ready = [
            r
            for r in pending
            if all(
                r.get(fk.parent.name) is None
                or r.get(fk.parent.name) in placed
                or r.get(fk.parent.name) not in present
                for fk in own
            )
        ]
        if not ready:  # a cycle: let the database say what is wrong
            return ordered + pending
        ordered += ready
        placed |= {r.get("id") for r in ready}
        pending = [r for r in pending if r.get("id") not in placed]
    return ordered
