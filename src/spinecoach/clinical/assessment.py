"""The assessment: every score, stratum, flag and classification derived from an intake.

This is the contract between ``clinical`` (which computes it in ``assess``) and
``prescription`` (which reads it). Each finding carries its reason and, for numbers from the
literature, its source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical.health import Health
from spinecoach.clinical.intake import PainResponse, PatientProfile
from spinecoach.vocabulary import DIRECTION_LOADS, Direction, SpinalLoad

__all__ = [
    "Assessment",
    "Classification",
    "EnduranceProfile",
    "FabqResult",
    "Finding",
    "HicksResult",
    "MovementProfile",
    "NotScorable",
    "OdiResult",
    "PsfsResult",
    "RedFlagHit",
    "RedFlagScreen",
    "RmdqResult",
    "Scores",
    "StartBackResult",
    "TbcCandidate",
    "Urgency",
]

Urgency = Literal["none", "review", "urgent", "emergency"]
"""Red-flag urgency, least to most: review (routine medical review), urgent, emergency."""

RiskStratum = Literal["low", "medium", "high"]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Finding(_Value):
    """One explained conclusion: the rule that fired, in plain words, with its source."""

    rule: str = Field(description="stable rule id, e.g. 'startback.stratum'")
    text: str
    source: str | None = None


class NotScorable(_Value):
    """A questionnaire filled in with too much missing to give a score safely, and why."""

    instrument: str
    skipped: int = Field(ge=0, description="items (or sections) skipped")
    reason: str = Field(description="what is missing and which rule refuses the score")


class StartBackResult(_Value):
    total: int = Field(ge=0, le=9, description="sum of the answered items")
    psychosocial: int = Field(ge=0, le=5, description="sum of the answered items 5-9")
    stratum: RiskStratum = Field(
        description="the same for every possible answer to the skipped items (else not scorable)"
    )
    matched_care: str = Field(description="the matched treatment of the STarT Back trial")
    skipped: int = Field(
        default=0, ge=0, le=9, description="items skipped; none of them could change the stratum"
    )


class OdiResult(_Value):
    percent: float = Field(ge=0, le=100, description="rounded to 2 decimals")
    answered: int = Field(ge=0, le=10)
    band: Literal["minimal", "moderate", "severe", "crippling", "bed-bound"]


class RmdqResult(_Value):
    score: int = Field(ge=0, le=24, description="pro-rated to 24 items and rounded up when skipped")
    recovered: bool = Field(
        description="RMDQ <= 2 (Kamper 2010), whatever the skipped items would have been"
    )
    skipped: int = Field(default=0, ge=0, le=24, description="items skipped")


class PsfsResult(_Value):
    mean: float = Field(ge=0, le=10)
    activities: dict[str, int]


class FabqResult(_Value):
    physical_activity: int | None = Field(
        ge=0, le=24, description="null: an item of the subscale was skipped (not scorable)"
    )
    work: int | None = Field(
        ge=0, le=42, description="null: an item of the subscale was skipped (not scorable)"
    )
    physical_activity_elevated: bool | None = Field(description="FABQ-PA > 14; null: not scored")
    work_elevated: bool | None = Field(description="FABQ-W > 29; null: not scored")
    skipped: int = Field(default=0, ge=0, le=16, description="items skipped")


class Scores(_Value):
    start_back: StartBackResult | None = None
    odi: OdiResult | None = None
    rmdq: RmdqResult | None = None
    nprs: int | None = Field(default=None, ge=0, le=10)
    psfs: PsfsResult | None = None
    fabq: FabqResult | None = None
    not_scorable: list[NotScorable] = Field(
        default_factory=list,
        description="questionnaires filled in but left unscored: too many items skipped",
    )


class RedFlagHit(_Value):
    id: str
    category: Literal[
        "cauda_equina", "malignancy", "infection", "fracture", "inflammatory", "neurological"
    ]
    urgency: Urgency
    question: str = Field(description="the screening question, in plain words")
    patient_action: str
    clinician_action: str


class RedFlagScreen(_Value):
    screened: bool = Field(
        default=True,
        description="false when the intake has no red-flag screen at all: not the same as "
        "'screened, none positive'; no exercise program until the questions are asked",
    )
    hits: list[RedFlagHit] = Field(default_factory=list)
    urgency: Urgency = "none"
    exercise_blocked: bool = Field(
        default=False, description="true when any flag is urgent or an emergency"
    )


class MovementProfile(_Value):
    responses: dict[Direction, PainResponse] = Field(default_factory=dict)
    provoking: list[Direction] = Field(
        default_factory=list, description="directions that make pain worse or peripheralize"
    )
    peripheralizing: list[Direction] = Field(default_factory=list)
    relieving: list[Direction] = Field(
        default_factory=list, description="directions that make pain better or centralize"
    )
    directional_preference: Direction | None = None
    centralization: bool = False

    @property
    def provoking_loads(self) -> frozenset[SpinalLoad]:
        """The spinal loads that no exercise in the program may put on the spine."""
        return frozenset(DIRECTION_LOADS[d] for d in self.provoking)

    @property
    def preferred_load(self) -> SpinalLoad | None:
        """The spinal load matching the directional preference, if any."""
        dp = self.directional_preference
        return DIRECTION_LOADS[dp] if dp is not None else None


class EnduranceProfile(_Value):
    flexor_extensor_ratio: float | None = None
    side_bridge_extensor_ratio: float | None = Field(
        default=None, description="mean of both side bridges over extensor"
    )
    right_left_ratio: float | None = None
    weak_side: Literal["left", "right"] | None = Field(
        default=None, description="side whose side bridge is shorter, when asymmetric"
    )
    markers: list[str] = Field(
        default_factory=list,
        description="imbalance markers: flexor_extensor_high, side_bridge_extensor_high, side_asymmetry",
    )
    biering_sorensen_band: (
        Literal["at_risk", "indeterminate", "protective", "not_applicable"] | None
    ) = None
    percent_of_norm: dict[str, float] = Field(
        default_factory=dict, description="test -> hold time as % of the McGill 1999 mean by sex"
    )
    low_endurance: bool = Field(default=False, description="any test under 50% of its norm")
    ratios_not_formed: list[str] = Field(
        default_factory=list,
        description="ratios left out because the hold below the line was under 1 s (a failed "
        "attempt), each with why; never dropped silently",
    )


class HicksResult(_Value):
    criteria_met: list[str]
    criteria_unknown: list[str]
    count: int = Field(ge=0, le=4)
    meets_rule: bool = Field(description=">= 3 of 4: LR+ 4.0 for stabilization success")
    verdict: Literal["met", "not_met", "undetermined"] = Field(
        default="not_met",
        description="undetermined when the criteria not examined could still change the result",
    )


class TbcCandidate(_Value):
    subgroup: Literal[
        "manipulation",
        "stabilization",
        "specific_exercise_extension",
        "specific_exercise_flexion",
        "specific_exercise_lateral_shift",
        "traction",
    ]
    criteria_matched: list[str]
    criteria_total: int
    criteria_unknown: list[str] = Field(
        default_factory=list, description="criteria that could not be checked (finding missing)"
    )


class Classification(_Value):
    hicks: HicksResult
    tbc: list[TbcCandidate] = Field(default_factory=list, description="best match first")


class Assessment(_Value):
    """All that the clinical core concludes from one intake."""

    patient: PatientProfile
    scores: Scores
    red_flags: RedFlagScreen
    movement: MovementProfile
    endurance: EnduranceProfile
    classification: Classification
    findings: list[Finding] = Field(
        default_factory=list, description="every conclusion above in plain words, with sources"
    )
    examination: dict[str, float | bool] = Field(
        default_factory=dict, description="the intake's known examination findings, copied"
    )
    health: Health = Field(
        default_factory=Health, description="the intake's health section, copied"
    )
