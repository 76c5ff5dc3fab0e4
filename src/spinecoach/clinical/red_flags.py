"""Red flags for serious spinal pathology: the catalogue and the screen of positive flags.

The questions and actions follow NHS primary-care pathway wording, which mirrors NICE CKS
(g-care.glos.nhs.uk/pathway/75/resource/3; heyneurosurgeon.co.uk; NHS Lothian RefHelp).
Red flags escalate; they are never a diagnosis (many have high false-positive rates).
The same screen runs at intake and at every session check-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from spinecoach.clinical.assessment import RedFlagHit, RedFlagScreen, Urgency
from spinecoach.errors import UnknownItemError

__all__ = [
    "RED_FLAGS",
    "SOURCE",
    "URGENCY_ORDER",
    "RedFlag",
    "RedFlagCategory",
    "check_red_flag_ids",
    "screen_red_flags",
]

SOURCE = "NICE NG59; NHS primary-care LBP pathway (g-care.glos.nhs.uk/pathway/75/resource/3)"

RedFlagCategory = Literal[
    "cauda_equina", "malignancy", "infection", "fracture", "inflammatory", "neurological"
]

URGENCY_ORDER: dict[Urgency, int] = {"none": 0, "review": 1, "urgent": 2, "emergency": 3}
BLOCKING: frozenset[Urgency] = frozenset({"urgent", "emergency"})
"""Urgent or emergency flags stop exercise until a clinician clears them (CLINICAL.md section 4)."""


@dataclass(frozen=True)
class RedFlag:
    """One screening question, how urgent a yes is, and what patient and clinician do."""

    id: str
    category: RedFlagCategory
    urgency: Urgency
    question: str
    patient_action: str
    clinician_action: str


_EMERGENCY_PATIENT = (
    "Stop the exercises now and get emergency care today (UK: A&E or 999); "
    "tell them you may have cauda equina syndrome"
)
_EMERGENCY_CLINICIAN = (
    "Suspected cauda equina syndrome: same-day emergency referral (A&E or on-call spinal team); "
    "exercise program locked until cleared"
)
_URGENT_PATIENT = (
    "Pause the exercise program and see a doctor urgently (the same day or within days); "
    "your physiotherapist has been told"
)
_REVIEW_PATIENT = "Carry on as planned; your physiotherapist will review this with you"


def _ces(flag_id: str, question: str) -> RedFlag:
    # Any positive cauda equina item: emergency, the same day (NHS pathway; CLINICAL.md section 4)
    return RedFlag(
        flag_id, "cauda_equina", "emergency", question, _EMERGENCY_PATIENT, _EMERGENCY_CLINICIAN
    )


def _flag(
    flag_id: str, category: RedFlagCategory, urgency: Urgency, question: str, clinician: str
) -> RedFlag:
    patient = _URGENT_PATIENT if urgency == "urgent" else _REVIEW_PATIENT
    return RedFlag(flag_id, category, urgency, question, patient, clinician)


_MALIGNANCY = "Possible malignancy: urgent medical review with imaging and referral"
_INFECTION = "Possible spinal infection: same-day medical assessment"
_FRACTURE = "Possible fracture: X-ray or referral, plus a bone-health review"

# Review-level flags (POLICY, CLINICAL.md section 4 lists them without a separate urgency):
# an age of onset or a slow course alone, and inflammatory features that go to a routine
# rheumatology referral, are shown to the clinician but do not stop exercise on their own.
_CATALOGUE: tuple[RedFlag, ...] = (
    _ces(
        "ces_bladder",
        "Have you lost control of your bladder, or had trouble starting to pass urine or a "
        "change in how the flow feels?",
    ),
    _ces("ces_bowel", "Have you lost control of your bowels or wind?"),
    _ces(
        "ces_saddle_anaesthesia",
        "Is there numbness or pins and needles around your back passage, genitals or inner thighs?",
    ),
    _ces("ces_sexual_dysfunction", "Have you noticed a new change in sexual function?"),
    _ces(
        "ces_bilateral_sciatica",
        "Has pain, numbness or tingling spread down both legs, or moved from one leg to both?",
    ),
    _ces(
        "ces_progressive_weakness",
        "Are your legs getting weaker (for example foot drop or the knee giving way)?",
    ),
    _ces("ces_gait_disturbance", "Has your walking become unsteady or changed recently?"),
    _flag(
        "malignancy_history",
        "malignancy",
        "urgent",
        "Have you ever had cancer?",
        _MALIGNANCY,
    ),
    _flag(
        "weight_loss",
        "malignancy",
        "urgent",
        "Have you lost weight recently without trying?",
        _MALIGNANCY,
    ),
    _flag(
        "night_pain",
        "malignancy",
        "urgent",
        "Do you have pain at night that does not ease when you change position?",
        _MALIGNANCY,
    ),
    _flag(
        "thoracic_pain",
        "malignancy",
        "urgent",
        "Is the pain high in your back, between the shoulder blades?",
        _MALIGNANCY,
    ),
    _flag(
        "age_over_50_new_onset",
        "malignancy",
        "review",
        "Did this back pain start for the first time after the age of 50?",
        "New-onset back pain after 50: consider serious pathology at review",
    ),
    _flag(
        "age_under_20_new_onset",
        "malignancy",
        "review",
        "Did this back pain start before the age of 20?",
        "New-onset back pain before 20: consider serious pathology at review",
    ),
    _flag(
        "failure_to_improve",
        "malignancy",
        "review",
        "Has the pain failed to improve at all over about a month?",
        "No improvement after about 1 month: reconsider the diagnosis",
    ),
    _flag(
        "fever",
        "infection",
        "urgent",
        "Have you had a fever, chills or shivering fits?",
        _INFECTION,
    ),
    _flag(
        "systemically_unwell",
        "infection",
        "urgent",
        "Do you feel generally unwell?",
        _INFECTION,
    ),
    _flag(
        "immunosuppression",
        "infection",
        "urgent",
        "Is your immune system weakened by an illness or its treatment (for example HIV or "
        "chemotherapy)?",
        _INFECTION,
    ),
    _flag("iv_drug_use", "infection", "urgent", "Do you inject drugs?", _INFECTION),
    _flag(
        "recent_infection",
        "infection",
        "urgent",
        "Have you recently had a bacterial infection or a wound that went deep?",
        _INFECTION,
    ),
    _flag(
        "major_trauma",
        "fracture",
        "urgent",
        "Did the pain start after a major injury, such as a fall from height or a road accident?",
        _FRACTURE,
    ),
    _flag(
        "minor_trauma_osteoporosis",
        "fracture",
        "urgent",
        "Did the pain start after a minor fall or strain, and do you have osteoporosis or take "
        "steroids?",
        _FRACTURE,
    ),
    _flag(
        "sudden_severe_central_pain",
        "fracture",
        "urgent",
        "Did severe pain in the middle of your back start suddenly, easing when you lie down?",
        _FRACTURE,
    ),
    _flag(
        "structural_deformity",
        "fracture",
        "urgent",
        "Has the shape of your spine changed (a new hump or curve)?",
        _FRACTURE,
    ),
    _flag(
        "inflammatory_morning_stiffness",
        "inflammatory",
        "review",
        "Is your back stiff for more than half an hour in the morning, and better with movement?",
        "Possible inflammatory back pain (e.g. axial spondyloarthritis): rheumatology referral",
    ),
    _flag(
        "upper_motor_neurone_signs",
        "neurological",
        "urgent",
        "Clinician: upper motor neurone signs (e.g. positive Babinski, clonus)?",
        "Upper motor neurone signs: urgent neurological referral",
    ),
    _flag(
        "widespread_neurological_signs",
        "neurological",
        "urgent",
        "Do you have numbness or weakness in many places (arms and legs)?",
        "Widespread neurological signs: urgent neurological referral",
    ),
)

RED_FLAGS: Mapping[str, RedFlag] = MappingProxyType({f.id: f for f in _CATALOGUE})
"""Flag id -> definition, in screening order (cauda equina first)."""


def check_red_flag_ids(ids: Iterable[str]) -> list[str]:
    """The ids as a list, or an UnknownItemError naming the first unknown id and the valid ones."""
    checked = list(ids)
    for flag_id in checked:
        if flag_id not in RED_FLAGS:
            raise UnknownItemError(
                f"red flag '{flag_id}' is unknown; valid ids: {', '.join(RED_FLAGS)}"
            )
    return checked


def screen_red_flags(ids: Iterable[str] | None) -> RedFlagScreen:
    """The positive flags (most urgent first), the overall urgency and whether exercise stops.

    ``None`` means the questions were never asked: the screen says ``screened: false`` and
    blocks exercise, since "not screened" must never read as "no red flags".
    """
    if ids is None:
        return RedFlagScreen(screened=False, exercise_blocked=True)
    positive = set(check_red_flag_ids(ids))
    flags = sorted(
        (f for f in _CATALOGUE if f.id in positive),
        key=lambda f: -URGENCY_ORDER[f.urgency],
    )
    hits = [
        RedFlagHit(
            id=f.id,
            category=f.category,
            urgency=f.urgency,
            question=f.question,
            patient_action=f.patient_action,
            clinician_action=f.clinician_action,
        )
        for f in flags
    ]
    urgency: Urgency = flags[0].urgency if flags else "none"
    return RedFlagScreen(hits=hits, urgency=urgency, exercise_blocked=urgency in BLOCKING)
