"""Plain-words findings: each conclusion of the assessment with its rule id and source."""

from __future__ import annotations

from spinecoach.clinical import classification, endurance, fabq, odi, rmdq, startback
from spinecoach.clinical.assessment import (
    Classification,
    EnduranceProfile,
    FabqResult,
    Finding,
    MovementProfile,
    RedFlagScreen,
    Scores,
)
from spinecoach.clinical.movement import preference_ties
from spinecoach.clinical.red_flags import SOURCE as RED_FLAG_SOURCE

__all__ = [
    "classification_findings",
    "endurance_findings",
    "movement_findings",
    "red_flag_findings",
    "score_findings",
]

MCGILL_SOURCE = "McGill et al., Arch Phys Med Rehabil 1999;80:941-4; matassessment.com ratios"
BIERING_SOURCE = "Biering-Sorensen 1984 (rehabmeasures; physio-pedia)"
MCKENZIE_SOURCE = "Long et al., Spine 2004;29:2593; Fritz 2007 (TBC)"

_MARKER_TEXT = {
    "flexor_extensor_high": "Flexor/extensor endurance ratio above 1.0 suggests weak back extensors",
    "side_bridge_extensor_high": "Side bridge/extensor ratio above 0.75 suggests weak back extensors",
    "side_asymmetry": "Side bridge times differ by more than 5 % between sides",
}


_NOT_SCORABLE_EFFECT = {
    "start_back": "care is not stratified: physiotherapist-led care from phase 1 until it is "
    "completed",
    "odi": "disability is taken as unknown, not as low",
    "rmdq": "disability is taken as unknown, not as low",
    "fabq": "fear-avoidance is taken as unknown, not as low",
}


def score_findings(scores: Scores) -> list[Finding]:
    """One finding per questionnaire that was scored (or could not be)."""
    out: list[Finding] = []
    if (sb := scores.start_back) is not None:
        text = (
            f"STarT Back {sb.stratum} risk (total {sb.total}/9, psychosocial {sb.psychosocial}/5): "
            f"{sb.matched_care}"
        )
        if sb.skipped:
            text += (
                f". {sb.skipped} item(s) skipped; no answer to them could change the stratum "
                "(totals count the answered items)"
            )
        out.append(Finding(rule="startback.stratum", text=text, source=startback.SOURCE))
    if (o := scores.odi) is not None:
        text = f"ODI {o.percent:g} %: {o.band} disability ({o.answered} of 10 sections answered)"
        out.append(Finding(rule="odi.band", text=text, source=odi.SOURCE))
    if (r := scores.rmdq) is not None:
        state = "within the recovered range (<= 2)" if r.recovered else "above the recovered range"
        if r.skipped:
            state += f"; {r.skipped} item(s) skipped, pro-rated to 24 and rounded up (policy)"
        out.append(
            Finding(rule="rmdq.score", text=f"RMDQ {r.score}/24, {state}", source=rmdq.SOURCE)
        )
    if scores.nprs is not None:
        out.append(Finding(rule="nprs.score", text=f"Pain now {scores.nprs}/10", source=None))
    if (p := scores.psfs) is not None:
        n = len(p.activities)
        text = f"PSFS mean {p.mean:g}/10 over {n} activit{'y' if n == 1 else 'ies'}"
        out.append(Finding(rule="psfs.mean", text=text, source="Stratford et al. 1995"))
    if (f := scores.fabq) is not None:
        out.extend(_fabq_findings(f))
    for unscored in scores.not_scorable:
        name = unscored.instrument
        text = f"{_LABEL[name]} not scorable: {unscored.reason}; {_NOT_SCORABLE_EFFECT[name]}"
        out.append(Finding(rule=f"{name}.not_scorable", text=text, source=None))
    return out


_LABEL = {"start_back": "STarT Back", "odi": "ODI", "rmdq": "RMDQ", "fabq": "FABQ"}


def _subscale_text(value: int | None, maximum: int) -> str:
    return "not scored (an item skipped)" if value is None else f"{value}/{maximum}"


def _fabq_findings(f: FabqResult) -> list[Finding]:
    pa, work = _subscale_text(f.physical_activity, 24), _subscale_text(f.work, 42)
    text = f"FABQ physical activity {pa}, work {work}"
    if f.skipped:
        text += f" ({f.skipped} item(s) skipped)"
    out = [Finding(rule="fabq.scores", text=text, source=fabq.SOURCE)]
    if f.physical_activity_elevated:
        text = "Fear-avoidance about physical activity elevated (FABQ-PA > 14)"
        out.append(Finding(rule="fabq.physical_activity_elevated", text=text, source=fabq.SOURCE))
    if f.work_elevated:
        text = "Fear-avoidance about work elevated (FABQ-W > 29): poorer return to work"
        out.append(Finding(rule="fabq.work_elevated", text=text, source=fabq.SOURCE))
    return out


def red_flag_findings(screen: RedFlagScreen) -> list[Finding]:
    """The overall red-flag decision, then one finding per positive flag."""
    if not screen.screened:
        text = (
            "Red flags not screened: the intake has no red-flag section. Ask the red-flag "
            "questions before any exercise program (this is not the same as no red flags)"
        )
        return [Finding(rule="red_flags.not_screened", text=text, source=RED_FLAG_SOURCE)]
    if not screen.hits:
        return [
            Finding(rule="red_flags.none", text="No red flags reported", source=RED_FLAG_SOURCE)
        ]
    verdict = (
        "Exercise blocked until a clinician clears the flag"
        if screen.exercise_blocked
        else "Exercise may continue; show the flag at review"
    )
    out = [
        Finding(
            rule=f"red_flags.{screen.urgency}",
            text=f"Red flag screen: {screen.urgency}. {verdict}",
            source=RED_FLAG_SOURCE,
        )
    ]
    out.extend(
        Finding(
            rule=f"red_flags.{hit.id}",
            text=f"{hit.id} ({hit.category}, {hit.urgency}): {hit.clinician_action}",
            source=RED_FLAG_SOURCE,
        )
        for hit in screen.hits
    )
    return out


def movement_findings(profile: MovementProfile) -> list[Finding]:
    """Directional preference, provoking and peripheralizing directions."""
    out: list[Finding] = []
    dp = profile.directional_preference
    if dp is not None:
        how = "centralizes" if profile.responses[dp] == "centralizes" else "eases"
        text = f"Directional preference: {dp} (repeated {dp} {how} the symptoms)"
        if ties := preference_ties(profile):
            text += f"; tied with {', '.join(ties)}, chosen by the tie order"
        out.append(
            Finding(rule="movement.directional_preference", text=text, source=MCKENZIE_SOURCE)
        )
    if profile.provoking:
        text = f"Provoking directions (avoid loading): {', '.join(profile.provoking)}"
        out.append(Finding(rule="movement.provoking", text=text, source=MCKENZIE_SOURCE))
    if profile.peripheralizing:
        text = (
            f"Peripheralization with {', '.join(profile.peripheralizing)}: "
            "stop that direction and tell the clinician"
        )
        out.append(Finding(rule="movement.peripheralizing", text=text, source=MCKENZIE_SOURCE))
    return out


def endurance_findings(profile: EnduranceProfile) -> list[Finding]:
    """Imbalance markers, the Biering-Sorensen band and low endurance."""
    out = [
        Finding(rule=f"endurance.{m}", text=_MARKER_TEXT[m], source=MCGILL_SOURCE)
        for m in profile.markers
    ]
    out.extend(
        Finding(rule="endurance.ratio_not_formed", text=text, source=MCGILL_SOURCE)
        for text in profile.ratios_not_formed
    )
    if profile.weak_side is not None:
        text = f"Weaker side bridge on the {profile.weak_side}"
        out.append(Finding(rule="endurance.weak_side", text=text, source=MCGILL_SOURCE))
    band = profile.biering_sorensen_band
    if band in {"at_risk", "indeterminate", "protective"}:
        text = {
            "at_risk": f"Extensor hold under {endurance.BIERING_SORENSEN_AT_RISK_BELOW:g} s: "
            "at risk of LBP in the following year (men)",
            "indeterminate": "Extensor hold between 176 and 198 s: prognosis indeterminate (men)",
            "protective": f"Extensor hold over {endurance.BIERING_SORENSEN_PROTECTIVE_ABOVE:g} s: "
            "protective (men)",
        }[band]
        out.append(Finding(rule="endurance.biering_sorensen", text=text, source=BIERING_SOURCE))
    if profile.low_endurance:
        low = [t for t, p in profile.percent_of_norm.items() if p < endurance.LOW_ENDURANCE_PERCENT]
        text = f"Low trunk endurance (under 50 % of the McGill norm): {', '.join(low)}"
        out.append(Finding(rule="endurance.low", text=text, source=MCGILL_SOURCE))
    return out


def classification_findings(result: Classification) -> list[Finding]:
    """The Hicks count and the best TBC candidates."""
    h = result.hicks
    verdict = {
        "met": "meets the rule (>= 3)",
        "not_met": "does not meet the rule (>= 3)",
        "undetermined": "undetermined: the criteria not examined could still make 3",
    }[h.verdict]
    text = f"Hicks stabilization rule: {h.count} of 4 criteria, {verdict}"
    if h.criteria_unknown:
        text += f"; not examined: {', '.join(h.criteria_unknown)}"
    out = [Finding(rule="classification.hicks", text=text, source=classification.HICKS_SOURCE)]
    out.extend(
        Finding(
            rule=f"classification.tbc.{c.subgroup}",
            text=f"TBC candidate {c.subgroup}: {len(c.criteria_matched)} of {c.criteria_total} "
            f"criteria ({', '.join(c.criteria_matched)})",
            source=classification.TBC_SOURCE,
        )
        for c in result.tbc
    )
    return out
