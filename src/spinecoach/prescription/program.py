"""The program document: what a patient is asked to do, why, and what was left out.

Field names are the public document format (DESIGN.md section 3; `spinecoach schema program`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical.assessment import Urgency
from spinecoach.clinical.health import Health
from spinecoach.exercises.model import Dose, Mode, Purpose
from spinecoach.vocabulary import Direction, Equipment, SpinalLoad

__all__ = [
    "CarePathway",
    "ExcludedExercise",
    "PainWindow",
    "Program",
    "ProgramExercise",
    "ProgramSafety",
    "ProgramStatus",
    "Reason",
    "Referral",
]

ProgramStatus = Literal["active", "referral", "paused"]
"""active: exercise as prescribed; referral: stopped for medical review; paused: flare-up or
clinician hold."""
CarePathway = Literal["self_management", "physio_led", "psychologically_informed"]
Dosing = Literal["pain_contingent", "quota_based"]
Phase = Literal[1, 2, 3]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reason(_Value):
    """Why something is in (or out of) the program: rule id, plain words, source if any."""

    rule: str
    text: str
    source: str | None = None


class ProgramExercise(_Value):
    id: str
    name: str
    purpose: Purpose
    mode: Mode
    loads: list[SpinalLoad]
    level: int
    ladder: str
    dose: Dose
    minutes: float = Field(ge=0, description="estimated time for the whole dose")
    reasons: list[Reason] = Field(min_length=1)
    education: str
    pinned: bool = False
    learned: bool = Field(
        default=False,
        description="the clinician marks a coordination drill learned; the next version "
        "leaves it out",
    )


class ExcludedExercise(_Value):
    id: str
    name: str
    reasons: list[Reason] = Field(min_length=1)


class Referral(_Value):
    kind: Literal["red_flag", "screen_first"] = Field(
        default="red_flag",
        description="red_flag: a positive flag needs medical care; screen_first: the red-flag "
        "questions were never asked, so no exercise until they are",
    )
    urgency: Urgency
    patient_action: str
    clinician_action: str
    flags: list[str]


class ProgramSafety(_Value):
    """The facts the program was built on, carried so adaptation keeps to the same limits.

    A later version may only use exercises that load no provoking direction, carry none of
    ``contraindications`` and need nothing beyond ``equipment``.
    """

    provoking: list[Direction] = Field(default_factory=list)
    provoking_loads: list[SpinalLoad] = Field(default_factory=list)
    peripheralizing: list[Direction] = Field(default_factory=list)
    directional_preference: Direction | None = None
    baseline_nprs: int | None = Field(default=None, ge=0, le=10)
    stratum: Literal["low", "medium", "high"] | None = None
    contraindications: list[str] = Field(
        default_factory=list,
        description="catalogue contraindication tags that apply (from findings or the clinician)",
    )
    equipment: list[Equipment] = Field(
        default_factory=list, description="equipment the patient has; exercises need no more"
    )
    red_flags_under_review: list[str] = Field(
        default_factory=list,
        description="review-level red flags awaiting a clinician: no progression until cleared "
        "(a clinician clears a flag by removing its id here when approving a version)",
    )
    health: Health | None = Field(
        default=None,
        description="the intake's health section: its precautions hold for every version",
    )
    anti_rotation_allowed: bool = Field(
        default=False,
        description="the clinician allows anti-rotation isometrics (spine held still) although "
        "rotation provokes symptoms",
    )
    load_steps_kg: dict[Equipment, float] = Field(
        default_factory=dict,
        description="the smallest load step of the patient's own equipment, kg",
    )
    approval_nprs: int | None = Field(
        default=None,
        ge=0,
        le=10,
        description="NPRS recorded when this version was approved; the baseline of the next "
        "review when given (else baseline_nprs)",
    )

    @property
    def review_baseline(self) -> int | None:
        """The pain the next review compares with: at approval, else at intake."""
        return self.approval_nprs if self.approval_nprs is not None else self.baseline_nprs


class PainWindow(_Value):
    """The pre-session pain of the sessions one program version was reviewed on."""

    version: int = Field(ge=1)
    first: dt.date
    last: dt.date
    sessions: int = Field(ge=1)
    mean_before: float = Field(ge=0, le=10, description="mean pre-session NPRS")


class Program(_Value):
    """A prescribed program (or a referral instead of one), fully explained."""

    patient_id: str
    version: int = Field(default=1, ge=1)
    status: ProgramStatus
    phase: Phase
    phase_reasons: list[Reason] = Field(default_factory=list)
    care_pathway: CarePathway
    dosing: Dosing
    minutes_per_session: int
    sessions_per_week: int
    exercises: list[ProgramExercise] = Field(default_factory=list)
    excluded: list[ExcludedExercise] = Field(default_factory=list)
    advice: list[Reason] = Field(default_factory=list)
    referral: Referral | None = None
    safety: ProgramSafety
    pain_windows: list[PainWindow] = Field(
        default_factory=list,
        description="pain of every reviewed window so far, oldest first (trend across versions)",
    )
    approved_by: str | None = Field(default=None, description="clinician who approved it")

    @property
    def total_minutes(self) -> float:
        return sum(e.minutes for e in self.exercises)
