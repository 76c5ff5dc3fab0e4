"""The intake's ``health`` section: conditions that change what exercise is safe.

CLINICAL.md section 10 (tailoring to general health): pregnancy, osteoporosis or a previous
fragility fracture, long-term oral corticosteroids, recent spinal surgery, falls risk, and
uncontrolled hypertension or cardiac disease. The section only records the facts; the
prescription turns them into precautions (``spinecoach.prescription.precautions``), each with
its reason and source. Long-term steroids are a precaution, not an infection red flag
(section 10): nothing here feeds the red-flag screen.

Pregnancy weeks and the time since surgery change during a course, so both are read against
``as_of``, the date the section was recorded (required when either is given).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from spinecoach.vocabulary import SpinalLoad

__all__ = ["Health", "SpinalSurgery", "SurgeryType"]

SurgeryType = Literal[
    "discectomy",
    "microdiscectomy",
    "decompression",
    "laminectomy",
    "fusion",
    "disc_replacement",
    "other",
]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpinalSurgery(_Doc):
    """A lumbar spine operation: what, when, and what the surgeon restricted."""

    type: SurgeryType
    date: dt.date = Field(description="day of the operation")
    restricted_loads: list[SpinalLoad] = Field(
        default_factory=list,
        description="spinal loads the surgeon restricts (e.g. flexion after a discectomy); "
        "excluded until the surgical boundary (6 weeks by default)",
    )


class Health(_Doc):
    """General health that changes what is safe (all optional; omitted = not present)."""

    as_of: dt.date | None = Field(
        default=None,
        description="date this section was recorded; needed with pregnancy_weeks or "
        "spinal_surgery, which both change with time",
    )
    pregnancy_weeks: StrictInt | None = Field(
        default=None, ge=0, le=42, description="weeks of pregnancy on as_of; null = not pregnant"
    )
    osteoporosis: StrictBool = False
    fragility_fracture: StrictBool = Field(
        default=False, description="a previous fracture from a fall from standing height or less"
    )
    long_term_oral_steroids: StrictBool = Field(
        default=False, description="oral corticosteroids for 3 months or more (a bone precaution)"
    )
    spinal_surgery: SpinalSurgery | None = None
    falls_risk: StrictBool = Field(
        default=False, description="a fall in the last year, or a slow or unsteady gait"
    )
    uncontrolled_hypertension: StrictBool = False
    cardiac_disease: StrictBool = False
    notes: str | None = Field(
        default=None, max_length=2000, description="other conditions, free text for the clinician"
    )

    @model_validator(mode="after")
    def _dated(self) -> Health:
        needs_date = self.pregnancy_weeks is not None or self.spinal_surgery is not None
        if needs_date and self.as_of is None:
            raise ValueError(
                "as_of is required with pregnancy_weeks or spinal_surgery (both change with time)"
            )
        surgery = self.spinal_surgery
        if surgery is not None and self.as_of is not None and surgery.date > self.as_of:
            raise ValueError(
                f"spinal_surgery.date {surgery.date} is after as_of {self.as_of}; record a "
                "surgery that has happened"
            )
        return self

    @property
    def bone_fragility(self) -> bool:
        """Osteoporosis, a fragility fracture or long-term steroids (CLINICAL.md s10)."""
        return self.osteoporosis or self.fragility_fracture or self.long_term_oral_steroids

    @property
    def cardiovascular(self) -> bool:
        """Uncontrolled hypertension or cardiac disease."""
        return self.uncontrolled_hypertension or self.cardiac_disease

    def pregnancy_weeks_on(self, day: dt.date | None) -> int | None:
        """Weeks of pregnancy on ``day`` (as recorded when ``day`` is None or earlier)."""
        if self.pregnancy_weeks is None:
            return None
        if day is None or self.as_of is None or day <= self.as_of:
            return self.pregnancy_weeks
        return self.pregnancy_weeks + (day - self.as_of).days // 7

    def days_since_surgery(self, day: dt.date | None) -> int | None:
        """Days from the operation to ``day`` (to ``as_of`` when ``day`` is None)."""
        surgery = self.spinal_surgery
        ref = day or self.as_of
        if surgery is None or ref is None:
            return None
        return (ref - surgery.date).days

    @property
    def any(self) -> bool:
        """True when any condition is recorded (free text alone counts)."""
        return bool(
            self.pregnancy_weeks is not None
            or self.bone_fragility
            or self.spinal_surgery is not None
            or self.falls_risk
            or self.cardiovascular
            or self.notes
        )
