"""One patient's record as domain values: the input of the FHIR export and the reports.

A :class:`PatientRecord` gathers what the clinic knows about one patient (identity, the
intake and its assessment, every program version with its status and dates, the session logs
with their next-morning check-ins, the outcome timeline and sensor summaries). It is built by
the shell (from files by the CLI, from the store by the clinic service) and read by pure code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical import Assessment, Intake, assess
from spinecoach.errors import InputError
from spinecoach.outcomes.timeline import Timeline
from spinecoach.prescription.program import Program
from spinecoach.sessions.model import SessionLog

if TYPE_CHECKING:
    from spinecoach.sensors.monitor import Analysis

__all__ = [
    "PatientRecord",
    "ProgramVersion",
    "SensorSummary",
    "VersionStatus",
    "fhir_id",
    "program_versions",
]

VersionStatus = Literal["proposed", "approved", "rejected", "superseded"]
"""Where a program version stands: awaiting approval, in force, turned down, or replaced."""

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
"""FHIR id: 1-64 letters, digits, '-' or '.' (FHIR R4 datatypes, id)."""


def fhir_id(text: str) -> str:
    """``text`` as a FHIR id: '_' becomes '-', and the result must fit the id pattern."""
    candidate = text.replace("_", "-")
    if not _FHIR_ID.match(candidate):
        raise InputError(
            f"record_id '{text}': a FHIR id takes 1-64 letters, digits, '-', '.' or '_'"
        )
    return candidate


@dataclass(frozen=True)
class ProgramVersion:
    """One version of the patient's program and where it stands."""

    program: Program
    status: VersionStatus
    created: dt.date
    """When the version was proposed."""
    decided: dt.date | None = None
    """When it was approved or rejected (None while proposed)."""
    ends: dt.date | None = None
    """When it stopped being in force (superseded), if it did."""


class SensorSummary(BaseModel):
    """What the wearable sensors measured on one day, as plain numbers (s, deg, deg/s).

    ``time_in_zones_s`` uses the posture zones of ``spinecoach sensors analyze`` (neutral,
    mild, moderate, severe flexion); ``lumbar_flexion_trace`` is an optional (t_s, flexion_deg)
    series of one recording, already short enough to draw.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    recording: str = Field(default="", description="label of the recording, e.g. a file name")
    duration_s: float = Field(ge=0)
    time_in_zones_s: dict[str, float] = Field(default_factory=dict)
    rom_deg: dict[str, float] = Field(
        default_factory=dict, description="lumbar range used, e.g. flexion, extension"
    )
    sway_mean_velocity_deg_s: float | None = Field(default=None, ge=0)
    lifting_count: int | None = Field(default=None, ge=0)
    sustained_flexion_count: int | None = Field(default=None, ge=0)
    lumbar_flexion_trace: list[tuple[float, float]] = Field(default_factory=list)

    @classmethod
    def from_analysis(
        cls,
        analysis: Analysis,
        date: dt.date,
        recording: str = "",
        trace: Iterable[tuple[float, float]] = (),
    ) -> SensorSummary:
        """The summary of one ``spinecoach sensors analyze`` result (flexion and extension
        range; sway of the longest quiet-stance bout). ``trace`` should already be short
        (``spinecoach.web.charts.downsample_trace``)."""
        sway = analysis.sway.longest
        posture = analysis.posture
        return cls(
            date=date,
            recording=recording,
            duration_s=analysis.duration_s,
            time_in_zones_s=dict(posture.time_in_zones_s),
            rom_deg={k: v for k, v in analysis.rom_deg.items() if k in ("flexion", "extension")},
            sway_mean_velocity_deg_s=None if sway is None else sway.mean_velocity_deg_s,
            lifting_count=posture.lifting_count,
            sustained_flexion_count=posture.sustained_flexion_count,
            lumbar_flexion_trace=list(trace),
        )


@dataclass(frozen=True)
class PatientRecord:
    """Everything the export and the reports need about one patient.

    Build it with :meth:`from_intake` (which assesses the intake) or directly when the
    assessment is stored. Programs are listed oldest first; the last approved one is current.
    """

    record_id: str
    """Stable id of the patient in this clinic; becomes the FHIR Patient id."""
    clinic_name: str
    intake: Intake
    intake_date: dt.date
    assessment: Assessment
    programs: tuple[ProgramVersion, ...] = ()
    sessions: tuple[SessionLog, ...] = ()
    timeline: Timeline | None = None
    sensors: tuple[SensorSummary, ...] = ()
    name: str | None = None
    """The patient's name as the clinic writes it (None: only the record id is shown)."""
    birth_date: dt.date | None = None
    as_of: dt.date = field(default_factory=dt.date.today)
    """The date the record describes (report date, Bundle timestamp)."""

    def __post_init__(self) -> None:
        fhir_id(self.record_id)
        if not self.clinic_name.strip():
            raise InputError("clinic_name: a clinic name is required")
        patient = self.intake.patient.id
        if self.assessment.patient.id != patient:
            raise InputError(
                f"assessment.patient.id '{self.assessment.patient.id}' is not the intake's "
                f"patient '{patient}'"
            )
        for i, version in enumerate(self.programs):
            if version.program.patient_id != patient:
                raise InputError(
                    f"programs.{i}.patient_id '{version.program.patient_id}' is not the "
                    f"intake's patient '{patient}'"
                )
        for i, log in enumerate(self.sessions):
            if log.patient_id != patient:
                raise InputError(
                    f"sessions.{i}.patient_id '{log.patient_id}' is not the intake's "
                    f"patient '{patient}'"
                )
        if self.timeline is not None and self.timeline.patient_id != patient:
            raise InputError(
                f"timeline.patient_id '{self.timeline.patient_id}' is not the intake's "
                f"patient '{patient}'"
            )

    @classmethod
    def from_intake(
        cls,
        intake: Intake,
        *,
        clinic_name: str,
        intake_date: dt.date,
        programs: Iterable[ProgramVersion] = (),
        sessions: Iterable[SessionLog] = (),
        timeline: Timeline | None = None,
        sensors: Iterable[SensorSummary] = (),
        record_id: str | None = None,
        name: str | None = None,
        birth_date: dt.date | None = None,
        as_of: dt.date | None = None,
    ) -> PatientRecord:
        """A record whose assessment is computed from ``intake`` (``assess``)."""
        return cls(
            record_id=record_id or fhir_id(intake.patient.id),
            clinic_name=clinic_name,
            intake=intake,
            intake_date=intake_date,
            assessment=assess(intake),
            programs=tuple(programs),
            sessions=tuple(sessions),
            timeline=timeline,
            sensors=tuple(sensors),
            name=name,
            birth_date=birth_date,
            as_of=as_of or dt.date.today(),
        )

    @property
    def current_program(self) -> ProgramVersion | None:
        """The last approved version, else the last version of any status."""
        approved = [v for v in self.programs if v.status == "approved"]
        if approved:
            return approved[-1]
        return self.programs[-1] if self.programs else None

    def posture_by_day(self) -> list[tuple[dt.date, Mapping[str, float]]]:
        """Time in each posture zone per day (s), days in order, recordings of a day summed."""
        days: dict[dt.date, dict[str, float]] = {}
        for summary in self.sensors:
            day = days.setdefault(summary.date, {})
            for zone, seconds in summary.time_in_zones_s.items():
                day[zone] = day.get(zone, 0.0) + seconds
        return sorted(days.items())


def program_versions(
    programs: Iterable[Program], start: dt.date, *, days_each: int = 28
) -> tuple[ProgramVersion, ...]:
    """Versions from program documents alone: the last approved and in force, earlier ones
    superseded, each dated ``days_each`` after the one before (for files without dates)."""
    listed = list(programs)
    versions: list[ProgramVersion] = []
    for i, program in enumerate(listed):
        created = start + dt.timedelta(days=days_each * i)
        last = i == len(listed) - 1
        versions.append(
            ProgramVersion(
                program=program,
                status="approved" if last else "superseded",
                created=created,
                decided=created,
                ends=None if last else created + dt.timedelta(days=days_each),
            )
        )
    return tuple(versions)
