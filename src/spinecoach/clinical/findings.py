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


def score_findings(scores: Scores, odi_skipped: int) -> list[Finding]:
    """One finding per questionnaire that was scored (or could not be)."""
    out: list[Finding] = []
    if (sb := scores.start_back) is not None:
        text = (
            f"STarT Back {sb.stratum} risk (total {sb.total}/9, psychosocial {sb.psychosocial}/5): "
            f"{sb.matched_care}"
        )
        if sb.skipped:
            text += f". {sb.skipped} item(s) skipped and scored 0: the risk may be underestimated"
        out.append(Finding(rule="startback.stratum", text=text, source=startback.SOURCE))
    if (o := scores.odi) is not None:
        text = f"ODI {o.percent:g} %: {o.band} disability ({o.answered} of 10 sections answered)"
        out.append(Finding(rule="odi.band", text=text, source=odi.SOURCE))
    elif odi_skipped > odi.MAX_SKIPPED_SECTIONS:
        text = (
            f"ODI not scored: {odi_skipped} sections skipped, more than the "
            f"{odi.MAX_SKIPPED_SECTIONS} the clinic policy allows"
        )
        out.append(Finding(rule="odi.not_scored", text=text, source=None))
    if (r := scores.rmdq) is not None:
        state = "within the recovered range (<= 2)" if r.recovered else "above the recovered range"
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
    return out


def _fabq_findings(f: FabqResult) -> list[Finding]:
    text = f"FABQ physical activity {f.physical_activity}/24, work {f.work}/42"
    if f.skipped:
        text += f" ({f.skipped} item(s) skipped, scored 0)"
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
    verdict = "meets" if h.meets_rule else "does not meet"
    text = f"Hicks stabilization rule: {h.count} of 4 criteria, {verdict} the rule (>= 3)"
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
