"""Adaptation: the sessions done on one program version decide the next version, dose by dose.

``adapt(program, sessions)`` checks the program document against the catalogue and its
safety vocabulary, then applies, in this order (the first that fires wins for safety):

1. a new red flag at a session check-in, or an urgent/emergency flag listed as under review
   -> ``status: referral``, every exercise stopped;
2. the safety rules re-applied: an exercise that loads a provoking direction, is
   contraindicated, needs missing equipment or breaks a health precaution (pregnancy weeks
   move on) is swapped for a safe rung of its ladder or stopped;
3. peripheralization in a direction -> exercises loading it stopped, the direction added to
   the program's safety, the rest of the work regressed, clinician alerted;
4. a flare-up (relative to the patient's baseline) -> progression paused, phase-1
   ``flare_safe`` work only;
5. the pain window (pain-contingent dosing; ``pain_window``) or the plan (quota-based graded
   activity for STarT Back high risk): progress one parameter, hold, or regress one step,
   per exercise, always within the patient's minutes per session.

Every change names the exercise, the action, from -> to, and the reasons with rule ids. The
thresholds are clinic policy (:class:`AdaptationSettings`), not published LBP rules. The new
version is never approved: the clinician approves it (``approved_by``), and alerts marked
``escalate`` must be seen before it is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical import red_flags
from spinecoach.clinical.red_flags import screen_red_flags
from spinecoach.errors import ClinicalSafetyError
from spinecoach.exercises.catalogue import Catalogue
from spinecoach.exercises.model import Dose, Exercise
from spinecoach.prescription.dosing import estimate_minutes, shorter_dose
from spinecoach.prescription.pain_window import SOURCE as PAIN_SOURCE
from spinecoach.prescription.pain_window import WindowReading, read_window
from spinecoach.prescription.precautions import (
    Precaution,
    active_precautions,
    needs_phase_approval,
    phase_cap,
    precaution_reasons,
)
from spinecoach.prescription.program import (
    Program,
    ProgramExercise,
    ProgramSafety,
    Reason,
    Referral,
)
from spinecoach.prescription.program_check import check_program
from spinecoach.prescription.progression import (
    DoseStep,
    StepLimits,
    describe_dose,
    floor_dose,
    step_down,
    step_up_options,
)
from spinecoach.prescription.safety import SUPPORT_SURFACES, isometric_anti_rotation
from spinecoach.prescription.settings import POLICY_NOTE, AdaptationSettings
from spinecoach.sessions.model import Session, SessionLog, check_against_program
from spinecoach.sessions.response import exercise_record
from spinecoach.vocabulary import DIRECTION_LOADS, Direction, SpinalLoad

__all__ = ["Action", "Adaptation", "Alert", "Change", "adapt"]

Action = Literal["progress", "hold", "regress", "replace", "stop"]
Verdict = Literal["progress", "hold", "regress"]
_T = TypeVar("_T")
RED_FLAG_SOURCE = red_flags.SOURCE
"""Any red flag suspends progression until a clinician clears it (NICE NG59 pathway wording)."""
SILBERNAGEL = PAIN_SOURCE
DIRECTIONAL_TAGS = frozenset({"directional_extension", "directional_flexion", "lateral_shift"})
"""A directional-preference drill progresses along its ladder first (prone lying -> prone on
elbows -> press-ups -> standing extension), its dose after that (McKenzie progression of
forces; the order is a clinic default)."""
AEROBIC_TAGS = frozenset({"walking", "aerobic", "running"})
"""Walking and running volume grows by at most ``aerobic_weekly_share`` a week."""


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Value):
    """One exercise's change: what was done to it, from -> to, and why (with rule ids)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, serialize_by_alias=True
    )

    exercise: str
    name: str | None = Field(default=None, description="the exercise's name, for reading")
    action: Action
    parameter: str | None = Field(
        default=None, description="dose parameter moved, 'ladder' for a new rung, else null"
    )
    from_: Dose | str | None = Field(default=None, alias="from", description="dose or exercise id")
    to: Dose | str | None = Field(default=None, description="dose or exercise id")
    reasons: list[Reason] = Field(min_length=1)


class Alert(_Value):
    """Something the clinician must know; ``escalate`` means: review before the new version."""

    rule: str
    text: str
    escalate: bool


class Adaptation(_Value):
    """The next program version, every change with its reasons, and the clinician alerts."""

    program: Program
    changes: list[Change]
    alerts: list[Alert] = Field(default_factory=list)

    @property
    def needs_clinician(self) -> bool:
        """True when an alert asks the clinician to review before the new version is used."""
        return any(a.escalate for a in self.alerts)


@dataclass
class _Context:
    program: Program
    log: Sequence[Session]
    settings: AdaptationSettings
    catalogue: Catalogue
    safety: ProgramSafety
    precautions: tuple[Precaution, ...] = ()
    alerts: list[Alert] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    kept: list[ProgramExercise] = field(default_factory=list)
    minutes: dict[str, float] = field(default_factory=dict)
    """Estimated minutes of every exercise still in the session (kept or not yet decided)."""

    def provoking(self, rung: Exercise) -> list[str]:
        """The loads of ``rung`` the program's safety forbids."""
        forbidden = set(self.safety.provoking_loads)
        if self.safety.anti_rotation_allowed and isometric_anti_rotation(rung):
            forbidden.discard("rotation")
        return [load for load in rung.loads if load in forbidden]

    def unsafe(self, rung: Exercise) -> Reason | None:
        """Why ``rung`` may not be in this program: provoking load, contraindication,
        equipment or a health precaution (the one check every rung change passes)."""
        bad = self.provoking(rung)
        if bad:
            return Reason(
                rule="adapt.hold.provoking_rung",
                text=f"{rung.name} loads {', '.join(bad)}, which provokes symptoms",
            )
        tags = sorted(set(rung.contraindications) & set(self.safety.contraindications))
        if tags:
            return Reason(
                rule="adapt.hold.contraindicated_rung",
                text=f"{rung.name} is contraindicated for this patient ({', '.join(tags)})",
            )
        missing = sorted(set(rung.equipment) - set(self.safety.equipment) - SUPPORT_SURFACES)
        if missing:
            return Reason(
                rule="adapt.hold.equipment_rung",
                text=f"{rung.name} needs equipment the patient does not have: {', '.join(missing)}",
            )
        health = precaution_reasons(rung, self.precautions)
        if health:
            first = health[0]
            return first.model_copy(update={"text": f"{rung.name}: {first.text}"})
        return None

    def record(self, change: Change, exercise: ProgramExercise | None) -> None:
        self.changes.append(change.model_copy(update={"name": self.name_of(change.exercise)}))
        self.minutes.pop(change.exercise, None)
        if exercise is not None:
            self.kept.append(exercise)
            self.minutes[exercise.id] = estimate_minutes(exercise.dose)

    def name_of(self, exercise_id: str) -> str:
        for e in self.program.exercises:
            if e.id == exercise_id:
                return e.name
        return (
            self.catalogue.get(exercise_id).name if exercise_id in self.catalogue else exercise_id
        )

    def fits(self, replaced: str, minutes: float) -> bool:
        """True when the session still fits the patient's minutes with ``replaced`` at
        ``minutes`` (hundredths of a minute, one to spare, as the prescription's budget)."""
        others = sum(round(m * 100) for k, m in self.minutes.items() if k != replaced)
        return others + round(minutes * 100) <= self.program.minutes_per_session * 100 - 1

    def limits(self, entry: Exercise) -> StepLimits:
        """Step limits for this patient: equipment load step, weekly share of aerobic work."""
        load_step = None
        for equipment in entry.equipment:
            step = self.safety.load_steps_kg.get(equipment) or self.settings.load_steps_kg.get(
                equipment
            )
            if step is not None:
                load_step = step if load_step is None else max(load_step, step)
        share = None
        if AEROBIC_TAGS & set(entry.tags):
            share = self.settings.aerobic_weekly_share * _window_weeks(self.log)
        return StepLimits(load_step_kg=load_step, duration_share=share)


def _window_weeks(log: Sequence[Session]) -> int:
    """Whole weeks the window covers (at least one)."""
    if not log:
        return 1
    days = (log[-1].date - log[0].date).days + 1
    return max(1, days // 7)


def adapt(
    program: Program,
    sessions: SessionLog,
    settings: AdaptationSettings | None = None,
    catalogue: Catalogue | None = None,
) -> Adaptation:
    """The next program version (``version + 1``, unapproved) and the changes that make it."""
    check_against_program(sessions, program)
    if program.status == "referral":
        raise ClinicalSafetyError(
            f"program version {program.version} is a referral: exercise stays stopped until a "
            "clinician clears the red flag and prescribes again"
        )
    if catalogue is None:
        from spinecoach.exercises import load_catalogue

        catalogue = load_catalogue()
    check_program(program, catalogue)
    log = sessions.sessions
    today = log[-1].date if log else None
    ctx = _Context(
        program,
        log,
        settings or AdaptationSettings(),
        catalogue,
        program.safety,
        precautions=active_precautions(program.safety.health, today),
    )
    ctx.minutes = {e.id: estimate_minutes(e.dose) for e in program.exercises}
    flags = sorted({f for s in ctx.log for f in s.red_flags})
    blocking = _blocking_under_review(program.safety)
    if flags or blocking:
        return _refer(ctx, flags, blocking)
    remaining = _reapply_safety(ctx, list(program.exercises))
    remaining = _leave_learned(ctx, remaining)
    remaining, peripheral = _stop_peripheralizing(ctx, remaining)
    quota = program.dosing == "quota_based"
    reading = read_window(
        log, program.safety.review_baseline, program.pain_windows, ctx.settings, quota=quota
    )
    for text in reading.escalate:
        ctx.alerts.append(Alert(rule="adapt.escalate.above_baseline", text=text, escalate=True))
    if reading.flare is not None:
        return _fall_back(ctx, remaining, reading.flare, reading)
    _alert_flags_under_review(ctx)
    if peripheral is not None:
        verdict: Verdict = "regress"
        why = [peripheral]
    else:
        verdict, why = _verdict(ctx, reading)
    recent = {e.id for e in remaining if _has_rule(e.reasons, "adapt.progress")}
    if peripheral is not None:
        recent = set()
    for exercise in remaining:
        _decide(ctx, exercise, verdict, why, recent)
    _escalate_stopped(ctx)
    phase, reviews = _next_phase(ctx, verdict)
    return _finish(ctx, status="active", phase=phase, safe_reviews=reviews, reading=reading)


def _blocking_under_review(safety: ProgramSafety) -> list[str]:
    """Flags listed as under review that actually stop exercise (urgent or emergency)."""
    return [
        f
        for f in safety.red_flags_under_review
        if f in red_flags.RED_FLAGS and red_flags.RED_FLAGS[f].urgency in ("urgent", "emergency")
    ]


def _alert_flags_under_review(ctx: _Context) -> None:
    """Review-level red flags not yet cleared lock progression (CLINICAL.md section 4)."""
    pending = ctx.safety.red_flags_under_review
    if pending:
        text = (
            f"red flag(s) {', '.join(pending)} await a clinician's review: no progression or "
            "phase change until cleared"
        )
        ctx.alerts.append(Alert(rule="adapt.escalate.red_flag_review", text=text, escalate=True))


def _has_rule(reasons: Sequence[Reason], prefix: str) -> bool:
    return any(r.rule.startswith(prefix) for r in reasons)


def _refer(ctx: _Context, flags: list[str], blocking: list[str]) -> Adaptation:
    """A new red flag (or a stopping flag left 'under review') stops everything: referral."""
    screen = screen_red_flags(sorted({*flags, *blocking}))
    top = screen.hits[0]
    if flags:
        text = (
            f"new red flag at a session check-in ({', '.join(flags)}, {screen.urgency}): "
            "all exercise stops until a clinician clears it"
        )
    else:
        text = (
            f"red flag(s) {', '.join(blocking)} ({screen.urgency}) stop exercise; they cannot "
            "wait under review: all exercise stops until a clinician clears them"
        )
    why = Reason(
        rule="adapt.red_flag",
        text=text,
        source="NICE NG59; NHS primary-care LBP pathway (CLINICAL.md s4)",
    )
    for e in ctx.program.exercises:
        ctx.record(Change(exercise=e.id, action="stop", from_=e.id, reasons=[why]), None)
    ctx.alerts.append(Alert(rule="adapt.red_flag", text=why.text, escalate=True))
    referral = Referral(
        urgency=screen.urgency if screen.urgency != "none" else "review",
        patient_action=top.patient_action,
        clinician_action=top.clinician_action,
        flags=[h.id for h in screen.hits],
    )
    return _finish(ctx, status="referral", phase=ctx.program.phase, referral=referral)


def _reapply_safety(ctx: _Context, exercises: list[ProgramExercise]) -> list[ProgramExercise]:
    """Every exercise passes the safety check again; an unsafe one moves to a safe rung of its
    ladder (never longer than it was) or stops, and the clinician is told."""
    remaining: list[ProgramExercise] = []
    taken = {e.id for e in exercises}
    for e in exercises:
        entry = ctx.catalogue.get(e.id)
        problem = ctx.unsafe(entry)
        if problem is None:
            remaining.append(e)
            continue
        why = Reason(
            rule="adapt.safety",
            text=f"{e.name} no longer passes the safety check: {problem.text}",
            source=problem.source,
        )
        ctx.alerts.append(Alert(rule="adapt.safety", text=why.text, escalate=True))
        rung = _safe_rung(ctx, entry, taken)
        if rung is None:
            ctx.record(Change(exercise=e.id, action="stop", from_=e.id, reasons=[why]), None)
            continue
        dose = _dose_within(rung, e)
        swap = Reason(
            rule="adapt.replace.safety",
            text=f"{rung.name} is the safe rung of the same ladder",
        )
        if dose is None:
            ctx.record(Change(exercise=e.id, action="stop", from_=e.id, reasons=[why]), None)
            continue
        taken.add(rung.id)
        ctx.record(*_rung_change(e, rung, "replace", [why, swap], dose))
    return remaining


def _safe_rung(ctx: _Context, entry: Exercise, taken: set[str]) -> Exercise | None:
    """The nearest safe rung of the ladder within the program's phase (easier ones first)."""
    rungs = [r for r in ctx.catalogue.ladder(entry.ladder) if r.id != entry.id]
    rungs.sort(key=lambda r: (r.level > entry.level, abs(r.level - entry.level)))
    for rung in rungs:
        if rung.id in taken or rung.phase > ctx.program.phase or ctx.unsafe(rung) is not None:
            continue
        return rung
    return None


def _dose_within(rung: Exercise, was: ProgramExercise) -> Dose | None:
    """The rung's gentlest dose, shortened until it takes no longer than ``was`` (else None)."""
    dose = floor_dose(rung.dose, rung.bounds)
    limit = estimate_minutes(was.dose)
    while estimate_minutes(dose) > limit + 1e-9:
        shorter = shorter_dose(dose, rung.bounds)
        if shorter is None:
            return None
        dose = shorter
    return dose


def _leave_learned(ctx: _Context, exercises: list[ProgramExercise]) -> list[ProgramExercise]:
    """Coordination drills stay until learned: marked by the clinician or shown by sensors."""
    remaining: list[ProgramExercise] = []
    for e in exercises:
        entry = ctx.catalogue.get(e.id)
        if "coordination" not in entry.tags:
            remaining.append(e)
            continue
        rec = exercise_record(ctx.log, e.id, e.dose.sets)
        sensed = (
            rec.mean_quality is not None
            and rec.sessions >= ctx.settings.min_sessions
            and rec.mean_quality >= ctx.settings.coordination_learned_quality
        )
        if e.learned:
            text = f"{e.name} is learned (marked by the clinician): it leaves the program"
        elif sensed:
            text = (
                f"{e.name} is learned: sensor-measured lumbar stillness "
                f"{rec.mean_quality or 0:.2f} over {rec.sessions} sessions is at least "
                f"{ctx.settings.coordination_learned_quality:g}"
            )
        else:
            remaining.append(e)
            continue
        why = Reason(rule="adapt.coordination.learned", text=text, source=POLICY_NOTE)
        ctx.record(Change(exercise=e.id, action="stop", from_=e.id, reasons=[why]), None)
    return remaining


def _stop_peripheralizing(
    ctx: _Context, exercises: list[ProgramExercise]
) -> tuple[list[ProgramExercise], Reason | None]:
    """Stop exercises loading a direction that peripheralized; add it to the program's safety.

    The reason returned regresses the rest of the work (it is not progressed)."""
    directions: list[Direction] = []
    for s in ctx.log:
        if s.peripheralization is not None and s.peripheralization not in directions:
            directions.append(s.peripheralization)
    if not directions:
        return exercises, None
    loads = {DIRECTION_LOADS[d] for d in directions}
    old = ctx.safety
    ctx.safety = old.model_copy(
        update={
            "provoking": _union(old.provoking, directions),
            "peripheralizing": _union(old.peripheralizing, directions),
            "provoking_loads": _union(old.provoking_loads, sorted(loads)),
        }
    )
    text = (
        f"symptoms peripheralized with {', '.join(directions)}: that direction is stopped and "
        "the rest of the work is regressed"
    )
    ctx.alerts.append(Alert(rule="adapt.peripheralization", text=text, escalate=True))
    source = "TBC specific-exercise criteria (Fritz 2007), CLINICAL.md s6; a design rule"
    remaining: list[ProgramExercise] = []
    for e in exercises:
        hit = sorted(loads.intersection(e.loads))
        if hit:
            why = Reason(
                rule="adapt.stop.peripheralization",
                text=f"{e.name} loads {', '.join(hit)}, which peripheralized symptoms",
                source=source,
            )
            ctx.record(Change(exercise=e.id, action="stop", from_=e.id, reasons=[why]), None)
        else:
            remaining.append(e)
    rest = Reason(
        rule="adapt.regress.peripheralization",
        text=f"symptoms peripheralized with {', '.join(directions)}: the rest of the work "
        "steps down, not up",
        source=source,
    )
    return remaining, rest


def _union(old: Sequence[_T], new: Sequence[_T]) -> list[_T]:
    return [*old, *(x for x in new if x not in old)]


def _fall_back(
    ctx: _Context, remaining: list[ProgramExercise], flare: str, reading: WindowReading
) -> Adaptation:
    """Flare-up: pause progression, keep or swap to phase-1 pain-free (flare_safe) work only."""
    why = Reason(rule="adapt.flare_up", text=f"flare-up: {flare}", source=SILBERNAGEL)
    ctx.alerts.append(
        Alert(
            rule="adapt.flare_up",
            text=f"{why.text}; progression paused, phase-1 pain-free work only",
            escalate=False,
        )
    )
    in_program = {e.id for e in remaining}
    for e in remaining:
        entry = ctx.catalogue.get(e.id)
        if _flare_safe(ctx, entry):
            _gentlest(ctx, e, entry, why)
            continue
        rung = _flare_safe_rung(ctx, entry, in_program)
        dose = None if rung is None else _dose_within(rung, e)
        if rung is None or dose is None:
            ctx.record(Change(exercise=e.id, action="stop", from_=e.id, reasons=[why]), None)
            continue
        in_program.add(rung.id)
        swap = Reason(
            rule="adapt.replace.flare_up", text=f"{rung.name} is pain-free work on the same ladder"
        )
        ctx.record(*_rung_change(e, rung, "replace", [why, swap], dose))
    _escalate_stopped(ctx)
    return _finish(ctx, status="paused", phase=1, phase_reason=why, reading=reading)


def _gentlest(ctx: _Context, e: ProgramExercise, entry: Exercise, why: Reason) -> None:
    """Keep a pain-free drill during a flare-up, at the gentlest dose its bounds allow."""
    gentle = floor_dose(e.dose, entry.bounds)
    if gentle == e.dose:
        ctx.record(Change(exercise=e.id, action="hold", reasons=[why]), _rewhy(e, [why]))
        return
    r = Reason(
        rule="adapt.regress.flare_up",
        text=f"dose down to its gentlest during the flare-up: {describe_dose(e.dose)} -> "
        f"{describe_dose(gentle)}",
    )
    change = Change(
        exercise=e.id, action="regress", parameter="dose", from_=e.dose, to=gentle, reasons=[why, r]
    )
    ctx.record(change, _redose(e, gentle, [why, r]))


def _flare_safe(ctx: _Context, entry: Exercise) -> bool:
    return "flare_safe" in entry.tags and entry.phase == 1 and ctx.unsafe(entry) is None


def _flare_safe_rung(ctx: _Context, entry: Exercise, taken: set[str]) -> Exercise | None:
    rung = ctx.catalogue.easier(entry.id)
    while rung is not None:
        if _flare_safe(ctx, rung) and rung.id not in taken:
            return rung
        rung = ctx.catalogue.easier(rung.id)
    return None


def _verdict(ctx: _Context, reading: WindowReading) -> tuple[Verdict, list[Reason]]:
    """Progress, hold or regress for the whole window, with the reasons (and alerts)."""
    log = ctx.log
    if any(s.new_neuro_symptoms for s in log):
        text = "new neurological symptoms reported: progression held for clinician review"
        ctx.alerts.append(Alert(rule="adapt.neuro_symptoms", text=text, escalate=True))
        return "hold", [Reason(rule="adapt.hold.neuro_symptoms", text=text)]
    if not log:
        return "hold", [Reason(rule="adapt.hold.no_sessions", text="no sessions were logged")]
    if ctx.program.dosing == "quota_based":
        if reading.hold:
            return "hold", reading.hold
        text = "graded activity: the dose follows the plan, not the pain (STarT Back high risk)"
        return "progress", [
            Reason(
                rule="adapt.plan.quota",
                text=text,
                source="Lindstrom et al., Phys Ther 1992; pairing with STarT high is a design choice",
            )
        ]
    if reading.regress:
        return "regress", reading.regress
    if reading.hold:
        return "hold", reading.hold
    s = ctx.settings
    text = (
        f"every session stayed within +{s.noise_rise_nprs} of the pre-session pain, settled by "
        f"the next morning and stayed at or below {s.progress_max_nprs}/10; mean pain "
        f"{reading.mean_before or 0:.1f}/10 is not above the baseline or the last review"
    )
    return "progress", [Reason(rule="adapt.pain_safe", text=text, source=SILBERNAGEL)]


def _decide(
    ctx: _Context, e: ProgramExercise, verdict: Verdict, why: list[Reason], recent: set[str]
) -> None:
    """Apply the window's verdict to one exercise (pinned doses stay as the clinician set them)."""
    if e.pinned:
        pin = Reason(rule="adapt.hold.pinned", text="the clinician pinned this exercise's dose")
        ctx.record(Change(exercise=e.id, action="hold", reasons=[pin]), _rewhy(e, [pin]))
    elif verdict == "regress" and recent and e.id not in recent:
        keep = Reason(
            rule="adapt.hold.not_recently_progressed",
            text="the most recent progressions are undone first; this dose was not changed last time",
        )
        ctx.record(
            Change(exercise=e.id, action="hold", reasons=[*why, keep]), _rewhy(e, [*why, keep])
        )
    elif verdict == "regress":
        _regress(ctx, e, why)
    elif verdict == "progress":
        _progress_if_ready(ctx, e, why)
    else:
        ctx.record(Change(exercise=e.id, action="hold", reasons=why), _rewhy(e, why))


def _progress_if_ready(ctx: _Context, e: ProgramExercise, why: list[Reason]) -> None:
    """Progress by one step (quota: by plan) unless the log shows the exercise is not ready."""
    blockers = _not_ready(ctx, e)
    if blockers:
        reasons = [*why, *blockers]
        ctx.record(Change(exercise=e.id, action="hold", reasons=reasons), _rewhy(e, reasons))
        return
    quota = ctx.program.dosing == "quota_based"
    steps = ctx.settings.quota_steps_per_week if quota else 1
    current, last = e, None
    for _ in range(steps):
        change, moved = _progress(ctx, current, why)
        if change.action != "progress" or moved is None:
            if last is None:
                ctx.record(change, moved)
                return
            break
        last, current = change, moved
        if change.parameter == "ladder":
            break
    if last is None:
        ctx.record(Change(exercise=e.id, action="hold", reasons=why), _rewhy(e, why))
        return
    ctx.record(last.model_copy(update={"from_": _was(e, last)}), current)


def _not_ready(ctx: _Context, e: ProgramExercise) -> list[Reason]:
    """Why the exercise is not ready to progress: too few sessions, incomplete, too hard, poor form.

    Quota-based (graded activity) dosing looks only at whether the quota was done. A logged
    row with no sets done is no work done, whatever its ``completed`` says.
    """
    s = ctx.settings
    rec = exercise_record(ctx.log, e.id, e.dose.sets)
    quota = ctx.program.dosing == "quota_based"
    checks: list[tuple[bool, str, str]] = [
        (
            rec.sessions < s.min_sessions,
            "adapt.hold.min_sessions",
            f"done in {rec.sessions} session(s); {s.min_sessions} needed before progressing",
        ),
        (
            rec.completion < s.completion_target,
            "adapt.hold.completion",
            f"{rec.completion:.0%} of the prescribed sets done; {s.completion_target:.0%} needed",
        ),
        (
            not quota and rec.mean_rpe is not None and rec.mean_rpe > s.max_rpe,
            "adapt.hold.effort",
            f"mean effort {rec.mean_rpe or 0:.1f}/10 (Borg CR-10) is above {s.max_rpe:g}",
        ),
        (
            not quota and rec.mean_quality is not None and rec.mean_quality < s.min_quality,
            "adapt.hold.form",
            f"sensor-measured lumbar stillness {rec.mean_quality or 0:.2f} is below "
            f"{s.min_quality:g}",
        ),
    ]
    found = [Reason(rule=rule, text=text, source=POLICY_NOTE) for hit, rule, text in checks if hit]
    pending = ctx.safety.red_flags_under_review
    if pending:
        text = (
            f"red flag(s) {', '.join(pending)} await a clinician's review; progression is "
            "suspended until cleared"
        )
        found.insert(
            0, Reason(rule="adapt.hold.red_flag_review", text=text, source=RED_FLAG_SOURCE)
        )
    return found


def _was(e: ProgramExercise, change: Change) -> Dose | str:
    return e.id if change.parameter == "ladder" else e.dose


def _progress(
    ctx: _Context, e: ProgramExercise, why: list[Reason]
) -> tuple[Change, ProgramExercise | None]:
    """One step up: a dose parameter that keeps the session within its minutes, else the
    next rung when it is safe, in phase and fits (directional drills: the rung first)."""
    entry = ctx.catalogue.get(e.id)
    directional = bool(DIRECTIONAL_TAGS & set(entry.tags))
    if directional:
        rung_move = _ladder_up(ctx, e, why)
        if rung_move[0].action == "progress":
            return rung_move
    options = step_up_options(e.dose, entry.bounds, ctx.settings, ctx.limits(entry))
    fitting = [o for o in options if ctx.fits(e.id, estimate_minutes(o.dose))]
    if fitting:
        step = fitting[0]
        r = _step_reason(e, step, skipped=len(options) > len(fitting) and options[0] != step)
        moved = _redose(e, step.dose, [*why, r])
        change = Change(
            exercise=e.id,
            action="progress",
            parameter=step.parameter,
            from_=e.dose,
            to=step.dose,
            reasons=[*why, r],
        )
        return change, moved
    rung_move = _ladder_up(ctx, e, why)
    if options and rung_move[0].action != "progress":
        budget = Reason(
            rule="adapt.hold.budget",
            text=f"a step up ({describe_dose(options[0].dose)}) would take the session past "
            f"{ctx.program.minutes_per_session} minutes; no other parameter or rung fits either",
            source=POLICY_NOTE,
        )
        return Change(exercise=e.id, action="hold", reasons=[*why, budget]), _rewhy(
            e, [*why, budget]
        )
    return rung_move


def _step_reason(e: ProgramExercise, step: DoseStep, *, skipped: bool) -> Reason:
    text = f"{step.parameter} up one step: {describe_dose(e.dose)} -> {describe_dose(step.dose)}"
    if step.double_progression:
        text += (
            " (the equipment's smallest load step is large for this load, so the repetitions "
            "go back down: double progression)"
        )
    if skipped:
        text += "; the earlier parameter would not fit the session's minutes"
    return Reason(rule=f"adapt.progress.{step.parameter}", text=text, source=POLICY_NOTE)


def _ladder_up(
    ctx: _Context, e: ProgramExercise, why: list[Reason]
) -> tuple[Change, ProgramExercise | None]:
    rung = ctx.catalogue.harder(e.id)
    hold = _rung_blocked(ctx, e, rung)
    if hold is None and rung is not None:
        dose: Dose | None = rung.dose
        if not ctx.fits(e.id, estimate_minutes(rung.dose)):
            dose = floor_dose(rung.dose, rung.bounds)
        if dose is not None and not ctx.fits(e.id, estimate_minutes(dose)):
            dose = _dose_within(rung, e)  # a harder rung in no more time than now
        if dose is None or not ctx.fits(e.id, estimate_minutes(dose)):
            hold = Reason(
                rule="adapt.hold.budget",
                text=f"the next rung {rung.name} would take the session past "
                f"{ctx.program.minutes_per_session} minutes",
                source=POLICY_NOTE,
            )
        else:
            r = Reason(
                rule="adapt.progress.ladder",
                text=f"next rung: {rung.name} (level {rung.level}) at {describe_dose(dose)}",
            )
            return _rung_change(e, rung, "progress", [*why, r], dose)
    reasons = [*why, hold] if hold is not None else why
    return Change(exercise=e.id, action="hold", reasons=reasons), _rewhy(e, reasons)


def _rung_change(
    e: ProgramExercise,
    rung: Exercise,
    action: Literal["progress", "regress", "replace"],
    reasons: list[Reason],
    dose: Dose | None = None,
) -> tuple[Change, ProgramExercise]:
    """Move ``e`` to another rung of its ladder: the change, and the new program exercise."""
    change = Change(
        exercise=e.id, action=action, parameter="ladder", from_=e.id, to=rung.id, reasons=reasons
    )
    return change, _from_catalogue(rung, e, reasons, dose=dose)


def _rung_blocked(ctx: _Context, e: ProgramExercise, rung: Exercise | None) -> Reason | None:
    """Why the next rung cannot be taken (top of ladder, unsafe, later phase), if so."""
    if rung is None:
        return Reason(
            rule="adapt.hold.top_of_ladder",
            text=f"{e.name} is at the top of its dose range and of its ladder",
        )
    unsafe = ctx.unsafe(rung)
    if unsafe is not None:
        return unsafe.model_copy(update={"text": f"the next rung: {unsafe.text}"})
    if rung.phase > ctx.program.phase:
        return Reason(
            rule="adapt.hold.phase",
            text=f"the next rung {rung.name} belongs to phase {rung.phase}; the program is in phase {ctx.program.phase}",
        )
    if any(k.id == rung.id for k in (*ctx.program.exercises, *ctx.kept)):
        return Reason(
            rule="adapt.hold.rung_in_program",
            text=f"the next rung {rung.name} is already in the program",
        )
    return None


def _regress(ctx: _Context, e: ProgramExercise, why: list[Reason]) -> None:
    """One step down: reduce the last-raised dose parameter, else one rung down the ladder
    at a dose that takes no longer than the current one (a regression never adds minutes)."""
    entry = ctx.catalogue.get(e.id)
    count = _count_regression(ctx, e)
    step = step_down(e.dose, entry.bounds, ctx.settings, ctx.limits(entry))
    if step is not None:
        r = Reason(
            rule=f"adapt.regress.{step.parameter}",
            text=f"{step.parameter} down one step: {describe_dose(e.dose)} -> {describe_dose(step.dose)}",
        )
        reasons = [*why, r, count]
        ctx.record(
            Change(
                exercise=e.id,
                action="regress",
                parameter=step.parameter,
                from_=e.dose,
                to=step.dose,
                reasons=reasons,
            ),
            _redose(e, step.dose, reasons),
        )
        return
    rung = ctx.catalogue.easier(e.id)
    dose = None if rung is None else _dose_within(rung, e)
    if (
        rung is None
        or dose is None
        or ctx.unsafe(rung) is not None
        or any(k.id == rung.id for k in (*ctx.program.exercises, *ctx.kept))
    ):
        floor = Reason(
            rule="adapt.hold.at_floor",
            text=f"{e.name} is at its lowest dose and no easier rung is free; clinician to review",
        )
        ctx.alerts.append(Alert(rule="adapt.escalate.at_floor", text=floor.text, escalate=True))
        reasons = [*why, floor, count]
        ctx.record(Change(exercise=e.id, action="hold", reasons=reasons), _rewhy(e, reasons))
        return
    r = Reason(
        rule="adapt.regress.ladder",
        text=f"dose at the bottom of its range: one rung down to {rung.name} at "
        f"{describe_dose(dose)}",
    )
    reasons = [*why, r, count]
    ctx.record(*_rung_change(e, rung, "regress", reasons, dose))


def _count_regression(ctx: _Context, e: ProgramExercise) -> Reason:
    """This regression's place in a streak; escalate when the streak reaches the setting."""
    streak = _regression_streak(e.reasons) + 1
    if streak >= ctx.settings.regressions_to_escalate:
        text = f"{e.name}: {streak} regressions in a row"
        ctx.alerts.append(Alert(rule="adapt.escalate.regressions", text=text, escalate=True))
    return Reason(rule="adapt.regress.streak", text=f"{streak} regression(s) in a row")


def _regression_streak(reasons: Sequence[Reason]) -> int:
    """How many adaptations in a row regressed this exercise (read from its last reasons)."""
    for r in reasons:
        if r.rule == "adapt.regress.streak":
            return int(r.text.split(" ", 1)[0])
    return 0


def _escalate_stopped(ctx: _Context) -> None:
    """Stopping more than half of the program goes to the clinician (CLINICAL.md s7)."""
    total = len(ctx.program.exercises)
    stopped = [
        c
        for c in ctx.changes
        if c.action == "stop" and not _has_rule(c.reasons, "adapt.coordination.learned")
    ]
    if total and len(stopped) > ctx.settings.escalate_stopped_share * total:
        text = (
            f"{len(stopped)} of {total} exercises stopped: the program needs a clinician's review"
        )
        ctx.alerts.append(Alert(rule="adapt.escalate.stopped", text=text, escalate=True))


def _safe_reviews(program: Program) -> int:
    """Consecutive reviews in the current phase that were safe and progressed something."""
    for r in program.phase_reasons:
        if r.rule == "adapt.phase.safe_reviews":
            return int(r.text.split(" ", 1)[0])
    return 0


def _next_phase(ctx: _Context, verdict: Verdict) -> tuple[int, int]:
    """The phase after this review and the count of safe reviews in it.

    A review is safe when the verdict is progress, nothing was escalated or alerted, and at
    least one exercise was progressed. The program advances one phase when enough exercises
    have outgrown the current one, or after enough safe reviews in a row in this phase; in
    the first weeks after spinal surgery it stays in phase 1, and after them a clinician
    approves every phase change (an escalated alert).
    """
    phase = ctx.program.phase
    if verdict != "progress" or ctx.alerts or not ctx.kept:
        return phase, 0
    progressed = any(c.action == "progress" for c in ctx.changes)
    capped = all(c.action == "progress" or _capped(c) for c in ctx.changes)
    reviews = _safe_reviews(ctx.program) + 1 if progressed or capped else 0
    if phase >= 3:
        return phase, reviews
    enough_reviews = reviews >= ctx.settings.phase_min_reviews
    if not (enough_reviews or _outgrown_share(ctx) >= ctx.settings.phase_ready_share):
        return phase, reviews
    cap = phase_cap(ctx.precautions)
    if cap is not None and phase >= cap:
        return phase, reviews
    surgery = needs_phase_approval(ctx.precautions)
    if surgery is not None:
        text = (
            f"phase {phase} -> {phase + 1} proposed after lumbar surgery ({surgery.detail}): "
            "a clinician approves the phase change before this version is used"
        )
        ctx.alerts.append(Alert(rule="adapt.escalate.surgery_phase", text=text, escalate=True))
    return phase + 1, 0


_CAPPED_RULES = ("adapt.hold.phase", "adapt.hold.top_of_ladder", "adapt.hold.budget")
"""Holds that mean the exercise has outgrown what this phase and session can give it."""


def _capped(change: Change) -> bool:
    return change.action == "hold" and any(_has_rule(change.reasons, r) for r in _CAPPED_RULES)


def _outgrown_share(ctx: _Context) -> float:
    """Share of the kept exercises whose next step lies beyond the program's phase."""
    phase = ctx.program.phase
    by_id = {c.exercise: c for c in ctx.changes}
    outgrown = 0
    for e in ctx.kept:
        change = by_id.get(e.id)
        if (change is not None and _capped(change)) or ctx.catalogue.get(e.id).phase > phase:
            outgrown += 1
    return outgrown / len(ctx.kept)


def _finish(
    ctx: _Context,
    *,
    status: Literal["active", "referral", "paused"],
    phase: int,
    safe_reviews: int = 0,
    referral: Referral | None = None,
    phase_reason: Reason | None = None,
    reading: WindowReading | None = None,
) -> Adaptation:
    old = ctx.program
    phase_reasons = [r for r in old.phase_reasons if r.rule != "adapt.phase.safe_reviews"]
    if phase_reason is not None:
        phase_reasons.append(phase_reason)
    elif phase > old.phase:
        text = (
            f"phase {old.phase} -> {phase}: pain stayed in the safe zone and either "
            f"{ctx.settings.phase_min_reviews} reviews in a row progressed or at least "
            f"{ctx.settings.phase_ready_share:.0%} of the exercises outgrew phase {old.phase}"
        )
        phase_reasons.append(Reason(rule="adapt.phase", text=text, source=POLICY_NOTE))
    if safe_reviews and phase == old.phase:
        text = f"{safe_reviews} safe review(s) in a row in phase {phase}"
        phase_reasons.append(Reason(rule="adapt.phase.safe_reviews", text=text, source=POLICY_NOTE))
    if old.status == "paused" and status == "active":
        text = "no flare-up since the last version: progression resumes"
        phase_reasons.append(Reason(rule="adapt.flare_settled", text=text))
    windows = list(old.pain_windows)
    if reading is not None:
        window = reading.window(old.version, ctx.log)
        if window is not None:
            windows.append(window)
    program = old.model_copy(
        update={
            "version": old.version + 1,
            "status": status,
            "phase": phase,
            "phase_reasons": phase_reasons,
            "exercises": [] if status == "referral" else ctx.kept,
            "referral": referral if status == "referral" else old.referral,
            "safety": ctx.safety.model_copy(update={"approval_nprs": None}),
            "pain_windows": windows,
            "approved_by": None,
        }
    )
    validated = Program.model_validate(program.model_dump())
    return Adaptation(program=validated, changes=ctx.changes, alerts=ctx.alerts)


_STALE_PREFIXES = ("adapt.", "dose.", "override.dose")
"""Reasons that describe a dose: replaced whenever the dose changes, so none goes stale."""


def _rewhy(e: ProgramExercise, reasons: list[Reason]) -> ProgramExercise:
    """The exercise with this adaptation's reasons replacing the previous adaptation's."""
    kept = [r for r in e.reasons if not r.rule.startswith("adapt.")]
    return e.model_copy(update={"reasons": [*kept, *reasons]})


def _redose(e: ProgramExercise, dose: Dose, reasons: list[Reason]) -> ProgramExercise:
    """The exercise at a new dose: reasons about the old dose (its starting dose, its hold
    cap, the clinician's dose) go; this adaptation's reasons say why the dose is what it is."""
    if dose == e.dose:
        return _rewhy(e, reasons)
    kept = [r for r in e.reasons if not r.rule.startswith(_STALE_PREFIXES)]
    return e.model_copy(
        update={"reasons": [*kept, *reasons], "dose": dose, "minutes": estimate_minutes(dose)}
    )


def _from_catalogue(
    entry: Exercise, was: ProgramExercise, reasons: list[Reason], dose: Dose | None = None
) -> ProgramExercise:
    """A new rung as a program exercise: the old exercise's reasons for being in the program
    (not those about its dose), and this adaptation's."""
    kept = [r for r in was.reasons if not r.rule.startswith(_STALE_PREFIXES)]
    loads: list[SpinalLoad] = list(entry.loads)
    return ProgramExercise(
        id=entry.id,
        name=entry.name,
        purpose=entry.purpose,
        mode=entry.mode,
        loads=loads,
        level=entry.level,
        ladder=entry.ladder,
        dose=dose or entry.dose,
        minutes=estimate_minutes(dose or entry.dose),
        reasons=[*kept, *reasons],
        education=entry.education,
    )
