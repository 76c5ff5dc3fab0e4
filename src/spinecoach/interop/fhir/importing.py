"""Import a QuestionnaireResponse taken elsewhere (e.g. an ODI in the EHR) and score it here.

The response is checked by the R4B model, its instrument is recognised from its Questionnaire
URL (ours, or another system's naming the instrument) or from its items' linkIds, every answer
is matched to an item of our form, and the clinical scorer of that instrument scores it. An
unknown item, a code out of range or an unsupported instrument is an :class:`InputError` that
names the item, so the API can answer 4xx and the CLI exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import BaseModel, ConfigDict, Field

from spinecoach.clinical.assessment import Scores
from spinecoach.clinical.fabq import score_fabq
from spinecoach.clinical.nprs import score_nprs
from spinecoach.clinical.odi import score_odi
from spinecoach.clinical.psfs import score_psfs
from spinecoach.clinical.rmdq import score_rmdq
from spinecoach.clinical.startback import score_start_back
from spinecoach.errors import InputError
from spinecoach.interop.fhir.codes import LOINC_CODES
from spinecoach.interop.fhir.forms import FORMS, Form
from spinecoach.interop.fhir.resources import parse_resource, resource_json
from spinecoach.outcomes.timeline import Measurement

__all__ = ["ImportedResponse", "import_questionnaire_response"]

_WHERE = "QuestionnaireResponse"
_SCORE_LINK_IDS = {"score", "total", "total-score", "total_score"}
_SCORE_CODES = {LOINC_CODES[k].code for k in ("odi.score", "start_back.total")}


class ImportedResponse(BaseModel):
    """A scored response: which instrument, when, for whom, the coded answers and the scores."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str
    questionnaire: str = Field(description="the response's Questionnaire canonical URL")
    authored: dt.date | None
    subject: str | None = Field(description="the response's subject reference, as written")
    answers: list[int | None] = Field(description="coded answers in form order, null = skipped")
    activities: dict[str, int] = Field(
        default_factory=dict, description="PSFS only: activity -> rating"
    )
    scores: Scores
    reported_score: float | None = Field(
        default=None, description="a total the sending system computed, if the response had one"
    )

    def measurement(self) -> Measurement:
        """The score as a timeline measurement on the authored date."""
        if self.authored is None:
            raise InputError(
                f"{_WHERE}.authored: a date is needed to add the score to the timeline"
            )
        s = self.scores
        return Measurement(
            date=self.authored,
            odi=s.odi.percent if s.odi else None,
            rmdq=s.rmdq.score if s.rmdq else None,
            nprs=s.nprs,
            psfs=s.psfs.mean if s.psfs else None,
            fabq_pa=s.fabq.physical_activity if s.fabq else None,
            fabq_w=s.fabq.work if s.fabq else None,
        )


def _instrument(questionnaire: str, link_ids: list[str]) -> Form:
    url = questionnaire.lower()
    for form in FORMS.values():
        if url == form.url.lower():
            return form
    tail = re.split(r"[/|#]", url.split("|")[0].rstrip("/"))
    words = " ".join(tail[-2:]) if tail else ""
    tokens = set(re.split(r"[^a-z0-9]+", words))
    for form in FORMS.values():
        # short names must stand alone ('odi', not 'periodic'); long ones may sit in a word
        if any(w in tokens or (len(w) >= 5 and w in words) for w in form.words):
            return form
    prefixes = {i.rsplit("-", 1)[0] for i in link_ids if "-" in i}
    for form in FORMS.values():
        if form.prefix in prefixes:
            return form
    supported = ", ".join(FORMS)
    raise InputError(
        f"{_WHERE}.questionnaire '{questionnaire}': not a supported instrument ({supported})"
    )


def _number(form: Form, link_id: str) -> int | None:
    """Item number (1-based) of ``link_id`` in ``form``, or None when it is not an item."""
    clean = link_id.lstrip("/")
    match = re.fullmatch(rf"{re.escape(form.prefix)}-(\d+)", clean)
    if match and 1 <= int(match.group(1)) <= len(form.items):
        return int(match.group(1))
    for n, item in enumerate(form.items, start=1):
        if item.code is not None and clean == item.code.code:
            return n
    return None


def _is_score(item: dict[str, Any]) -> bool:
    if str(item.get("linkId", "")).lower() in _SCORE_LINK_IDS:
        return True
    return any(a.get("valueCoding", {}).get("code") in _SCORE_CODES for a in item.get("answer", []))


def _value(link_id: str, answer: dict[str, Any]) -> int | str:
    """One answer as a whole-number code (or an activity name)."""
    if "valueInteger" in answer:
        return int(answer["valueInteger"])
    if "valueBoolean" in answer:
        return 1 if answer["valueBoolean"] else 0
    if "valueDecimal" in answer:
        number = float(answer["valueDecimal"])
        if not number.is_integer():
            raise InputError(f"{_WHERE} item '{link_id}': {number:g} is not a whole-number code")
        return int(number)
    if "valueString" in answer:
        return str(answer["valueString"])
    if "valueCoding" in answer:
        coding = answer["valueCoding"]
        for ext in coding.get("extension", []):
            if str(ext.get("url", "")).endswith(("/ordinalValue", "/itemWeight")):
                return _value(link_id, {"valueDecimal": ext.get("valueDecimal")})
        code = str(coding.get("code", ""))
        if code.isdigit():
            return int(code)
        raise InputError(f"{_WHERE} item '{link_id}': coded answer '{code}' has no score")
    kinds = ", ".join(k for k in answer if k.startswith("value")) or "no value"
    raise InputError(f"{_WHERE} item '{link_id}': answer type {kinds} cannot be scored")


def _reported(item: dict[str, Any]) -> float | None:
    for answer in item.get("answer", []):
        try:
            value = _value(str(item.get("linkId")), answer)
        except InputError:
            return None
        return float(value) if isinstance(value, int) else None
    return None


def _flatten(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for item in items:
        if item.get("answer"):
            flat.append(item)
        flat.extend(_flatten(item.get("item", [])))
    return flat


def _collect(
    form: Form, items: list[dict[str, Any]]
) -> tuple[list[int | None], dict[int, str], float | None]:
    answers: list[int | None] = [None] * len(form.items)
    names: dict[int, str] = {}
    reported: float | None = None
    for item in _flatten(items):
        link_id = str(item.get("linkId", ""))
        if _is_score(item):
            reported = _reported(item)
            continue
        base, _, part = link_id.partition(".")
        number = _number(form, base if form.key == "psfs" else link_id)
        if number is None or (part and part not in {"activity", "score"}):
            raise InputError(
                f"{_WHERE} item '{link_id}': not an item of the {form.title} "
                f"(expected {form.prefix}-1 .. {form.prefix}-{len(form.items)})"
            )
        if len(item["answer"]) != 1:
            raise InputError(f"{_WHERE} item '{link_id}': one answer is expected")
        value = _value(link_id, item["answer"][0])
        if part == "activity":
            names[number] = str(value)
            continue
        spec = form.items[number - 1]
        if not isinstance(value, int) or not spec.low <= value <= spec.high:
            raise InputError(
                f"{_WHERE} item '{link_id}': answer {value!r} is outside {spec.low}-{spec.high}"
            )
        if answers[number - 1] is not None:
            raise InputError(f"{_WHERE} item '{link_id}': answered twice")
        answers[number - 1] = value
    return answers, names, reported


def _score(
    form: Form, answers: list[int | None], names: dict[int, str]
) -> tuple[Scores, dict[str, int]]:
    key = form.key
    if key == "psfs":
        rated = [
            (names.get(n, f"activity {n}"), a)
            for n, a in enumerate(answers, start=1)
            if a is not None
        ]
        result = score_psfs(rated)
        return Scores(psfs=result), dict(result.activities)
    if key == "nprs":
        return Scores(nprs=score_nprs(answers[0])), {}
    scorers = {
        "start_back": lambda: Scores(start_back=score_start_back(answers)),
        "odi": lambda: Scores(odi=score_odi(answers)),
        "rmdq": lambda: Scores(rmdq=score_rmdq(answers)),
        "fabq": lambda: Scores(fabq=score_fabq(answers)),
    }
    return scorers[key](), {}


def import_questionnaire_response(raw: str | bytes | dict[str, Any]) -> ImportedResponse:
    """Check, recognise and score one QuestionnaireResponse (FHIR R4 JSON text or object)."""
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{_WHERE}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    resource = parse_resource(raw)
    if not isinstance(resource, QuestionnaireResponse):
        raise InputError(
            f"resourceType '{resource.get_resource_type()}': a QuestionnaireResponse is expected"
        )
    data = resource_json(resource)
    if data.get("status") not in {"completed", "amended"}:
        raise InputError(
            f"{_WHERE}.status '{data.get('status')}': only a completed response can be scored"
        )
    items = data.get("item", [])
    if not items:
        raise InputError(f"{_WHERE}.item: the response has no answers")
    questionnaire = str(data.get("questionnaire", ""))
    form = _instrument(questionnaire, [str(i.get("linkId", "")) for i in _flatten(items)])
    answers, names, reported = _collect(form, items)
    scores, activities = _score(form, answers, names)
    authored = data.get("authored")
    return ImportedResponse(
        instrument=form.key,
        questionnaire=questionnaire,
        authored=dt.date.fromisoformat(authored[:10]) if authored else None,
        subject=(data.get("subject") or {}).get("reference"),
        answers=answers,
        activities=activities,
        scores=scores,
        reported_score=reported,
    )
