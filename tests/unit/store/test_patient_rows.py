"""Which tables make up a patient's record, found from the schema, and the insert order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from spinecoach.store.patient_data import _parents_first, decode_row, record_tables
from spinecoach.store.tables import metadata


def test_the_record_is_every_table_tied_to_a_patient() -> None:
    found = {rt.table.name: rt for rt in record_tables()}
    assert {
        "patients", "patient_clinicians", "intakes", "assessments", "program_versions",
        "sessions", "checkins", "recordings", "recording_jobs", "outcome_entries", "alerts",
        "legal_holds",
    } <= set(found)  # fmt: skip
    assert "users" not in found  # the account: erased, exported without secrets, not imported
    assert "audit_events" not in found
    assert "auth_sessions" not in found
    jobs = found["recording_jobs"]
    assert jobs.patient_column is None
    assert jobs.parent is not None
    assert jobs.parent.table.name == "recordings"
    names = [rt.table.name for rt in record_tables()]
    assert names.index("patients") < names.index("intakes") < names.index("assessments")
    assert names.index("recordings") < names.index("recording_jobs")


def test_a_table_added_later_joins_the_record() -> None:
    notes = sa.Table(
        "test_notes_tmp",
        metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("patient_id", sa.String(32), sa.ForeignKey("patients.id")),
        sa.Column("text", sa.Text),
    )
    try:
        assert "test_notes_tmp" in {rt.table.name for rt in record_tables()}
    finally:
        metadata.remove(notes)
    assert "test_notes_tmp" not in {rt.table.name for rt in record_tables()}


def test_versions_go_in_after_the_version_they_came_from() -> None:
    table = metadata.tables["program_versions"]
    rows: list[dict[str, str | None]] = [
        {"id": "c", "parent_id": "b"},
        {"id": "a", "parent_id": None},
        {"id": "b", "parent_id": "a"},
        {"id": "x", "parent_id": "elsewhere"},
    ]
    assert [r["id"] for r in _parents_first(table, rows)] == ["a", "x", "b", "c"]


def test_rows_decode_into_column_types() -> None:
    row = decode_row(
        metadata.tables["sessions"],
        {"session_date": "2026-01-05", "logged_at": "2026-01-05T18:00:00+00:00", "position": ""},
    )
    assert str(row["session_date"]) == "2026-01-05"
    assert row["logged_at"].tzinfo is not None


def test_a_timestamp_without_a_zone_or_an_unknown_column_is_refused() -> None:
    sessions = metadata.tables["sessions"]
    with pytest.raises(ValueError, match="logged_at"):
        decode_row(sessions, {"logged_at": "2026-01-05T18:00:00"})
    with pytest.raises(KeyError):
        decode_row(sessions, {"colour": "blue"})
