"""A clinician's notes on a patient: written by the patient's clinician, read by their
clinicians, appended and never edited (a correction is a new note); every write and read is
audited without the note's text."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from spinecoach.documents import parse_document
from spinecoach.services import audit
from spinecoach.services.actors import Actor
from spinecoach.services.clock import utcnow
from spinecoach.services.patients import require_clinician
from spinecoach.store.records import NoteRecord
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = ["MAX_NOTE_CHARS", "NewNote", "add_note", "list_notes"]

MAX_NOTE_CHARS = 5000


class NewNote(BaseModel):
    """What writing a note needs: its text (not blank)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(max_length=MAX_NOTE_CHARS)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("write something; the note is empty")
        return value


def add_note(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    note: NewNote | dict[str, object],
    *,
    now: dt.datetime | None = None,
) -> NoteRecord:
    """The patient's clinician writes a note."""
    new = note if isinstance(note, NewNote) else parse_document(note, NewNote, "note")
    at = utcnow(now)
    with uow:
        require_clinician(uow, actor, patient_id)
        record = NoteRecord(
            id=new_id(),
            patient_id=patient_id,
            written_at=at,
            written_by=actor.user_id,
            author=actor.username,
            text=new.text,
        )
        uow.notes.add(record)
        audit.record(
            uow,
            actor,
            "note.create",
            patient_id=patient_id,
            object_type="Note",
            object_id=record.id,
            at=at,
        )
        uow.commit()
    return record


def list_notes(
    uow: UnitOfWork, actor: Actor, patient_id: str, *, offset: int = 0, limit: int = 50
) -> list[NoteRecord]:
    """The patient's notes, newest first (the patient's clinicians only)."""
    with uow:
        require_clinician(uow, actor, patient_id)
        found = uow.notes.for_patient(patient_id, offset=offset, limit=limit)
        audit.record(uow, actor, "note.list", patient_id=patient_id, object_type="Note")
        uow.commit()
    return found
