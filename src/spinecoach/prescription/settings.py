"""Adaptation settings: the pain-response thresholds and progression policy, as named defaults.

None of these numbers is a published, validated rule for low back pain. They are the proposed
defaults of CLINICAL.md section 7, drawn from the Silbernagel pain-monitoring model (Achilles
tendinopathy; Silbernagel et al., Am J Sports Med 2007) and generic clinic traffic-light rules,
for the clinical lead to approve. A clinic changes them with a settings file
(`spinecoach adapt PROGRAM SESSIONS --settings FILE`; `spinecoach schema settings`), and every
reason that applies one says it is a policy.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["POLICY_NOTE", "AdaptationSettings"]

POLICY_NOTE = "clinic policy (CLINICAL.md s7 proposed default), not a published LBP rule"
"""Appended to the source of every reason that applies one of these settings."""


class AdaptationSettings(BaseModel):
    """Thresholds and targets that decide progress / hold / regress; every one is a policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- pain response (NPRS 0-10) -------------------------------------------------------
    safe_peak_nprs: int = Field(
        default=3,
        ge=0,
        le=10,
        description="session pain at or below this is in the safe zone (traffic light 0-3; "
        "Silbernagel model as taught by T. Goom, bim.physio)",
    )
    safe_rise_nprs: int = Field(
        default=2,
        ge=0,
        le=10,
        description="a rise over the pre-session pain of at most this also counts as safe "
        "('<= 2 above baseline', CLINICAL.md s7 proposed default)",
    )
    acceptable_peak_nprs: int = Field(
        default=5,
        ge=0,
        le=10,
        description="pain that rises above this is beyond the limit (acceptable zone 4-5, "
        "high risk > 5; bim.physio)",
    )
    max_rise_nprs: int = Field(
        default=3,
        ge=0,
        le=10,
        description="a rise of more than this over the pre-session pain is beyond the limit "
        "('not more than +2-3 over baseline', generic clinic rule, hp-3.co.uk)",
    )
    trend_rise_per_week: float = Field(
        default=1.0,
        gt=0,
        description="pre-session pain climbing by at least this many points per week over the "
        "last 7 days counts as a rising weekly trend (Silbernagel: pain must not increase "
        "week to week)",
    )
    # --- flare-up ------------------------------------------------------------------------
    flare_peak_nprs: int = Field(
        default=8,
        ge=0,
        le=10,
        description="session pain at or above this (and higher than before) is a flare-up",
    )
    flare_next_morning_rise: int = Field(
        default=3,
        ge=1,
        le=10,
        description="next-morning pain this many points above the pre-session pain is a flare-up",
    )
    flare_sessions_in_a_row: int = Field(
        default=2,
        ge=1,
        le=10,
        description="this many sessions in a row with pain beyond the limit is a flare-up",
    )
    # --- readiness to progress -------------------------------------------------------------
    min_sessions: int = Field(
        default=3,
        ge=1,
        le=21,
        description="an exercise is progressed only after this many sessions at its dose",
    )
    completion_target: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="share of prescribed sets done that counts as completing the dose",
    )
    max_rpe: float = Field(
        default=5.0,
        ge=0,
        le=10,
        description="mean effort (Borg CR-10) at or below this is moderate enough to progress "
        "(5 = 'hard')",
    )
    min_quality: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="mean sensor-measured lumbar stillness needed to progress, when measured",
    )
    regressions_to_escalate: int = Field(
        default=2,
        ge=1,
        le=10,
        description="an exercise regressed this many adaptations in a row goes to the clinician",
    )
    # --- phase advancement ----------------------------------------------------------------
    phase_ready_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="the program moves to the next phase when at least this share of its "
        "exercises has outgrown the phase (its next step belongs to a later phase, or it is "
        "already a later-phase drill)",
    )
    phase_min_reviews: int = Field(
        default=4,
        ge=1,
        le=52,
        description="the program also moves to the next phase after this many reviews in a "
        "row (weekly in the simulated course) in which pain stayed safe and something was "
        "progressed (motor control phases, Hodges 2007; the count is a clinic default)",
    )
    # --- dose steps (one parameter at a time, small increments) --------------------------
    hold_step_s: float = Field(default=2.0, gt=0, description="hold time step, s")
    hold_step_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="for long holds (stretches, prone lying) the step is this share of the "
        "current hold when that is more than hold_step_s",
    )
    reps_step: int = Field(default=2, ge=1, description="repetitions step")
    sets_step: int = Field(default=1, ge=1, description="sets step")
    duration_step_min: float = Field(default=5.0, gt=0, description="time-based work step, min")
    # --- graded activity (STarT Back high: quota-based dosing) -----------------------------
    quota_steps_per_week: int = Field(
        default=1,
        ge=0,
        le=3,
        description="planned dose steps per exercise per weekly review when dosing is "
        "quota-based (graded activity: progressed by plan, not by pain; Lindstrom 1992)",
    )

    @model_validator(mode="after")
    def _zones_ordered(self) -> AdaptationSettings:
        if not self.safe_peak_nprs <= self.acceptable_peak_nprs < self.flare_peak_nprs:
            raise ValueError(
                "pain zones must rise: safe_peak_nprs <= acceptable_peak_nprs < flare_peak_nprs"
            )
        if self.safe_rise_nprs > self.max_rise_nprs:
            raise ValueError("safe_rise_nprs must not exceed max_rise_nprs")
        return self
