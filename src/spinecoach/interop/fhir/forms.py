"""The questionnaires as FHIR forms: items, linkIds, codes and allowed answers per instrument.

The item ranges come from the clinical scorers (:data:`spinecoach.clinical.instruments.ITEM_RANGES`),
so a form cannot drift from what the scorer accepts. Item texts are short labels of our own,
not the instruments' copyrighted wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from spinecoach.clinical.fabq import FABQ_ITEMS
from spinecoach.clinical.nprs import NPRS_RANGE
from spinecoach.clinical.odi import ODI_SECTIONS
from spinecoach.clinical.psfs import MAX_ACTIVITIES, PSFS_RANGE
from spinecoach.clinical.rmdq import RMDQ_ITEMS
from spinecoach.clinical.startback import START_BACK_ITEMS
from spinecoach.interop.fhir.codes import LOCAL_CODES, LOINC_CODES, QUESTIONNAIRE_BASE, Code

__all__ = ["FORMS", "Form", "FormItem"]

_START_BACK_LABELS = (
    "Back pain spread down the leg(s) in the last 2 weeks",
    "Shoulder or neck pain in the last 2 weeks",
    "Only walked short distances because of back pain",
    "Dressed more slowly than usual because of back pain",
    "Physical activity does not feel safe with this condition",
    "Worrying thoughts a lot of the time",
    "Back pain feels terrible and will never get better",
    "Not enjoying the things once enjoyed",
    "How bothersome the back pain has been (0 not at all .. 4 extremely)",
)


@dataclass(frozen=True)
class FormItem:
    """One answerable item: its linkId, label, allowed whole-number range and code."""

    link_id: str
    text: str
    low: int
    high: int
    code: Code | None = None


@dataclass(frozen=True)
class Form:
    """One instrument as a FHIR Questionnaire."""

    key: str
    """Instrument name as ``spinecoach score`` knows it (start_back, odi, ...)."""
    prefix: str
    """linkId stem: items are ``{prefix}-1``, ``{prefix}-2``, ..."""
    title: str
    panel: Code
    items: tuple[FormItem, ...]
    words: tuple[str, ...]
    """Words that name this instrument in another system's Questionnaire URL."""

    @property
    def url(self) -> str:
        return f"{QUESTIONNAIRE_BASE}/{self.key.replace('_', '-')}"


def _items(prefix: str, labels: list[str], ranges: list[tuple[int, int]]) -> tuple[FormItem, ...]:
    return tuple(
        FormItem(f"{prefix}-{n}", label, low, high)
        for n, (label, (low, high)) in enumerate(zip(labels, ranges, strict=True), start=1)
    )


def _start_back() -> Form:
    items = tuple(
        FormItem(f"sbst-{n}", label, r.low, r.high, LOINC_CODES[f"start_back.item{n}"])
        for n, (label, r) in enumerate(zip(_START_BACK_LABELS, START_BACK_ITEMS, strict=True), 1)
    )
    return Form(
        "start_back",
        "sbst",
        "Keele STarT Back Screening Tool",
        LOINC_CODES["start_back.panel"],
        items,
        ("startback", "start-back", "start_back", "sbst", "91349-1"),
    )


FORMS: Final[dict[str, Form]] = {
    form.key: form
    for form in (
        _start_back(),
        Form(
            "odi",
            "odi",
            "Oswestry Disability Index v2.1a",
            LOINC_CODES["odi.panel"],
            _items("odi", [s.capitalize() for s in ODI_SECTIONS], [(0, 5)] * len(ODI_SECTIONS)),
            ("oswestry", "odi", "97908-8"),
        ),
        Form(
            "rmdq",
            "rmdq",
            "Roland-Morris Disability Questionnaire",
            LOCAL_CODES["rmdq.panel"],
            _items(
                "rmdq",
                [f"Statement {n} applies today" for n in range(1, len(RMDQ_ITEMS) + 1)],
                [(r.low, r.high) for r in RMDQ_ITEMS],
            ),
            ("roland", "rmdq", "rdq"),
        ),
        Form(
            "nprs",
            "nprs",
            "Numeric Pain Rating Scale",
            LOINC_CODES["nprs"],
            (
                FormItem(
                    "nprs-1",
                    "Pain now (0 no pain .. 10 worst imaginable)",
                    NPRS_RANGE.low,
                    NPRS_RANGE.high,
                    LOINC_CODES["nprs"],
                ),
            ),
            ("nprs", "numeric-pain", "pain-rating", "72514-3"),
        ),
        Form(
            "psfs",
            "psfs",
            "Patient-Specific Functional Scale",
            LOCAL_CODES["psfs.panel"],
            tuple(
                FormItem(
                    f"psfs-{n}",
                    f"Activity {n} (0 unable .. 10 as before)",
                    PSFS_RANGE.low,
                    PSFS_RANGE.high,
                )
                for n in range(1, MAX_ACTIVITIES + 1)
            ),
            ("psfs", "patient-specific"),
        ),
        Form(
            "fabq",
            "fabq",
            "Fear-Avoidance Beliefs Questionnaire",
            LOCAL_CODES["fabq.panel"],
            _items(
                "fabq",
                [f"Belief {n} (0 completely disagree .. 6 completely agree)" for n in range(1, 17)],
                [(r.low, r.high) for r in FABQ_ITEMS],
            ),
            ("fabq", "fear-avoidance"),
        ),
    )
}
"""Instrument -> its form; PSFS items are groups holding an activity name and its rating."""
