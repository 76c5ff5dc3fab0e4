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

from spinecoach.vocabulary import Equipment

__all__ = ["POLICY_NOTE", "AdaptationSettings"]

POLICY_NOTE = "clinic policy (CLINICAL.md s7 proposed default), not a published LBP rule"
"""Appended to the source of every reason that applies one of these settings."""


class AdaptationSettings(BaseModel):
    """Thresholds and targets that decide progress / hold / regress; every one is a policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- pain response (NPRS 0-10; CLINICAL.md s7 "Proposed defaults (revised)") ----------
    noise_rise_nprs: int = Field(
        default=1,
        ge=0,
        le=10,
        description="a post-session rise of at most this over the pre-session pain is "
        "measurement noise; a progression needs every session within it",
    )
    rise_nprs: int = Field(
        default=2,
        ge=1,
        le=10,
        description="a post-session rise of at least this is a real rise: hold when it settled "
        "by the next morning, regress when it did not or when two sessions rose",
    )
    progress_max_nprs: int = Field(
        default=5,
        ge=0,
        le=10,
        description="no progression when pain before, after or the next morning exceeds this "
        "in any session, however steady (the 'acceptable' ceiling of the Silbernagel model, "
        "bim.physio)",
    )
    baseline_rise_nprs: int = Field(
        default=2,
        ge=1,
        le=10,
        description="a window whose mean pre-session pain is this much above the baseline "
        "regresses, whatever the number of sessions (the NPRS MCID, Ostelo 2008)",
    )
    window_mean_tolerance_nprs: float = Field(
        default=0.5,
        ge=0,
        le=2,
        description="a progression needs the window's mean pre-session pain to be no more than "
        "this above the previous window's mean and the baseline (rounding noise of 0-10 scores)",
    )
    max_rise_nprs: int = Field(
        default=3,
        ge=1,
        le=10,
        description="a rise of more than this counts toward a flare-up streak "
        "('not more than +2-3 over baseline', generic clinic rule, hp-3.co.uk)",
    )
    trend_rise_per_week: float = Field(
        default=1.0,
        gt=0,
        description="pre-session pain climbing by at least this many points per week inside "
        "one window holds progression (Silbernagel: pain must not increase week to week)",
    )
    # --- flare-up ------------------------------------------------------------------------
    flare_peak_nprs: int = Field(
        default=8,
        ge=0,
        le=10,
        description="session pain at or above this (and higher than before) is a flare-up; "
        "for a patient whose baseline is high the limit is baseline + baseline_rise_nprs",
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
        description="this many sessions in a row rising by more than max_rise_nprs is a flare-up",
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
    escalate_baseline_days: int = Field(
        default=7,
        ge=1,
        le=60,
        description="pain 2+ above baseline (baseline_rise_nprs) for this many days goes to the "
        "clinician (CLINICAL.md s7 escalation)",
    )
    escalate_stopped_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="stopping more than this share of the program's exercises goes to the "
        "clinician (CLINICAL.md s7 escalation)",
    )
    coordination_learned_quality: float = Field(
        default=0.85,
        ge=0,
        le=1,
        description="a coordination drill whose sensor-measured lumbar stillness averages at "
        "least this over min_sessions sessions counts as learned and leaves the program",
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
    duration_step_min: float = Field(
        default=5.0, gt=0, description="largest single step of timed work, min"
    )
    duration_step_share: float = Field(
        default=0.2,
        gt=0,
        le=1,
        description="timed and aerobic work grows by minutes, at most this share a step",
    )
    aerobic_weekly_share: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="walking and running volume grows by at most this share a week (the "
        "widely used '10 % rule', [U] as a published LBP rule)",
    )
    max_load_step_share: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="a load step may add at most about this share of the current load; a "
        "larger equipment step waits until the reps top out (double progression)",
    )
    load_steps_kg: dict[Equipment, float] = Field(
        default_factory=dict,
        description="the smallest load step of the clinic's or patient's equipment, kg, by "
        "equipment (e.g. pulley: 1.25 with add-on plates); the catalogue's step otherwise",
    )
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
        if not self.progress_max_nprs < self.flare_peak_nprs:
            raise ValueError("progress_max_nprs must be below flare_peak_nprs")
        if not self.noise_rise_nprs < self.rise_nprs <= self.max_rise_nprs:
            raise ValueError("pain rises must order: noise_rise_nprs < rise_nprs <= max_rise_nprs")
        for equipment, step in self.load_steps_kg.items():
            if not 0 < step <= 50:
                raise ValueError(f"load_steps_kg.{equipment}: {step:g} must be in 0-50 kg")
        return self
