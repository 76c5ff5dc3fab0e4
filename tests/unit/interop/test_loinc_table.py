"""The README's LOINC table, the code table and what the export emits agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spinecoach.exercises import Catalogue
from spinecoach.interop import PatientRecord
from spinecoach.interop.fhir import export_bundle, resource_json
from spinecoach.interop.fhir.codes import (
    CONDITION_CODE,
    EXERCISE_THERAPY,
    LOCAL,
    LOCAL_CODES,
    LOINC,
    LOINC_CODES,
    SNOMED,
    START_BACK_RISK_ANSWERS,
)

README = Path(__file__).resolve().parents[3] / "README.md"
CODE = re.compile(r"\b(?:LA)?\d{4,5}-\d\b")


def _readme_rows() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- section: interop -->")[1].split("<!-- /section: interop -->")[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows]


def _readme_snomed_codes() -> set[str]:
    """Codes of the README's SNOMED CT table (the rows under its header)."""
    codes: set[str] = set()
    inside = False
    for cells in _readme_rows():
        if len(cells) == 4 and cells[1] in {"LOINC", "SNOMED CT"}:
            inside = cells[1] == "SNOMED CT"
        elif inside and len(cells) == 4 and cells[1].isdigit():
            codes.add(cells[1])
    return codes


def _readme_codes() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- section: interop -->")[1].split("<!-- /section: interop -->")[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    codes: set[str] = set()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 4 and cells[1] != "LOINC":  # not the header
            codes |= set(CODE.findall(cells[1]))
    return codes


def _codings(node: Any, system: str) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("system") == system and isinstance(node.get("code"), str):
            found.add(node["code"])
        for value in node.values():
            found |= _codings(value, system)
    elif isinstance(node, list):
        for value in node:
            found |= _codings(value, system)
    return found


def test_readme_table_lists_exactly_the_code_table() -> None:
    table = {c.code for c in LOINC_CODES.values()} | {
        c.code for c in START_BACK_RISK_ANSWERS.values()
    }
    assert _readme_codes() == table


def test_the_export_emits_only_listed_codes_and_all_that_apply(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    bundle = resource_json(export_bundle(record, catalogue))
    emitted = _codings(bundle, LOINC)
    stratum = record.assessment.scores.start_back
    assert stratum is not None
    other_answers = {c.code for s, c in START_BACK_RISK_ANSWERS.items() if s != stratum.stratum}
    # every code of the table is emitted for this record (it filled in STarT Back, ODI, NPRS),
    # except the two risk answers that are not the patient's stratum
    assert emitted == _readme_codes() - other_answers
    local = _codings(bundle, LOCAL)
    assert local <= set(LOCAL_CODES)
    assert {"psfs.mean", "fabq.work", "endurance.extensor", "posture.time_in_zones"} <= local


def test_readme_snomed_table_lists_what_the_export_emits(
    record: PatientRecord, catalogue: Catalogue
) -> None:
    emitted = _codings(resource_json(export_bundle(record, catalogue)), SNOMED)
    assert emitted == {EXERCISE_THERAPY.code, CONDITION_CODE.code} == _readme_snomed_codes()
