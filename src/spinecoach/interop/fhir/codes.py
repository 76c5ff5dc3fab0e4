"""The codes the FHIR export speaks: LOINC where a code exists, a local code system otherwise.

Every LOINC code below was checked against its loinc.org page (or the LOINC panel listing on
loinc.org/91349-1 for the STarT Back items); the README's interop section prints this table
with its sources, and a test keeps the two and the export in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from spinecoach.clinical.red_flags import RED_FLAGS
from spinecoach.sensors.posture import ZONES as POSTURE_ZONES

__all__ = [
    "CONDITION_CODE",
    "EXERCISES",
    "EXERCISE_THERAPY",
    "LOCAL",
    "LOCAL_CODES",
    "LOINC",
    "LOINC_CODES",
    "OBSERVATION_CATEGORY",
    "PATIENT_IDS",
    "PA_CATEGORY",
    "POSTURE_ZONES",
    "QUESTIONNAIRE_BASE",
    "SNOMED",
    "START_BACK_RISK_ANSWERS",
    "UCUM",
    "Code",
]

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL: Final = "https://w3id.org/spinecoach/fhir/CodeSystem/measures"
"""Our own code system for measures without a LOINC code (RMDQ, FABQ, PSFS, endurance holds,
sensor measures, adherence, red flags, exercises). A permanent identifier: it names the system
and need not resolve; its codes are listed in the README and in :data:`LOCAL_CODES`."""
EXERCISES: Final = "https://w3id.org/spinecoach/fhir/CodeSystem/exercises"
"""Exercise ids of the spinecoach catalogue (``spinecoach catalogue list``)."""
PATIENT_IDS: Final = "https://w3id.org/spinecoach/fhir/NamingSystem/patient-id"
"""Identifier system of the patient ids in intake documents."""
QUESTIONNAIRE_BASE: Final = "https://w3id.org/spinecoach/fhir/Questionnaire"
"""Canonical URL stem of our Questionnaires (``{stem}/odi`` ...)."""


@dataclass(frozen=True)
class Code:
    """One code of a code system, with its display text and where it was checked."""

    system: str
    code: str
    display: str
    source: str = ""


def _loinc(code: str, display: str, source: str = "") -> Code:
    return Code(LOINC, code, display, source or f"loinc.org/{code}")


_SBST_PANEL = "loinc.org/91349-1 (panel listing)"

LOINC_CODES: Final[dict[str, Code]] = {
    "start_back.panel": _loinc("91349-1", "STarT Back Screening Tool panel"),
    **{
        f"start_back.item{n}": _loinc(code, f"STarT Back item {n}", _SBST_PANEL)
        for n, code in enumerate(
            (
                "91340-0",
                "91341-8",
                "91342-6",
                "91343-4",
                "91344-2",
                "91345-9",
                "91346-7",
                "91347-5",
                "91348-3",
            ),
            start=1,
        )
    },
    "start_back.psychosocial": _loinc("91350-9", "Distress subscore [STarT Back]"),
    "start_back.total": _loinc("91351-7", "Total score [STarT Back]", _SBST_PANEL),
    "start_back.risk": _loinc("91352-5", "STarT Back Screening risk level"),
    "odi.panel": _loinc("97908-8", "Oswestry Disability Index"),
    "odi.score": _loinc("97909-6", "Oswestry disability index score ODI"),
    "nprs": _loinc(
        "72514-3",
        "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        "not seen at loinc.org itself (out of reach); HL7 Belgium Patient Monitoring IG, "
        "ValueSet pain-scale (same name, links loinc.org/72514-3), and the LOINC table as "
        "mirrored at healthassure.in/codes (this long name, status ACTIVE)",
    ),
}
"""Our key -> LOINC code. RMDQ, FABQ and PSFS have none (searched; none found)."""

START_BACK_RISK_ANSWERS: Final[dict[str, Code]] = {
    "low": _loinc("LA9194-7", "Low", "loinc.org/91352-5 (answer list LL3578-3)"),
    "medium": _loinc("LA8982-6", "Medium", "loinc.org/91352-5 (answer list LL3578-3)"),
    "high": _loinc("LA9193-9", "High", "loinc.org/91352-5 (answer list LL3578-3)"),
}
"""STarT Back stratum -> LOINC answer code of 91352-5."""


def _local(code: str, display: str) -> Code:
    return Code(LOCAL, code, display, "spinecoach")


LOCAL_CODES: Final[dict[str, Code]] = {
    c.code: c
    for c in (
        _local("rmdq.panel", "Roland-Morris Disability Questionnaire (24 items)"),
        _local("rmdq.score", "Roland-Morris Disability Questionnaire score (0-24)"),
        _local("fabq.panel", "Fear-Avoidance Beliefs Questionnaire (16 items)"),
        _local("fabq.physical_activity", "FABQ physical activity subscale (0-24)"),
        _local("fabq.work", "FABQ work subscale (0-42)"),
        _local("psfs.panel", "Patient-Specific Functional Scale"),
        _local("psfs.mean", "Patient-Specific Functional Scale mean score (0-10)"),
        _local("endurance.flexor", "Trunk flexor endurance hold (McGill)"),
        _local("endurance.extensor", "Trunk extensor endurance hold (Biering-Sorensen)"),
        _local("endurance.side_bridge_right", "Right side bridge endurance hold (McGill)"),
        _local("endurance.side_bridge_left", "Left side bridge endurance hold (McGill)"),
        _local("rom.flexion", "Lumbar flexion range of motion (sensors)"),
        _local("rom.extension", "Lumbar extension range of motion (sensors)"),
        _local("sway", "Standing sway (sensors), lower is steadier"),
        _local("sway.mean_velocity", "Quiet-stance sway mean velocity (sensors)"),
        _local("posture.time_in_zones", "Time in lumbar flexion zones over a recording"),
        *(_local(f"posture.{zone}", f"Time in the {zone} flexion zone") for zone in POSTURE_ZONES),
        _local("adherence.overall", "Sessions done over sessions prescribed"),
        _local("session.pain", "Pain (NPRS 0-10) around one exercise session"),
        _local("session.pain_before", "Pain just before the session (NPRS 0-10)"),
        _local("session.pain_after", "Pain at its peak during or right after the session"),
        _local("session.next_morning_pain", "Pain on waking the next morning (NPRS 0-10)"),
        _local("adherence.week", "Sessions done over sessions prescribed in one week"),
        *(_local(f"red_flag.{f.id}", f.question) for f in RED_FLAGS.values()),
    )
}
"""Local code -> its definition in :data:`LOCAL`."""

EXERCISE_THERAPY: Final = Code(
    SNOMED,
    "229065009",
    "Exercise therapy (regime/therapy)",
    "HL7 Physical Activity IG, ServiceRequest-Scen1ExerciseRx (hl7.org/fhir/us/physical-activity)",
)
"""The ServiceRequest code of an exercise prescription, as in the Physical Activity IG."""

CONDITION_CODE: Final = Code(
    SNOMED,
    "279039007",
    "Low back pain",
    "not checked in a SNOMED CT browser (out of reach): 'Low back pain (finding)' only in "
    "public code tables of other projects; no HL7 or SNOMED International page found",
)
"""The episode's Condition code."""

PA_CATEGORY: Final = Code(
    "http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes",
    "PhysicalActivity",
    "Physical Activity",
    "HL7 Physical Activity IG: its CarePlan queries filter on this category (IG sources)",
)
"""Category of the CarePlan and ServiceRequests, following the Physical Activity IG's pattern."""
