"""The unit of work: one connection, one transaction, every repository on it.

``with uow:`` begins; leaving the block without :meth:`UnitOfWork.commit` rolls back, so a use
case that fails half-way leaves nothing behind.
"""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from spinecoach.store.repositories import (
    AlertRepository,
    AuditRepository,
    DeviceRepository,
    IntakeRepository,
    NoteRepository,
    OutcomeRepository,
    PatientRepository,
    ProgramRepository,
    RecordingRepository,
    SessionRepository,
    SettingsRepository,
)

__all__ = ["UnitOfWork"]


class UnitOfWork:
    """One transaction on ``engine``; re-usable (each ``with`` block is a new transaction)."""

    connection: sa.Connection
    patients: PatientRepository
    intakes: IntakeRepository
    programs: ProgramRepository
    sessions: SessionRepository
    recordings: RecordingRepository
    outcomes: OutcomeRepository
    alerts: AlertRepository
    notes: NoteRepository
    settings: SettingsRepository
    audit: AuditRepository
    devices: DeviceRepository

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> UnitOfWork:
        if self._transaction is not None:
            raise RuntimeError("unit of work already in a transaction")
        self.connection = self.engine.connect()
        self._transaction = self.connection.begin()
        c = self.connection
        self.patients = PatientRepository(c)
        self.intakes = IntakeRepository(c)
        self.programs = ProgramRepository(c)
        self.sessions = SessionRepository(c)
        self.recordings = RecordingRepository(c)
        self.outcomes = OutcomeRepository(c)
        self.alerts = AlertRepository(c)
        self.notes = NoteRepository(c)
        self.settings = SettingsRepository(c)
        self.audit = AuditRepository(c)
        self.devices = DeviceRepository(c)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self._transaction = None
            self.connection.close()

    def commit(self) -> None:
        """Make the block's writes durable; the transaction ends here."""
        if self._transaction is None:
            raise RuntimeError("commit outside a unit of work")
        self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
