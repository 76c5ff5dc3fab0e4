"""Every rule the prescription engine applies, as data a physiotherapist can read in one place.

Each rule has a stable id (it appears in program reasons), the plain words shown to the
clinician and patient, and the source of the clinical fact behind it. Rules marked ``policy``
are clinic defaults, not published rules (CLINICAL.md section 5): their reasons say so.
Placeholders such as ``{nprs}`` are filled in when the rule fires.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from spinecoach.prescription.program import Reason

__all__ = ["POLICY_NOTE", "RULES", "Rule", "reason"]

POLICY_NOTE = "clinic policy default, not a published rule; a clinic can change it"
"""Appended to the source of policy rules so nobody mistakes a default for evidence."""

_HILL = "Hill et al., Lancet 2011;378:1560-71 (STarT Back trial); CLINICAL.md section 1"
_NICE = "NICE NG59 (2016, updated 2020); CLINICAL.md section 9"
_RED_FLAGS = "NHS primary-care red-flag pathway, mirroring NICE CKS; CLINICAL.md section 4"
_MCKENZIE = "Long et al., Spine 2004;29:2593 (directional preference); CLINICAL.md section 6"
_FRITZ = "Fritz, Cleland & Childs, JOSPT 2007;37:290-302 (TBC subgroups); CLINICAL.md section 6"
_HODGES = (
    "Hodges 2007 motor control training; Richardson, Hodges & Hides 2004; CLINICAL.md section 8"
)
_MCGILL_BIG3 = "McGill Big 3, holds of about 7-10 s (powerrackstrength.com citing McGill); CLINICAL.md section 8"
_MCGILL_RATIOS = "McGill endurance ratios (matassessment.com); CLINICAL.md section 5"
_LINDSTROM = "Lindstrom et al., Phys Ther 1992 (graded activity); CLINICAL.md section 7"
_FAIRBANK = "Fairbank & Pynsent, Spine 2000 (ODI bands); CLINICAL.md section 2"
_ACOG = (
    "ACOG Committee Opinion 650 (2015) and earlier guidance, as widely summarised; "
    "CLINICAL.md section 10"
)
_TFTF = (
    "Too Fit To Fracture (Giangregorio et al., Osteoporos Int 2014; 2015); Osteoporosis "
    "Canada; CLINICAL.md section 10"
)
_SURGERY = "Oosterhuis et al. 2014, Cochrane CD003007; CLINICAL.md section 10"
_SILBERNAGEL = (
    "Silbernagel pain-monitoring model, safe zone <= 3/10 (bim.physio); CLINICAL.md section 7"
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule: id, plain-language text (with placeholders), source, policy or evidence."""

    id: str
    text: str
    source: str | None = None
    policy: bool = False


_RULE_LIST: tuple[Rule, ...] = (
    # --- red flags and care pathway -------------------------------------------------------
    Rule(
        "red_flag.referral",
        "Red flag ({flags}) needs {urgency} medical care: the exercise program is stopped "
        "until a clinician clears it. {action}",
        _RED_FLAGS,
    ),
    Rule(
        "red_flag.review",
        "Red flag ({flags}) needs a medical review; the program continues meanwhile, without "
        "progression until a clinician clears the flag. {action}",
        _RED_FLAGS,
    ),
    Rule(
        "stratum.high",
        "STarT Back high risk: psychologically informed physiotherapy. Exercise is dosed by "
        "quota (graded activity): a set amount, raised by plan rather than by pain.",
        f"{_HILL}; {_LINDSTROM}; pairing graded activity with high risk is a design choice [U]",
    ),
    Rule(
        "stratum.medium", "STarT Back medium risk: a physiotherapist-led exercise program.", _HILL
    ),
    Rule(
        "stratum.low",
        "STarT Back low risk: self-management with education, advice to stay active and a "
        "short home program.",
        f"{_HILL}; {_NICE} recommendation 1.1.3",
    ),
    Rule(
        "stratum.missing",
        "No complete STarT Back score: a physiotherapist-led program by default. Complete the "
        "questionnaire so care can be stratified.",
        f"{_NICE} recommendation 1.1.2",
        policy=True,
    ),
    Rule(
        "stratum.not_scorable",
        "STarT Back not scorable ({why}): care is not stratified, so a physiotherapist-led "
        "program starting at phase 1, as for a missing score. Complete the questionnaire so "
        "care can be stratified.",
        f"{_NICE} recommendation 1.1.2",
        policy=True,
    ),
    Rule(
        "red_flag.not_screened",
        "Red flags not screened: the intake has no red-flag section, which is not the same as "
        "no red flags. No exercise program until the red-flag questions are asked and "
        "recorded (an empty list when none is positive).",
        _RED_FLAGS,
    ),
    Rule(
        "advice.screen_first",
        "Before any exercise, your physiotherapist will ask you the red-flag safety questions.",
        _RED_FLAGS,
    ),
    # --- phase choice -----------------------------------------------------------------------
    Rule(
        "phase.1.unstratified",
        "No usable STarT Back score: start at phase 1 until care can be stratified.",
        _HILL,
        policy=True,
    ),
    Rule(
        "phase.referral",
        "No exercise phase while a red flag is open; phase 1 is recorded for when a clinician "
        "clears it.",
        _RED_FLAGS,
    ),
    Rule(
        "phase.1.pain",
        "Pain {nprs}/10 is at or above {threshold}/10: start with activation, breathing and "
        "pain-free movement.",
        _HODGES,
        policy=True,
    ),
    Rule(
        "phase.1.odi",
        "ODI {odi}% is in the severe band or worse (above {threshold}%): start with activation "
        "and pain-free movement.",
        f"{_FAIRBANK}; using the band as a phase threshold is policy",
        policy=True,
    ),
    Rule(
        "phase.1.rmdq",
        "RMDQ {rmdq}/24 is at or above {threshold}: start with activation and pain-free movement.",
        "RMDQ (Roland & Morris, Spine 1983); the threshold is policy",
        policy=True,
    ),
    Rule(
        "phase.1.peripheralizing",
        "Symptoms spread down the leg with {directions}: start gently with activation and "
        "pain-free movement.",
        _FRITZ,
        policy=True,
    ),
    Rule(
        "phase.1.unknown",
        "No pain or disability score was recorded: start at phase 1 to be safe.",
        None,
        policy=True,
    ),
    Rule(
        "phase.2.default",
        "Pain and disability allow endurance work: static holds and the Big 3 in short holds.",
        f"{_HODGES}; {_MCGILL_BIG3}",
        policy=True,
    ),
    Rule(
        "phase.2.low_endurance",
        "Trunk endurance is low ({tests} under half the norm): strength work waits until "
        "endurance improves.",
        "McGill 1999 norms (Arch Phys Med Rehabil 80:941-4) [P]; CLINICAL.md section 5",
        policy=True,
    ),
    Rule(
        "phase.3.entry",
        "Pain {nprs}/10 is within the safe zone (<= {threshold}) and disability is minimal: "
        "strength and function phase.",
        f"{_SILBERNAGEL}; {_FAIRBANK}",
        policy=True,
    ),
    # --- safety exclusions --------------------------------------------------------------------
    Rule(
        "safety.provoking_direction",
        "Loads {load}, a direction that makes this patient's pain worse ({directions}).",
        _MCKENZIE,
    ),
    Rule(
        "safety.peripheralizing",
        "Loads {load}: movement this way sends symptoms down the leg (peripheralization), so "
        "the direction is excluded outright.",
        f"{_FRITZ}; the stop rule is a design rule [U]",
    ),
    Rule("safety.contraindication", "Contraindicated: {tag} ({why}).", None),
    Rule("safety.equipment", "Needs equipment that is not available: {missing}.", None),
    # --- health precautions (CLINICAL.md section 10) -------------------------------------------
    Rule(
        "health.pregnancy.position",
        "Lies {where}; {detail}: past the first trimester, side-lying, all-fours, sitting or "
        "standing variants instead.",
        f"{_ACOG}; the 13-week limit is policy",
        policy=True,
    ),
    Rule(
        "health.pregnancy.falls",
        "Balance work without support; {detail}: no work with a risk of falling.",
        _ACOG,
    ),
    Rule(
        "health.bone.flexion",
        "Loaded or repeated forward bending of the spine; {detail}: spine-sparing work only.",
        f"{_TFTF}; what counts as loaded is policy",
        policy=True,
    ),
    Rule(
        "health.bone.rotation",
        "Loaded or repeated twisting of the spine; {detail}: spine-sparing work only.",
        f"{_TFTF}; what counts as loaded is policy",
        policy=True,
    ),
    Rule(
        "health.bone.balance",
        "Balance work without support nearby; {detail}: balance work with a chair, counter "
        "or wall to hold.",
        _TFTF,
    ),
    Rule(
        "health.falls.balance",
        "Balance work without support; {detail}: balance work only with support.",
        "CLINICAL.md section 10 (falls risk)",
        policy=True,
    ),
    Rule(
        "health.surgery.early",
        "After lumbar surgery ({detail}), {why}: phase 1 only and the surgeon's restrictions "
        "until 6 weeks.",
        f"{_SURGERY}; the 6-week boundary is policy",
        policy=True,
    ),
    Rule(
        "health.cardio.strain",
        "Heavy straining or breath-holding; {detail}: no heavy lifting, breathe out on effort.",
        "CLINICAL.md section 10 (cardiovascular conditions)",
        policy=True,
    ),
    Rule(
        "phase.1.surgery",
        "Lumbar surgery ({detail}): phase 1 until 6 weeks after the operation; a clinician "
        "approves each phase change after that.",
        f"{_SURGERY}; the 6-week boundary is policy",
        policy=True,
    ),
    Rule(
        "advice.health.cardio",
        "Because of {detail}: your clinician confirms medical clearance before you start; "
        "breathe out on effort and never hold your breath while exercising.",
        "CLINICAL.md section 10 (cardiovascular conditions)",
        policy=True,
    ),
    Rule(
        "advice.health.pregnancy",
        "Pregnancy ({detail}): pelvic floor and breathing work stay in your program; stop and "
        "tell your clinician about bleeding, dizziness, chest pain or fluid loss.",
        _ACOG,
    ),
    Rule(
        "advice.health.bone",
        "Bone health ({detail}): strength and balance work are kept (they protect bone and "
        "prevent falls); avoid bending forward or twisting quickly, repeatedly or under load.",
        _TFTF,
    ),
    Rule(
        "advice.health.surgery",
        "After your operation ({detail}): follow your surgeon's restrictions; your clinician "
        "approves each step up to a new phase.",
        _SURGERY,
    ),
    Rule(
        "tailor.bone_health",
        "{detail}: {what}, kept in the program (resistance and balance training protect bone "
        "and prevent falls).",
        _TFTF,
    ),
    Rule(
        "tailor.falls",
        "Falls risk: supported balance work to keep steady on your feet.",
        "CLINICAL.md section 10 (falls risk)",
        policy=True,
    ),
    # --- selection ----------------------------------------------------------------------------
    Rule(
        "select.coordination",
        "First, coordination of the deep trunk muscles ({what}); it stays until it is learned "
        "(the clinician marks it, or sensors show good control).",
        _HODGES,
    ),
    Rule(
        "select.anti_rotation_override",
        "Allowed by the clinician although rotation provokes symptoms: an anti-rotation "
        "isometric holds the spine still while the trunk resists turning.",
        None,
    ),
    Rule(
        "select.directional_preference",
        "Matches the directional preference ({direction}): repeated movement this way eases "
        "the pain.",
        _MCKENZIE,
    ),
    Rule(
        "select.classification",
        "Classification suggests the {subgroup} subgroup ({criteria}): matching directional "
        "exercise.",
        _FRITZ,
    ),
    Rule(
        "select.lateral_shift",
        "A visible lateral shift was found: side-glide work to correct it.",
        _FRITZ,
    ),
    Rule(
        "select.breathing",
        "Phase 1: relaxed diaphragmatic breathing, the base of trunk control.",
        _HODGES,
    ),
    Rule(
        "select.deep_stabilizer",
        "Phase 1: isolated activation of the deep trunk muscles (transversus abdominis, "
        "multifidus, pelvic floor).",
        _HODGES,
    ),
    Rule(
        "select.motor_control",
        "Phase 1: gentle control of the pelvis and lumbar spine in a pain-free range.",
        _HODGES,
    ),
    Rule(
        "select.pain_free_mobility",
        "Phase 1: movement in a pain-free range, safe during a flare-up.",
        _HODGES,
    ),
    Rule("select.big3", "Phase 2: McGill Big 3 ({name}), short holds for endurance.", _MCGILL_BIG3),
    Rule(
        "select.endurance",
        "Phase 2: static co-activation of deep and superficial muscles ({what}).",
        _HODGES,
    ),
    Rule(
        "select.endurance_dynamic",
        "Phase 2: dynamic co-activation of deep and superficial muscles ({what}), after the "
        "static holds.",
        _HODGES,
    ),
    Rule(
        "select.strength",
        "Phase 3: dynamic, loaded, functional work ({what}).",
        _HODGES,
    ),
    Rule(
        "select.warm_up",
        "Warm-up from an earlier phase, to rehearse trunk control before the main work.",
        _HODGES,
        policy=True,
    ),
    Rule(
        "select.walking",
        "Walking keeps you active; staying active helps back pain recover.",
        _NICE,
    ),
    # --- tailoring ----------------------------------------------------------------------------
    Rule(
        "tailor.desk",
        "Desk work: {what} counter long sitting.",
        None,
        policy=True,
    ),
    Rule("tailor.manual", "Manual work: {what} for safe lifting at work.", None, policy=True),
    Rule("tailor.running", "Running: {what} for running control.", None, policy=True),
    Rule(
        "tailor.hip_flexor_tightness",
        "Hip flexor tightness was found: a hip flexor stretch.",
        None,
        policy=True,
    ),
    Rule(
        "tailor.gluteal_weakness",
        "Gluteal weakness was found: {what} to strengthen the hip.",
        None,
        policy=True,
    ),
    Rule(
        "tailor.extensor_endurance",
        "{ratio_name} endurance ratio {ratio} is above {threshold}: the back extensors lag, "
        "so extra back-extensor endurance.",
        _MCGILL_RATIOS,
    ),
    Rule(
        "tailor.weak_side",
        "Side bridges differ (right/left {ratio}): one extra set on the weaker {side} side.",
        f"{_MCGILL_RATIOS}; the 0.05 tolerance is [U]",
    ),
    Rule(
        "tailor.older_adult",
        "Age {age}: supported balance work to keep steady on your feet.",
        None,
        policy=True,
    ),
    Rule(
        "tailor.goals",
        "Builds toward your goal: {goals}.",
        "PSFS (Stratford et al., Physiotherapy Canada 1995;47:258-63); CLINICAL.md section 3",
    ),
    # --- dose ----------------------------------------------------------------------------------
    Rule("dose.template", "Dose: the catalogue's starting dose, within its bounds.", None),
    Rule(
        "dose.big3",
        "Short holds of at most {hold_s} s in a descending pyramid ({pyramid}), so fatigue "
        "does not break form.",
        f"{_MCGILL_BIG3}; the exact pyramid steps are [U]",
    ),
    Rule(
        "dose.quota",
        "Graded activity: a submaximal starting quota ({fraction:.0%} of the usual dose), "
        "raised by plan, not by pain.",
        f"{_LINDSTROM}; the starting fraction is policy",
        policy=True,
    ),
    Rule(
        "dose.conditioning",
        "{conditioning} conditioning: {change} set.",
        None,
        policy=True,
    ),
    Rule("dose.older_adult_rest", "Age {age}: longer rest ({rest_s} s) between sets.", None, True),
    Rule(
        "dose.frequent_sessions",
        "{sessions} sessions a week: one set fewer of strength work to allow recovery.",
        None,
        policy=True,
    ),
    Rule(
        "dose.budget_trimmed",
        "Shortened (fewer sets or minutes, within its bounds) to fit the {minutes}-minute session.",
        None,
        policy=True,
    ),
    Rule(
        "budget.dropped",
        "Left out to keep the session within {minutes} minutes (lower priority than the rest).",
        None,
        policy=True,
    ),
    Rule(
        "budget.self_management",
        "Left out to keep the self-management program short ({limit} exercises).",
        _HILL,
        policy=True,
    ),
    # --- overrides ------------------------------------------------------------------------------
    Rule("override.pinned", "Included by the clinician's override.", None),
    Rule("override.excluded", "Excluded by the clinician's override.", None),
    Rule(
        "override.refused_equipment",
        "The clinician's override to include it was not applied: it needs {missing}, which "
        "is not available.",
        None,
    ),
    Rule("override.dose", "Dose set by the clinician: {fields}.", None),
    Rule(
        "override.refused_safety",
        "The clinician's override to include it was refused: {why}",
        None,
    ),
    # --- advice (NICE NG59) ----------------------------------------------------------------------
    Rule(
        "advice.exercise_core",
        "Exercise is the core of treatment for low back pain; do your program on "
        "{sessions} days a week.",
        _NICE,
    ),
    Rule(
        "advice.stay_active",
        "Stay active and keep up your normal activities, including work, as far as you can.",
        _NICE,
    ),
    Rule(
        "advice.not_recommended",
        "Not recommended for low back pain: belts or corsets, foot orthotics, rocker-sole "
        "shoes, traction, acupuncture, ultrasound, TENS, PENS or interferential therapy.",
        _NICE,
    ),
    Rule(
        "advice.psychologically_informed",
        "Worries, low mood and fear of movement are addressed within the exercise sessions "
        "(a cognitive-behavioural approach alongside exercise, never on its own).",
        f"{_NICE}; Main et al., Physiotherapy 2012;98:110-16",
    ),
    Rule(
        "advice.self_management",
        "Self-management: understand that back pain is common and usually settles, keep moving, "
        "and use this short program at home.",
        f"{_HILL}; {_NICE}",
    ),
    Rule(
        "advice.low_frequency",
        "With {sessions} session(s) a week, also practise the breathing and deep-muscle "
        "activation briefly every day.",
        _HODGES,
        policy=True,
    ),
    Rule(
        "advice.goals",
        "Your goals guide the program: {goals}.",
        "PSFS (Stratford et al. 1995); CLINICAL.md section 3",
    ),
    Rule(
        "advice.referral",
        "The exercise program is stopped until a clinician clears the red flag "
        "({urgency}). {action}",
        _RED_FLAGS,
    ),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in _RULE_LIST})
"""Rule id -> rule; every reason the engine gives comes from this table."""


def reason(rule_id: str, **details: object) -> Reason:
    """The :class:`Reason` for rule ``rule_id``, its text filled in with ``details``."""
    return _reason(rule_id, tuple(sorted(details.items())))


@functools.lru_cache(maxsize=8192)
def _reason(rule_id: str, details: tuple[tuple[str, object], ...]) -> Reason:
    """Reasons are frozen values, so the same rule with the same details is built once."""
    rule = RULES[rule_id]
    text = rule.text.format(**dict(details)) if details else rule.text
    source = rule.source
    if rule.policy:
        source = f"{source}; {POLICY_NOTE}" if source else POLICY_NOTE
    return Reason(rule=rule.id, text=" ".join(text.split()), source=source)
