"""The structured assessment on the clinician's patient page: each result with what it means.

``assessment_section`` reads the latest assessment (and the intake it came from, for the hold
times) through the intake service; ``describe`` turns them into lines for
``clinician/assessment.html``. Thresholds and norms come from the clinical modules, which carry
their sources; this module only puts them into words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from spinecoach.clinical import fabq, odi, rmdq, startback
from spinecoach.clinical.assessment import Assessment
from spinecoach.clinical.change_thresholds import MCID
from spinecoach.clinical.endurance import (
    BIERING_SORENSEN_AT_RISK_BELOW,
    BIERING_SORENSEN_PROTECTIVE_ABOVE,
    FLEXOR_EXTENSOR_MAX,
    LOW_ENDURANCE_PERCENT,
    MCGILL_NORMS_S,
    SIDE_BRIDGE_EXTENSOR_MAX,
    SIDE_BRIDGE_TOLERANCE,
)
from spinecoach.clinical.intake import Intake
from spinecoach.clinical.red_flags import SOURCE as RED_FLAG_SOURCE
from spinecoach.prescription.precautions import active_precautions
from spinecoach.prescription.rules import RULES
from spinecoach.services import intake
from spinecoach.services.actors import Actor

__all__ = ["AssessmentView", "EnduranceRow", "Line", "assessment_section", "describe"]

MCGILL_SOURCE = "McGill et al., Arch Phys Med Rehabil 1999;80:941-4 (CLINICAL.md section 5)"
BIERING_SOURCE = "Biering-Sorensen 1984, men only (CLINICAL.md section 5)"

_TESTS = (
    ("flexor", "flexor_s", "Trunk flexor"),
    ("extensor", "extensor_s", "Extensor (Biering-Sorensen)"),
    ("side_bridge_right", "side_bridge_right_s", "Side bridge, right"),
    ("side_bridge_left", "side_bridge_left_s", "Side bridge, left"),
)
_PRECAUTION_WORDS = {
    "pregnancy.falls": "no exercise with a risk of falling",
    "pregnancy.position": "no lying on the back or front past the first trimester",
    "bone.flexion": "no loaded or repeated forward bending of the spine",
    "bone.rotation": "no loaded or repeated twisting of the spine",
    "bone.balance": "balance work only with support nearby",
    "falls.balance": "balance work only with support",
    "surgery.early": "phase 1 only, and the surgeon's restrictions, until 6 weeks",
    "surgery.phase_approval": "each phase change needs a clinician's approval",
    "cardio.strain": "no heavy straining or breath-holding; medical clearance first",
}


@dataclass(frozen=True)
class Line:
    """One result: what was measured, its value, what it means, and the source of the rule."""

    label: str
    value: str
    meaning: str = ""
    source: str | None = None
    attention: bool = False


@dataclass(frozen=True)
class EnduranceRow:
    test: str
    held_s: float
    norm_s: float | None
    percent: float | None
    low: bool


@dataclass(frozen=True)
class AssessmentView:
    """What the assessment section shows."""

    date: dt.date
    assessment_id: str
    referral: list[str]
    stratum: Line | None
    scores: list[Line]
    not_scorable: list[str]
    red_flags_screened: bool
    red_flags: list[Line]
    movement: list[Line]
    directional_preference: str
    endurance: list[EnduranceRow]
    endurance_lines: list[Line]
    norms_for: str | None
    precautions: list[Line]
    findings: list[str] = field(default_factory=list)


def _words(value: str) -> str:
    return value.replace("_", " ")


def _stratum(a: Assessment) -> Line | None:
    sb = a.scores.start_back
    if sb is None:
        return None
    skipped = f", {sb.skipped} skipped" if sb.skipped else ""
    return Line(
        "STarT Back",
        f"{sb.stratum} risk (total {sb.total}/9, psychosocial {sb.psychosocial}/5{skipped})",
        sb.matched_care,
        startback.SOURCE,
        attention=sb.stratum == "high",
    )


def _scores(a: Assessment) -> list[Line]:
    s = a.scores
    lines = []
    if s.odi is not None:
        lines.append(
            Line(
                "Oswestry (ODI)",
                f"{s.odi.percent:g} % ({s.odi.answered} of 10 sections)",
                f"{s.odi.band} disability; a change of {MCID['odi'].points:g} points matters",
                odi.SOURCE,
                attention=s.odi.band in ("severe", "crippling", "bed-bound"),
            )
        )
    if s.rmdq is not None:
        meaning = (
            f"recovered (at most {rmdq.RECOVERED_MAX})"
            if s.rmdq.recovered
            else f"higher is more disability; a change of {MCID['rmdq'].points:g} points matters"
        )
        lines.append(Line("Roland-Morris (RMDQ)", f"{s.rmdq.score} / 24", meaning, rmdq.SOURCE))
    if s.nprs is not None:
        lines.append(
            Line(
                "Pain now (NPRS)",
                f"{s.nprs} / 10",
                f"0 no pain, 10 worst imaginable; a change of {MCID['nprs'].points:g} points "
                "matters",
                MCID["nprs"].source,
            )
        )
    if s.psfs is not None:
        activities = ", ".join(f"{k} {v}" for k, v in s.psfs.activities.items())
        lines.append(
            Line(
                "Patient-specific (PSFS)",
                f"mean {s.psfs.mean:g} / 10",
                f"0 unable, 10 as before the problem: {activities}",
                MCID["psfs"].source if "psfs" in MCID else None,
            )
        )
    if s.fabq is not None:
        f = s.fabq
        pa = "not scored" if f.physical_activity is None else f"{f.physical_activity} / 24"
        work = "not scored" if f.work is None else f"{f.work} / 42"
        high = [
            name
            for name, elevated in (
                ("physical activity", f.physical_activity_elevated),
                ("work", f.work_elevated),
            )
            if elevated
        ]
        lines.append(
            Line(
                "Fear-avoidance (FABQ)",
                f"physical activity {pa}, work {work}",
                (f"elevated fear-avoidance about {' and '.join(high)}" if high else "not elevated")
                + f" (physical activity above {fabq.PA_ELEVATED_ABOVE}, work above "
                f"{fabq.WORK_ELEVATED_ABOVE})",
                fabq.SOURCE,
                attention=bool(high),
            )
        )
    return lines


def _red_flags(a: Assessment) -> list[Line]:
    return [
        Line(
            h.question,
            h.urgency,
            h.clinician_action,
            RED_FLAG_SOURCE,
            attention=h.urgency in ("urgent", "emergency"),
        )
        for h in a.red_flags.hits
    ]


def _movement(a: Assessment) -> tuple[list[Line], str]:
    m = a.movement
    lines = [
        Line(
            _words(direction).capitalize(),
            _words(response),
            "provokes"
            if direction in m.provoking
            else "relieves"
            if direction in m.relieving
            else "",
            attention=direction in m.provoking,
        )
        for direction, response in m.responses.items()
    ]
    if not m.responses:
        return lines, "not tested"
    if m.directional_preference is not None:
        dp = f"{_words(m.directional_preference)}"
        if m.centralization:
            dp += ", with centralization"
    else:
        dp = "none found"
    if m.peripheralizing:
        dp += "; peripheralizes with " + ", ".join(_words(d) for d in m.peripheralizing)
    return lines, dp


def _endurance(a: Assessment, held: dict[str, float]) -> tuple[list[EnduranceRow], list[Line]]:
    e = a.endurance
    norms = MCGILL_NORMS_S.get(a.patient.sex, {})
    rows = [
        EnduranceRow(
            label,
            held[key],
            norms.get(test),
            e.percent_of_norm.get(test),
            (e.percent_of_norm.get(test) or 100) < LOW_ENDURANCE_PERCENT,
        )
        for test, key, label in _TESTS
        if key in held
    ]
    lines = []
    for label, ratio, limit, marker in (
        ("Flexor / extensor", e.flexor_extensor_ratio, FLEXOR_EXTENSOR_MAX, "flexor_extensor_high"),
        (
            "Side bridge / extensor",
            e.side_bridge_extensor_ratio,
            SIDE_BRIDGE_EXTENSOR_MAX,
            "side_bridge_extensor_high",
        ),
    ):
        if ratio is not None:
            lines.append(
                Line(
                    label,
                    f"{ratio:.2f}",
                    f"above {limit:g} suggests imbalance"
                    + (": imbalanced" if marker in e.markers else ": within"),
                    MCGILL_SOURCE,
                    attention=marker in e.markers,
                )
            )
    if e.right_left_ratio is not None:
        asymmetric = "side_asymmetry" in e.markers
        lines.append(
            Line(
                "Right / left side bridge",
                f"{e.right_left_ratio:.2f}",
                f"target 1.0 +/- {SIDE_BRIDGE_TOLERANCE:g}"
                + (f": {e.weak_side} side weaker" if asymmetric and e.weak_side else ": within"),
                MCGILL_SOURCE,
                attention=asymmetric,
            )
        )
    band = e.biering_sorensen_band
    if band is not None and band != "not_applicable":
        lines.append(
            Line(
                "Biering-Sorensen",
                _words(band),
                f"under {BIERING_SORENSEN_AT_RISK_BELOW:g} s predicted back pain within a year, "
                f"over {BIERING_SORENSEN_PROTECTIVE_ABOVE:g} s predicted none",
                BIERING_SOURCE,
                attention=band == "at_risk",
            )
        )
    lines.extend(Line("Ratio not formed", "", why) for why in e.ratios_not_formed)
    return rows, lines


def _precautions(a: Assessment) -> list[Line]:
    found = active_precautions(a.health, dt.date.today())
    lines = []
    for p in found:
        rule = RULES.get(f"health.{p.id}")
        restricted = (
            f"; the surgeon restricts {', '.join(_words(x) for x in p.restricted_loads)}"
            if p.restricted_loads
            else ""
        )
        lines.append(
            Line(
                p.detail.capitalize() if p.detail else _words(p.id),
                "",
                _PRECAUTION_WORDS.get(p.id, _words(p.id)) + restricted,
                rule.source if rule is not None else None,
            )
        )
    if a.health.notes:
        lines.append(Line("Other conditions", "", a.health.notes))
    return lines


def describe(
    assessment: Assessment, intake_document: Intake | None, *, at: dt.datetime, assessment_id: str
) -> AssessmentView:
    """The section's lines from an assessment and the intake it came from."""
    held: dict[str, float] = {}
    if intake_document is not None:
        held = {k: v for k, v in intake_document.endurance.model_dump().items() if v is not None}
    movement, dp = _movement(assessment)
    rows, lines = _endurance(assessment, held)
    screen = assessment.red_flags
    referral = (
        sorted({h.clinician_action for h in screen.hits if h.urgency in ("urgent", "emergency")})
        if screen.exercise_blocked
        else []
    )
    return AssessmentView(
        date=at.date(),
        assessment_id=assessment_id,
        referral=referral,
        stratum=_stratum(assessment),
        scores=_scores(assessment),
        not_scorable=[f"{n.instrument}: {n.reason}" for n in assessment.scores.not_scorable],
        red_flags_screened=screen.screened,
        red_flags=_red_flags(assessment),
        movement=movement,
        directional_preference=dp,
        endurance=rows,
        endurance_lines=lines,
        norms_for=assessment.patient.sex if assessment.patient.sex in MCGILL_NORMS_S else None,
        precautions=_precautions(assessment),
        findings=[f.text for f in assessment.findings],
    )


def assessment_section(uow_of: Any, actor: Actor, patient_id: str) -> AssessmentView | None:
    """The latest assessment of the patient as the page shows it (None before any intake).

    ``uow_of()`` gives a fresh unit of work per service call."""
    found = intake.list_assessments(uow_of(), actor, patient_id)
    if not found:
        return None
    record = found[-1]
    assessment = Assessment.model_validate(record.document)
    source = next(
        (i for i in intake.list_intakes(uow_of(), actor, patient_id) if i.id == record.intake_id),
        None,
    )
    return describe(
        assessment,
        Intake.model_validate(source.document) if source is not None else None,
        at=record.created_at,
        assessment_id=record.id,
    )
