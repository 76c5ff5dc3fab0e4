"""The intake document: what the clinic records before a program is prescribed.

Field names are part of the public document format (`spinecoach schema intake`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from spinecoach.clinical.answers import check_answers
from spinecoach.clinical.health import Health
from spinecoach.vocabulary import Direction, Equipment, Sex

__all__ = [
    "Endurance",
    "Findings",
    "Intake",
    "MovementTests",
    "Occupation",
    "PainResponse",
    "PatientProfile",
    "PsfsActivity",
    "Questionnaires",
]

PainResponse = Literal["worse", "better", "no_effect", "centralizes", "peripheralizes"]
"""How the patient's symptoms respond to repeated movement in one direction (McKenzie)."""

Occupation = Literal[
    "desk",
    "manual",
    "driver",
    "healthcare",
    "standing",
    "student",
    "retired",
    "unemployed",
    "other",
]
Conditioning = Literal["low", "moderate", "high"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatientProfile(_Doc):
    """Who the patient is and what the program must fit into."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    age: int = Field(ge=16, le=110, description="years")
    sex: Sex
    occupation: Occupation = "other"
    activities: list[str] = Field(
        default_factory=list,
        description="sports and hobbies, lower case (e.g. running, gardening, cycling, lifting)",
    )
    conditioning: Conditioning = "moderate"
    equipment: list[Equipment] = Field(default_factory=list)
    load_steps_kg: dict[Equipment, float] = Field(
        default_factory=dict,
        description="the smallest load step of the patient's own equipment, kg (e.g. pulley: "
        "1.25 with add-on plates, dumbbells: 1); loads progress by it",
    )
    minutes_per_session: int = Field(default=20, ge=5, le=120)
    sessions_per_week: int = Field(default=3, ge=1, le=14)
    goals: list[str] = Field(default_factory=list, description="what the patient wants to do again")

    @field_validator("load_steps_kg", mode="after")
    @classmethod
    def _steps_of_own_equipment(
        cls, steps: dict[Equipment, float], info: ValidationInfo
    ) -> dict[Equipment, float]:
        owned = set(info.data.get("equipment", []))
        for equipment, step in steps.items():
            if equipment not in owned:
                raise ValueError(f"{equipment}: not in the patient's equipment")
            if not 0 < step <= 50:
                raise ValueError(f"{equipment}: {step:g} kg must be more than 0 and at most 50")
        return steps


class PsfsActivity(_Doc):
    """One Patient-Specific Functional Scale activity: 0 unable .. 10 as before the problem."""

    activity: str = Field(min_length=1)
    score: int = Field(ge=0, le=10)


class Questionnaires(_Doc):
    """Raw answers, coded as in DESIGN.md section 3; ``null`` marks a skipped item."""

    start_back: list[int | None] | None = Field(default=None, description="9 items: 1-8 0/1, 9 0-4")
    odi: list[int | None] | None = Field(default=None, description="10 sections, 0-5 each")
    rmdq: list[int | None] | None = Field(default=None, description="24 items, 0/1")
    nprs: int | None = Field(default=None, ge=0, le=10, description="pain now, 0-10")
    psfs: list[PsfsActivity] | None = Field(default=None, max_length=5)
    fabq: list[int | None] | None = Field(default=None, description="16 items, 0-6 each")

    @field_validator("start_back", "odi", "rmdq", "fabq", mode="after")
    @classmethod
    def _answers_fit_the_form(
        cls, answers: list[int | None] | None, info: ValidationInfo
    ) -> list[int | None] | None:
        """Each instrument's item count and codes, checked by its own definition."""
        if answers is None:
            return None
        from spinecoach.clinical.instruments import ITEM_RANGES

        return check_answers(info.field_name or "", answers, ITEM_RANGES[info.field_name or ""])

    @field_validator("psfs", mode="after")
    @classmethod
    def _activities_are_distinct(
        cls, activities: list[PsfsActivity] | None
    ) -> list[PsfsActivity] | None:
        if activities is not None:
            names = [a.activity for a in activities]
            for name in names:
                if names.count(name) > 1:
                    raise ValueError(f"psfs activity '{name}' is listed twice")
        return activities


class MovementTests(_Doc):
    """Pain response to repeated movement in each direction; omitted = not tested."""

    flexion: PainResponse | None = None
    extension: PainResponse | None = None
    rotation_left: PainResponse | None = None
    rotation_right: PainResponse | None = None
    side_bend_left: PainResponse | None = None
    side_bend_right: PainResponse | None = None

    def tested(self) -> dict[Direction, PainResponse]:
        """The directions that were tested, with their response."""
        return {k: v for k, v in self.model_dump().items() if v is not None}  # type: ignore[misc]


class Endurance(_Doc):
    """McGill torso endurance battery, hold times to form failure in seconds."""

    flexor_s: float | None = Field(default=None, ge=0, le=1200)
    extensor_s: float | None = Field(
        default=None, ge=0, le=240, description="Biering-Sorensen, capped at 240 s"
    )
    side_bridge_right_s: float | None = Field(default=None, ge=0, le=600)
    side_bridge_left_s: float | None = Field(default=None, ge=0, le=600)


class Findings(_Doc):
    """Examination findings used by classification rules and tailoring (omitted = unknown)."""

    slr_deg: float | None = Field(
        default=None, ge=0, le=130, description="average straight-leg raise"
    )
    aberrant_movement: bool | None = None
    prone_instability_test: bool | None = Field(default=None, description="true = positive")
    hip_flexor_tightness: bool | None = None
    gluteal_weakness: bool | None = None
    symptom_duration_days: int | None = Field(default=None, ge=0)
    symptoms_below_knee: bool | None = None
    symptoms_distal_to_buttock: bool | None = None
    hip_internal_rotation_deg: float | None = Field(
        default=None, ge=0, le=90, description="largest of the two hips"
    )
    lumbar_hypomobility: bool | None = None
    nerve_root_signs: bool | None = None
    lateral_shift: bool | None = None
    imaging_stenosis: bool | None = None
    post_partum: bool | None = None
    balance_impaired: bool | None = None


class Intake(_Doc):
    """Everything known at the first visit, as one document."""

    patient: PatientProfile
    questionnaires: Questionnaires = Field(default_factory=Questionnaires)
    red_flags: list[str] | None = Field(
        default=None,
        description="ids of positive red flags; [] = screened, none positive; omitted or null "
        "= not screened (no exercise program until the red-flag questions are asked)",
    )
    movement_tests: MovementTests = Field(default_factory=MovementTests)
    endurance: Endurance = Field(default_factory=Endurance)
    findings: Findings = Field(default_factory=Findings)
    health: Health = Field(default_factory=Health)

    @field_validator("red_flags", mode="after")
    @classmethod
    def _red_flags_are_known(cls, ids: list[str] | None) -> list[str] | None:
        """Only ids of the red-flag catalogue (``spinecoach.clinical.red_flags.RED_FLAGS``)."""
        from spinecoach.clinical.red_flags import check_red_flag_ids

        return None if ids is None else check_red_flag_ids(ids)
