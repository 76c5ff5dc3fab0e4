"""A simulated course of care: prescribe -> sessions -> adapt, week by week, with outcomes.

The clinician's approval is modelled, not real: a new program version is approved
automatically unless the adaptation escalates (red flag, peripheralization, new neurological
symptoms, regressions in a row), in which case a simulated clinician reviews it the same week
and accepts the adapted (safer) version. A referral ends the course. Questionnaires and
endurance are re-measured every four weeks and at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical import assess
from spinecoach.clinical.intake import Intake
from spinecoach.exercises.catalogue import Catalogue
from spinecoach.outcomes.adherence import AdherenceWeek, exercise_completion
from spinecoach.outcomes.timeline import (
    EnduranceTimes,
    Measurement,
    OutcomeSummary,
    Timeline,
    render_summary,
    summarize_timeline,
)
from spinecoach.prescription.adapt import Adaptation, Alert, Change, adapt
from spinecoach.prescription.program import Program, ProgramStatus
from spinecoach.prescription.progression import describe_dose
from spinecoach.prescription.settings import AdaptationSettings
from spinecoach.sessions.model import Session, SessionLog
from spinecoach.simulate.patient_model import (
    PainProfile,
    PatientState,
    PatientTraits,
    attends,
    draw_traits,
    measures,
    simulate_session,
)

__all__ = ["APPROVAL_MODEL", "Course", "CourseWeek", "render_course", "run_course"]

START = dt.date(2026, 1, 5)
"""First day of every simulated course (a Monday), so courses are reproducible."""
REMEASURE_WEEKS = 4
"""Questionnaires and endurance are re-measured every this many weeks (and at the end)."""
APPROVAL_MODEL = (
    "simulated approval: each new version is approved automatically unless the adaptation "
    "escalates; an escalated version is reviewed by a simulated clinician the same week, who "
    "accepts the adapted version; a referral ends the course"
)


class CourseWeek(BaseModel):
    """One week of the course: the program followed, sessions done, and the review after it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    week: int
    program_version: int
    phase: int
    status: ProgramStatus
    sessions_prescribed: int
    sessions_done: int
    mean_pain_before: float | None
    reviewed: bool = Field(description="an adaptation was made at the end of this week")
    changes: list[Change] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    approval: str | None = None


class Course(BaseModel):
    """The whole simulated course: every program version, session log, week and outcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int
    weeks: int
    pain_profile: PainProfile = "model"
    approval_model: str = APPROVAL_MODEL
    intake: Intake
    traits: PatientTraits
    programs: list[Program]
    session_logs: list[SessionLog]
    log: list[CourseWeek]
    timeline: Timeline
    outcome: OutcomeSummary
    ended: str | None = Field(default=None, description="why the course stopped early, if it did")


def run_course(
    intake: Intake | None = None,
    weeks: int = 12,
    seed: int = 0,
    catalogue: Catalogue | None = None,
    settings: AdaptationSettings | None = None,
    *,
    pain_profile: PainProfile = "model",
) -> Course:
    """Run a (given or random) patient through ``weeks`` of sessions and weekly reviews.

    ``pain_profile`` picks how the back responds (``patient_model.PainProfile``)."""
    from spinecoach.exercises import load_catalogue
    from spinecoach.prescription.prescribe import prescribe
    from spinecoach.simulate.patients import random_intake

    rng = np.random.default_rng(seed)
    intake = intake or random_intake(rng, red_flag_rate=0.0)
    catalogue = catalogue or load_catalogue()
    settings = settings or AdaptationSettings()
    program: Program = prescribe(assess(intake), intake.patient, catalogue)
    traits = draw_traits(intake, program, catalogue, rng)
    state = PatientState(capacity=dict(traits.capacity), pain=traits.baseline_pain)
    run = _Run(program=program, measurements=[_measurement(START, measures(traits, state, intake))])
    for week in range(1, weeks + 1):
        if run.program.status == "referral":
            run.ended = f"referral before week {week}: exercise stopped for medical review"
            break
        done = _week_of_sessions(
            run, traits, state, catalogue, week=week, rng=rng, profile=pain_profile
        )
        review = len(run.pending) >= settings.min_sessions or week - run.last_review >= 2
        result = _review(run, settings, catalogue) if review and run.pending else None
        if review:
            run.last_review = week
        run.weeks.append(_week_record(run, week, done, result))
        if result is not None:
            run.program = _approve(result)
            run.programs.append(run.program)
        if week % REMEASURE_WEEKS == 0 or week == weeks:
            day = START + dt.timedelta(days=7 * week - 1)
            run.measurements.append(_measurement(day, measures(traits, state, intake)))
    return _finish(run, intake, traits, weeks, seed).model_copy(
        update={"pain_profile": pain_profile}
    )


class _Run:
    """Mutable bookkeeping of one course while it runs."""

    def __init__(self, program: Program, measurements: list[Measurement]) -> None:
        self.program = program
        self.programs: list[Program] = [program]
        self.logs: list[tuple[Program, SessionLog]] = []
        self.pending: list[Session] = []
        self.weeks: list[CourseWeek] = []
        self.adherence: list[AdherenceWeek] = []
        self.measurements = measurements
        self.last_review = 0
        self.ended: str | None = None


def _week_of_sessions(
    run: _Run,
    traits: PatientTraits,
    state: PatientState,
    catalogue: Catalogue,
    *,
    week: int,
    rng: np.random.Generator,
    profile: PainProfile = "model",
) -> list[Session]:
    """The sessions the patient does this week, spread over the prescribed days."""
    prescribed = run.program.sessions_per_week if run.program.status != "referral" else 0
    monday = START + dt.timedelta(days=7 * (week - 1))
    days = sorted({int(i * 7 / prescribed) for i in range(prescribed)}) if prescribed else []
    done: list[Session] = []
    for day in days:
        if profile != "model" or attends(traits, week, rng):
            date = monday + dt.timedelta(days=day)
            done.append(
                simulate_session(
                    traits, state, run.program, catalogue, date=date, rng=rng, profile=profile
                )
            )
    run.pending.extend(done)
    run.adherence.append(
        AdherenceWeek(
            week=week, start=monday, sessions_prescribed=prescribed, sessions_done=len(done)
        )
    )
    return done


def _review(run: _Run, settings: AdaptationSettings, catalogue: Catalogue) -> Adaptation:
    log = SessionLog(
        patient_id=run.program.patient_id, program_version=run.program.version, sessions=run.pending
    )
    run.logs.append((run.program, log))
    run.pending = []
    return adapt(run.program, log, settings, catalogue)


def _approve(result: Adaptation) -> Program:
    who = (
        "simulated clinician (escalated review)"
        if result.needs_clinician
        else "automatic (simulation)"
    )
    return result.program.model_copy(update={"approved_by": who})


def _week_record(
    run: _Run, week: int, done: list[Session], result: Adaptation | None
) -> CourseWeek:
    p = run.program
    pains = [s.pain_before for s in done]
    return CourseWeek(
        week=week,
        program_version=p.version,
        phase=p.phase,
        status=p.status,
        sessions_prescribed=run.adherence[-1].sessions_prescribed,
        sessions_done=len(done),
        mean_pain_before=round(sum(pains) / len(pains), 1) if pains else None,
        reviewed=result is not None,
        changes=result.changes if result else [],
        alerts=result.alerts if result else [],
        approval=None if result is None else _approve(result).approved_by,
    )


def _measurement(date: dt.date, values: Mapping[str, float]) -> Measurement:
    endurance = {k: v for k, v in values.items() if k in EnduranceTimes.model_fields}
    scores = {k: v for k, v in values.items() if k not in endurance}
    for key in ("nprs", "rmdq"):
        if key in scores:
            scores[key] = int(scores[key])
    return Measurement.model_validate({"date": date, **scores, "endurance": endurance})


def _finish(run: _Run, intake: Intake, traits: PatientTraits, weeks: int, seed: int) -> Course:
    timeline = Timeline(
        patient_id=intake.patient.id,
        measurements=run.measurements,
        adherence=run.adherence,
        exercises=exercise_completion(run.logs),
    )
    return Course(
        seed=seed,
        weeks=weeks,
        intake=intake,
        traits=traits,
        programs=run.programs,
        session_logs=[log for _, log in run.logs],
        log=run.weeks,
        timeline=timeline,
        outcome=summarize_timeline(timeline),
        ended=run.ended,
    )


def render_course(course: Course) -> str:
    """A readable week-by-week summary of the course, then the outcomes."""
    first = course.programs[0]
    t = course.traits
    lines = [
        f"Simulated course for {course.intake.patient.id} (seed {course.seed}, {course.weeks} "
        f"weeks, pain profile {course.pain_profile})",
        f"  {course.intake.patient.age} y, {course.intake.patient.occupation} work; "
        f"STarT Back {first.safety.stratum or 'n/a'}; pathway {first.care_pathway}; "
        f"dosing {first.dosing}; {first.sessions_per_week} sessions/week",
        f"  pain at start {t.baseline_pain:g}/10; provoking loads: "
        f"{', '.join(first.safety.provoking_loads) or 'none'}",
        f"  {course.approval_model}",
        "",
        "  week  version  phase  status    sessions  pain  review",
    ]
    for w in course.log:
        pain = f"{w.mean_pain_before:.1f}" if w.mean_pain_before is not None else "  - "
        lines.append(
            f"  {w.week:>4}  {w.program_version:>7}  {w.phase:>5}  {w.status:<8}  "
            f"{w.sessions_done:>3}/{w.sessions_prescribed:<4}  {pain:>4}  {_review_text(w)}"
        )
        lines.extend(f"        {'ESCALATE' if a.escalate else 'ALERT'}: {a.text}" for a in w.alerts)
    last = course.programs[-1]
    lines.append("")
    lines.append(
        f"  final program: version {last.version}, phase {last.phase}, status {last.status}"
    )
    lines.extend(f"    {e.name}: {describe_dose(e.dose)}" for e in last.exercises)
    if course.ended:
        lines.append(f"  course ended early: {course.ended}")
    lines.append("")
    lines.append(render_summary(course.outcome))
    return "\n".join(lines)


def _review_text(w: CourseWeek) -> str:
    if not w.reviewed:
        return "no review (too few sessions)"
    counts: dict[str, int] = {}
    for c in w.changes:
        counts[c.action] = counts.get(c.action, 0) + 1
    return ", ".join(f"{action} {n}" for action, n in counts.items()) or "no exercises"
