"""Our own checks of FHIR resources, where the models check structure only.

The models know that an Observation has a ``code``; these checks know which codes we
emit (the LOINC table and our local code system), that every quantity carries a UCUM unit,
that every reference resolves inside the Bundle, that a QuestionnaireResponse answers only
items of its Questionnaire within their ranges, and that the Physical Activity IG pattern
holds (ServiceRequests coded exercise therapy, based on their CarePlan, with instructions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from spinecoach.errors import InputError
from spinecoach.interop.fhir.codes import (
    CONDITION_CODE,
    EXERCISE_THERAPY,
    LOCAL,
    LOCAL_CODES,
    LOINC,
    LOINC_CODES,
    START_BACK_RISK_ANSWERS,
    UCUM,
)

__all__ = ["bundle_problems", "check_bundle", "resource_problems"]

Json = dict[str, Any]

_KNOWN_LOINC = {c.code for c in LOINC_CODES.values()}
_RISK_ANSWERS = {c.code for c in START_BACK_RISK_ANSWERS.values()}
_OBSERVATION_STATUS = {"final", "amended", "corrected", "preliminary"}
_CARE_PLAN_STATUS = {"draft", "active", "on-hold", "revoked", "completed"}
_GENDERS = {"male", "female", "other", "unknown"}


def _codings(concept: Any) -> list[Json]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding", []) if isinstance(c, dict)]


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _known_code(coding: Json) -> str | None:
    """A problem with one coding of ours, or None when it is a code we define."""
    system, code = coding.get("system"), coding.get("code")
    if system == LOINC and code not in _KNOWN_LOINC:
        return f"LOINC code {code} is not in the LOINC table"
    if system == LOCAL and code not in LOCAL_CODES:
        return f"local code {code} is not in the local code system"
    return None


def _quantity_problems(where: str, quantity: Json) -> list[str]:
    if "value" not in quantity:
        return [f"{where}: a quantity needs a value"]
    if quantity.get("system") != UCUM or not quantity.get("code"):
        return [f"{where}: a quantity needs a UCUM unit (system {UCUM} and a code)"]
    return []


def _observation(r: Json, where: str) -> list[str]:
    problems: list[str] = []
    if r.get("status") not in _OBSERVATION_STATUS:
        problems.append(f"{where}.status '{r.get('status')}' is not a final status")
    if not any(_codings(c) for c in r.get("category", [])):
        problems.append(f"{where}.category: a coded category is required")
    codings = _codings(r.get("code"))
    ours = [c for c in codings if c.get("system") in (LOINC, LOCAL)]
    if not ours:
        problems.append(f"{where}.code: a LOINC or local code is required")
    problems += [f"{where}.code: {p}" for c in ours if (p := _known_code(c))]
    if not any(k in r for k in ("effectiveDateTime", "effectivePeriod", "effectiveInstant")):
        problems.append(f"{where}.effective[x] is required")
    values = [k for k in r if k.startswith("value")]
    if bool(values) == bool(r.get("component")):
        problems.append(f"{where}: exactly one of value[x] or component is required")
    if "valueQuantity" in r:
        problems += _quantity_problems(f"{where}.valueQuantity", r["valueQuantity"])
    for i, comp in enumerate(r.get("component", [])):
        if not _codings(comp.get("code")):
            problems.append(f"{where}.component.{i}.code is required")
        if "valueQuantity" in comp:
            problems += _quantity_problems(f"{where}.component.{i}", comp["valueQuantity"])
    code = ours[0].get("code") if ours else None
    if code == LOINC_CODES["start_back.risk"].code:
        answers = {c.get("code") for c in _codings(r.get("valueCodeableConcept"))}
        if not answers & _RISK_ANSWERS:
            problems.append(f"{where}: the STarT Back risk needs one of {sorted(_RISK_ANSWERS)}")
    if code == LOINC_CODES["odi.score"].code:
        value = r.get("valueQuantity", {}).get("value")
        if not isinstance(value, int | float) or not 0 <= value <= 100:
            problems.append(f"{where}: the ODI score must be a percent 0-100")
    if not str(r.get("subject", {}).get("reference", "")):
        problems.append(f"{where}.subject is required")
    return problems


def _service_request(r: Json, where: str) -> list[str]:
    problems: list[str] = []
    codes = {(c.get("system"), c.get("code")) for c in _codings(r.get("code"))}
    if (EXERCISE_THERAPY.system, EXERCISE_THERAPY.code) not in codes:
        problems.append(f"{where}.code: exercise therapy (SNOMED CT 229065009) is required")
    if not str(r.get("patientInstruction", "")).strip():
        problems.append(f"{where}.patientInstruction is required")
    if "occurrenceTiming" not in r:
        problems.append(f"{where}.occurrenceTiming (how often) is required")
    if not r.get("basedOn"):
        problems.append(f"{where}.basedOn (its CarePlan) is required")
    if r.get("intent") != "order":
        problems.append(f"{where}.intent must be 'order'")
    return problems


def _care_plan(r: Json, where: str) -> list[str]:
    problems: list[str] = []
    if r.get("status") not in _CARE_PLAN_STATUS:
        problems.append(f"{where}.status '{r.get('status')}' is not one we use")
    if r.get("intent") != "plan":
        problems.append(f"{where}.intent must be 'plan'")
    return problems


def _flag(r: Json, where: str) -> list[str]:
    codes = [c for c in _codings(r.get("code")) if c.get("system") == LOCAL]
    if not codes or not str(codes[0].get("code", "")).startswith("red_flag."):
        return [f"{where}.code: a red flag code of the local code system is required"]
    return [f"{where}.code: {p}" for c in codes if (p := _known_code(c))]


def _condition(r: Json, where: str) -> list[str]:
    problems: list[str] = []
    codes = {(c.get("system"), c.get("code")) for c in _codings(r.get("code"))}
    if (CONDITION_CODE.system, CONDITION_CODE.code) not in codes:
        problems.append(f"{where}.code: low back pain (SNOMED CT 279039007) is required")
    if not _codings(r.get("clinicalStatus")):
        problems.append(f"{where}.clinicalStatus is required")
    return problems


def _goal(r: Json, where: str) -> list[str]:
    problems: list[str] = []
    if not str(r.get("description", {}).get("text", "")).strip():
        problems.append(f"{where}.description.text is required")
    for i, target in enumerate(r.get("target", [])):
        if "detailQuantity" in target:
            problems += _quantity_problems(f"{where}.target.{i}", target["detailQuantity"])
    return problems


def _patient(r: Json, where: str) -> list[str]:
    problems: list[str] = []
    if r.get("gender") not in _GENDERS:
        problems.append(f"{where}.gender '{r.get('gender')}' is not an administrative gender")
    if not r.get("identifier"):
        problems.append(f"{where}.identifier is required")
    return problems


def _questionnaire(r: Json, where: str) -> list[str]:
    problems: list[str] = []
    if not r.get("url"):
        problems.append(f"{where}.url (its canonical URL) is required")
    ids = [i["linkId"] for i in _items(r.get("item", []))]
    for link_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{where}: linkId '{link_id}' is used twice")
    return problems


def _items(items: list[Json]) -> Iterator[Json]:
    for item in items:
        yield item
        yield from _items(item.get("item", []))


def _range(item: Json) -> tuple[int | None, int | None]:
    bounds: dict[str, int] = {}
    for ext in item.get("extension", []):
        url = ext.get("url", "")
        if url.endswith("/minValue") or url.endswith("/maxValue"):
            bounds[url.rsplit("/", 1)[1]] = ext.get("valueInteger")
    return bounds.get("minValue"), bounds.get("maxValue")


def _response(r: Json, where: str, questionnaires: dict[str, Json]) -> list[str]:
    problems: list[str] = []
    if r.get("status") not in {"completed", "amended"}:
        problems.append(f"{where}.status '{r.get('status')}' is not completed")
    form = questionnaires.get(str(r.get("questionnaire", "")))
    if form is None:
        return [*problems, f"{where}.questionnaire '{r.get('questionnaire')}' is not in the Bundle"]
    defined = {i["linkId"]: i for i in _items(form.get("item", []))}
    for item in _items(r.get("item", [])):
        link_id = item.get("linkId")
        if link_id not in defined:
            problems.append(f"{where}: item '{link_id}' is not an item of {form.get('url')}")
            continue
        low, high = _range(defined[link_id])
        for answer in item.get("answer", []):
            value = answer.get("valueInteger")
            if value is not None and (
                (low is not None and value < low) or (high is not None and value > high)
            ):
                problems.append(f"{where}: item '{link_id}' answer {value} is outside {low}-{high}")
    return problems


_CHECKS: dict[str, Callable[[Json, str], list[str]]] = {
    "Observation": _observation,
    "ServiceRequest": _service_request,
    "CarePlan": _care_plan,
    "Flag": _flag,
    "Condition": _condition,
    "Goal": _goal,
    "Patient": _patient,
    "Questionnaire": _questionnaire,
}


def resource_problems(resource: Json, where: str = "") -> list[str]:
    """What our checks find wrong with one resource (FHIR JSON); empty when it passes."""
    kind = str(resource.get("resourceType", ""))
    check = _CHECKS.get(kind)
    return check(resource, where or kind) if check else []


def bundle_problems(bundle: Json) -> list[str]:
    """Every problem our checks find in a Bundle (FHIR JSON) and the resources in it."""
    problems: list[str] = []
    kind = bundle.get("type")
    if kind not in {"collection", "transaction"}:
        problems.append(f"Bundle.type '{kind}' is neither collection nor transaction")
    entries = [e for e in bundle.get("entry", []) if isinstance(e, dict)]
    full_urls = [str(e.get("fullUrl", "")) for e in entries]
    for url in sorted({u for u in full_urls if full_urls.count(u) > 1}):
        problems.append(f"Bundle: fullUrl '{url}' is used twice")
    resources = [e.get("resource", {}) for e in entries]
    local_ids = {f"{r.get('resourceType')}/{r.get('id')}" for r in resources}
    known = set(full_urls) | local_ids
    questionnaires = {
        str(r.get("url")): r for r in resources if r.get("resourceType") == "Questionnaire"
    }
    patients = sum(1 for r in resources if r.get("resourceType") == "Patient")
    if patients != 1:
        problems.append(f"Bundle: exactly one Patient is expected, found {patients}")
    for i, (entry, resource) in enumerate(zip(entries, resources, strict=True)):
        where = f"entry.{i}.{resource.get('resourceType')}"
        request = entry.get("request")
        if kind == "transaction":
            expected = f"{resource.get('resourceType')}/{resource.get('id')}"
            if not request or request.get("method") != "PUT" or request.get("url") != expected:
                problems.append(f"{where}.request: PUT {expected} is expected")
        elif request is not None:
            problems.append(f"{where}.request: a collection entry has no request")
        for ref in _references(resource):
            if ref not in known:
                problems.append(f"{where}: reference '{ref}' does not resolve in the Bundle")
        if resource.get("resourceType") == "QuestionnaireResponse":
            problems += _response(resource, where, questionnaires)
        else:
            problems += resource_problems(resource, where)
    return problems


def check_bundle(bundle: Json) -> None:
    """Raise :class:`InputError` with the first problem (and how many more) if any."""
    problems = bundle_problems(bundle)
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(problems[0] + more)
