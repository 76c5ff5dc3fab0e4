"""A patient's record as a FHIR R4 Bundle (collection, or a transaction a FHIR server loads).

Resources: Organization (the clinic), Patient, Questionnaire + QuestionnaireResponse per
instrument filled in at intake, Observation per score and per objective measure (endurance,
range of motion, sway, posture time in zones, adherence), the pain around each logged session
(before, after and the next-morning check-in), Condition for the episode, Flag per
red flag, and per program version a CarePlan with one ServiceRequest per exercise and the
patient's Goals, following the HL7 Physical Activity IG's pattern (ServiceRequest coded
exercise therapy, based on the CarePlan, pertaining to the Goals), without claiming its
US Core profiles. Ids are UUIDs derived from the record id, so an export is reproducible
and a re-import into a FHIR server updates rather than duplicates.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from fhir.resources.R4B.bundle import Bundle

from spinecoach.clinical.assessment import Scores
from spinecoach.clinical.intake import Questionnaires
from spinecoach.exercises import Catalogue
from spinecoach.interop.fhir.checks import check_bundle
from spinecoach.interop.fhir.codes import (
    CONDITION_CODE,
    EXERCISE_THERAPY,
    EXERCISES,
    LOCAL_CODES,
    LOINC_CODES,
    OBSERVATION_CATEGORY,
    PA_CATEGORY,
    PATIENT_IDS,
    START_BACK_RISK_ANSWERS,
    UCUM,
    Code,
)
from spinecoach.interop.fhir.forms import FORMS
from spinecoach.interop.fhir.resources import parse_bundle
from spinecoach.interop.record import PatientRecord, ProgramVersion
from spinecoach.outcomes.adherence import summarize_adherence
from spinecoach.prescription.handout import dose_in_words
from spinecoach.prescription.program import ProgramExercise

__all__ = ["BundleKind", "export_bundle", "response_items"]

BundleKind = Literal["collection", "transaction"]

_NAMESPACE = uuid.UUID("6f1d3f5e-2b8c-5d49-9a52-0c1f3e7b9a11")
"""UUID namespace of spinecoach exports (fixed, so ids are reproducible)."""

_CARE_PLAN_STATUS = {
    "approved": "active",
    "proposed": "draft",
    "rejected": "revoked",
    "superseded": "completed",
}
_GENDER = {"female": "female", "male": "male", "other": "other"}

# measure -> (code, UCUM unit, category) for timeline and intake measures
_MEASURES: dict[str, tuple[Code, str, str]] = {
    "odi": (LOINC_CODES["odi.score"], "%", "survey"),
    "rmdq": (LOCAL_CODES["rmdq.score"], "{score}", "survey"),
    "nprs": (LOINC_CODES["nprs"], "{score}", "survey"),
    "psfs": (LOCAL_CODES["psfs.mean"], "{score}", "survey"),
    "fabq_pa": (LOCAL_CODES["fabq.physical_activity"], "{score}", "survey"),
    "fabq_w": (LOCAL_CODES["fabq.work"], "{score}", "survey"),
    "flexor_s": (LOCAL_CODES["endurance.flexor"], "s", "exam"),
    "extensor_s": (LOCAL_CODES["endurance.extensor"], "s", "exam"),
    "side_bridge_right_s": (LOCAL_CODES["endurance.side_bridge_right"], "s", "exam"),
    "side_bridge_left_s": (LOCAL_CODES["endurance.side_bridge_left"], "s", "exam"),
    "flexion_rom_deg": (LOCAL_CODES["rom.flexion"], "deg", "exam"),
    "extension_rom_deg": (LOCAL_CODES["rom.extension"], "deg", "exam"),
    "sway": (LOCAL_CODES["sway"], "{index}", "exam"),
}


def _coding(code: Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def _concept(*codes: Code, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(c) for c in codes]}
    if text:
        concept["text"] = text
    return concept


def _quantity(value: float, unit: str) -> dict[str, Any]:
    number: float | int = int(value) if float(value).is_integer() else round(value, 2)
    return {"value": number, "unit": unit, "system": UCUM, "code": unit}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


class _Bundler:
    """Collects resources with reproducible ids; references are ``urn:uuid:`` full URLs."""

    def __init__(self, record: PatientRecord) -> None:
        self.record = record
        self.entries: list[tuple[str, dict[str, Any]]] = []
        self.patient = self.add("Patient", "patient", {}, resource_id=record.record_id)

    def uid(self, key: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.record.record_id}/{key}"))

    def add(
        self, kind: str, key: str, body: dict[str, Any], *, resource_id: str | None = None
    ) -> str:
        """Add a resource; returns the reference other resources use for it."""
        full_url = f"urn:uuid:{self.uid(key)}"
        resource = {"resourceType": kind, "id": resource_id or self.uid(key), **body}
        self.entries.append((full_url, resource))
        return full_url

    def replace_patient(self, body: dict[str, Any]) -> None:
        full_url, resource = self.entries[0]
        self.entries[0] = (full_url, {**resource, **body})


def _patient(b: _Bundler, organization: str) -> None:
    r = b.record
    body: dict[str, Any] = {
        "identifier": [{"system": PATIENT_IDS, "value": r.intake.patient.id}],
        "active": True,
        "gender": _GENDER[r.intake.patient.sex],
        "managingOrganization": {"reference": organization, "display": r.clinic_name},
    }
    if r.name:
        body["name"] = [{"text": r.name}]
    if r.birth_date:
        body["birthDate"] = r.birth_date.isoformat()
    b.replace_patient(body)


def _questionnaire(b: _Bundler, key: str) -> str:
    form = FORMS[key]
    items: list[dict[str, Any]] = []
    for item in form.items:
        entry: dict[str, Any] = {
            "linkId": item.link_id,
            "text": item.text,
            "type": "integer",
            "required": False,
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/minValue",
                    "valueInteger": item.low,
                },
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                    "valueInteger": item.high,
                },
            ],
        }
        if item.code is not None:
            entry["code"] = [_coding(item.code)]
        if key == "psfs":
            entry = {
                "linkId": item.link_id,
                "text": item.text,
                "type": "group",
                "required": False,
                "item": [
                    {"linkId": f"{item.link_id}.activity", "text": "Activity", "type": "string"},
                    {**entry, "linkId": f"{item.link_id}.score", "text": "Rating"},
                ],
            }
        items.append(entry)
    return b.add(
        "Questionnaire",
        f"questionnaire/{key}",
        {
            "url": form.url,
            "name": key.replace("_", "").upper(),
            "title": form.title,
            "status": "active",
            "subjectType": ["Patient"],
            "code": [_coding(form.panel)],
            "item": items,
        },
    )


def response_items(q: Questionnaires, key: str) -> list[dict[str, Any]]:
    """The QuestionnaireResponse items of one instrument's answers (skipped items left out)."""
    form = FORMS[key]
    if key == "psfs":
        return [
            {
                "linkId": item.link_id,
                "item": [
                    {"linkId": f"{item.link_id}.activity", "answer": [{"valueString": a.activity}]},
                    {"linkId": f"{item.link_id}.score", "answer": [{"valueInteger": a.score}]},
                ],
            }
            for item, a in zip(form.items, q.psfs or [], strict=False)
        ]
    raw = getattr(q, key)
    values: list[int | None] = [raw] if key == "nprs" else list(raw)
    return [
        {"linkId": item.link_id, "answer": [{"valueInteger": value}]}
        for item, value in zip(form.items, values, strict=True)
        if value is not None
    ]


def _observation(
    b: _Bundler,
    key: str,
    code: Code,
    category: str,
    effective: dt.date | tuple[dt.date, dt.date],
    *,
    value: dict[str, Any],
    derived_from: str | None = None,
    **extra: Any,
) -> str:
    when: dict[str, Any] = (
        {"effectivePeriod": {"start": effective[0].isoformat(), "end": effective[1].isoformat()}}
        if isinstance(effective, tuple)
        else {"effectiveDateTime": effective.isoformat()}
    )
    body: dict[str, Any] = {
        "status": "final",
        "category": _category(category),
        "code": _concept(code, text=code.display),
        "subject": {"reference": b.patient},
        **when,
        **value,
        **extra,
    }
    if derived_from:
        body["derivedFrom"] = [{"reference": derived_from}]
    return b.add("Observation", f"observation/{key}", body)


def _intake_scores(b: _Bundler) -> set[tuple[dt.date, str]]:
    """QuestionnaireResponse + score Observations per instrument filled in at intake."""
    r = b.record
    q = r.intake.questionnaires
    scores = r.assessment.scores
    when = r.intake_date
    done: set[tuple[dt.date, str]] = set()
    for key in FORMS:
        if getattr(q, key) in (None, []):
            continue
        questionnaire = _questionnaire(b, key)
        response = b.add(
            "QuestionnaireResponse",
            f"response/{key}/{when}",
            {
                "questionnaire": FORMS[key].url,
                "status": "completed",
                "subject": {"reference": b.patient},
                "authored": when.isoformat(),
                "item": response_items(q, key),
            },
        )
        del questionnaire  # referenced through its canonical URL
        obs = f"{key}/{when}"
        for sub, measure, value in _score_values(key, scores):
            code, unit, category = _MEASURES.get(measure, (None, "{score}", "survey"))
            if measure == "start_back.risk":
                body = {"valueCodeableConcept": _concept(START_BACK_RISK_ANSWERS[str(value)])}
            else:
                body = {"valueQuantity": _quantity(float(value), unit)}
            _observation(
                b,
                f"{obs}{sub}",
                code or LOINC_CODES[measure],
                category,
                when,
                value=body,
                derived_from=response,
            )
            done.add((when, measure))
    return done


def _score_values(key: str, scores: Scores) -> list[tuple[str, str, float | str]]:
    """(key suffix, measure, value) of each score Observation of one instrument."""
    sb, odi, rmdq, psfs, fabq = scores.start_back, scores.odi, scores.rmdq, scores.psfs, scores.fabq
    if key == "start_back" and sb is not None:
        return [
            ("/total", "start_back.total", sb.total),
            ("/psychosocial", "start_back.psychosocial", sb.psychosocial),
            ("/risk", "start_back.risk", sb.stratum),
        ]
    if key == "odi" and odi is not None:
        return [("", "odi", odi.percent)]
    if key == "rmdq" and rmdq is not None:
        return [("", "rmdq", rmdq.score)]
    if key == "nprs" and scores.nprs is not None:
        return [("", "nprs", scores.nprs)]
    if key == "psfs" and psfs is not None:
        return [("", "psfs", psfs.mean)]
    if key == "fabq" and fabq is not None:
        return [("/pa", "fabq_pa", fabq.physical_activity), ("/w", "fabq_w", fabq.work)]
    return []


def _measures(b: _Bundler, done: set[tuple[dt.date, str]]) -> None:
    """Endurance at intake, then every timeline measurement not already exported."""
    r = b.record
    holds = {k: v for k, v in r.intake.endurance.model_dump().items() if v is not None}
    rows: list[tuple[dt.date, Mapping[str, float]]] = [(r.intake_date, holds)]
    if r.timeline is not None:
        rows += [(m.date, m.values()) for m in r.timeline.measurements]
    for when, values in rows:
        for measure, value in values.items():
            if (when, measure) in done or measure not in _MEASURES:
                continue
            code, unit, category = _MEASURES[measure]
            _observation(
                b,
                f"{measure}/{when}",
                code,
                category,
                when,
                value={"valueQuantity": _quantity(value, unit)},
            )
            done.add((when, measure))


def _sensors(b: _Bundler) -> None:
    for i, s in enumerate(b.record.sensors):
        key = f"sensors/{s.date}/{i}"
        if s.time_in_zones_s:
            components = [
                {
                    "code": _concept(LOCAL_CODES[f"posture.{zone}"]),
                    "valueQuantity": _quantity(seconds, "s"),
                }
                for zone, seconds in s.time_in_zones_s.items()
                if f"posture.{zone}" in LOCAL_CODES
            ]
            _observation(
                b,
                f"{key}/posture",
                LOCAL_CODES["posture.time_in_zones"],
                "activity",
                s.date,
                value={"component": components},
                note=[{"text": f"recording {s.recording or 'unnamed'}, {s.duration_s:g} s"}],
            )
        for direction, degrees in s.rom_deg.items():
            local = f"rom.{direction}"
            if local in LOCAL_CODES:
                _observation(
                    b,
                    f"{key}/rom/{direction}",
                    LOCAL_CODES[local],
                    "exam",
                    s.date,
                    value={"valueQuantity": _quantity(degrees, "deg")},
                )
        if s.sway_mean_velocity_deg_s is not None:
            _observation(
                b,
                f"{key}/sway",
                LOCAL_CODES["sway.mean_velocity"],
                "exam",
                s.date,
                value={"valueQuantity": _quantity(s.sway_mean_velocity_deg_s, "deg/s")},
            )


def _session_pain(b: _Bundler) -> None:
    """One Observation per logged session: pain before, after and on the next morning."""
    for log in b.record.sessions:
        for i, session in enumerate(log.sessions):
            parts = [
                ("session.pain_before", session.pain_before),
                ("session.pain_after", session.pain_after),
                ("session.next_morning_pain", session.next_morning_pain),
            ]
            components = [
                {"code": _concept(LOCAL_CODES[key]), "valueQuantity": _quantity(v, "{score}")}
                for key, v in parts
                if v is not None
            ]
            _observation(
                b,
                f"session/{log.program_version}/{i}",
                LOCAL_CODES["session.pain"],
                "activity",
                session.date,
                value={"component": components},
            )


def _adherence(b: _Bundler) -> None:
    timeline = b.record.timeline
    if timeline is None or not timeline.adherence:
        return
    for week in timeline.adherence:
        if week.ratio is None:
            continue
        end = week.start + dt.timedelta(days=6)
        _observation(
            b,
            f"adherence/week/{week.week}",
            LOCAL_CODES["adherence.week"],
            "activity",
            (week.start, end),
            value={"valueQuantity": _quantity(100 * min(week.ratio, 1.0), "%")},
        )
    summary = summarize_adherence(timeline.adherence)
    if summary.overall is not None:
        first, last = timeline.adherence[0], timeline.adherence[-1]
        _observation(
            b,
            "adherence/overall",
            LOCAL_CODES["adherence.overall"],
            "activity",
            (first.start, last.start + dt.timedelta(days=6)),
            value={"valueQuantity": _quantity(100 * summary.overall, "%")},
        )


def _condition(b: _Bundler) -> None:
    r = b.record
    a = r.assessment
    body: dict[str, Any] = {
        "clinicalStatus": _concept(
            Code("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active")
        ),
        "verificationStatus": _concept(
            Code(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                "confirmed",
                "Confirmed",
            )
        ),
        "category": [
            _concept(
                Code(
                    "http://terminology.hl7.org/CodeSystem/condition-category",
                    "problem-list-item",
                    "Problem List Item",
                )
            )
        ],
        "code": _concept(CONDITION_CODE, text="Low back pain episode"),
        "subject": {"reference": b.patient},
        "recordedDate": r.intake_date.isoformat(),
    }
    days = r.intake.findings.symptom_duration_days
    if days is not None:
        body["onsetDateTime"] = (r.intake_date - dt.timedelta(days=days)).isoformat()
    notes = [f.text for f in a.findings if f.rule.startswith(("startback", "movement"))]
    if notes:
        body["note"] = [{"text": n} for n in notes[:6]]
    b.add("Condition", "condition/episode", body)


def _flags(b: _Bundler) -> None:
    r = b.record
    raised: list[tuple[str, dt.date]] = [(h.id, r.intake_date) for h in r.assessment.red_flags.hits]
    for log in r.sessions:
        for session in log.sessions:
            raised += [(flag, session.date) for flag in session.red_flags]
    seen: set[str] = set()
    for flag_id, when in raised:
        if flag_id in seen:
            continue
        seen.add(flag_id)
        code = LOCAL_CODES[f"red_flag.{flag_id}"]
        b.add(
            "Flag",
            f"flag/{flag_id}",
            {
                "status": "active",
                "category": [
                    _concept(
                        Code(
                            "http://terminology.hl7.org/CodeSystem/flag-category",
                            "clinical",
                            "Clinical",
                        )
                    )
                ],
                "code": _concept(code, text=f"Red flag: {code.display}"),
                "subject": {"reference": b.patient},
                "period": {"start": when.isoformat()},
            },
        )


def _goals(b: _Bundler) -> list[str]:
    r = b.record
    start = r.intake_date.isoformat()
    goals: list[str] = []
    for i, text in enumerate(r.intake.patient.goals):
        goals.append(
            b.add(
                "Goal",
                f"goal/patient/{i}",
                {
                    "lifecycleStatus": "active",
                    "description": {"text": text},
                    "subject": {"reference": b.patient},
                    "startDate": start,
                    "expressedBy": {"reference": b.patient},
                },
            )
        )
    scores = r.assessment.scores
    targets: list[tuple[str, Code, float, str, str]] = []
    if scores.odi is not None:  # MCID 10 points (Ostelo et al., Spine 2008)
        targets.append(
            (
                "odi",
                LOINC_CODES["odi.score"],
                max(scores.odi.percent - 10, 0),
                "%",
                "Disability (ODI) down by at least its MCID of 10 points",
            )
        )
    if scores.nprs is not None and scores.nprs >= 2:  # MCID 2 points (Ostelo et al., Spine 2008)
        targets.append(
            (
                "nprs",
                LOINC_CODES["nprs"],
                scores.nprs - 2,
                "{score}",
                "Pain (NPRS) down by at least its MCID of 2 points",
            )
        )
    for key, code, value, unit, text in targets:
        goals.append(
            b.add(
                "Goal",
                f"goal/{key}",
                {
                    "lifecycleStatus": "active",
                    "description": {"text": text},
                    "subject": {"reference": b.patient},
                    "startDate": start,
                    "target": [
                        {
                            "measure": _concept(code),
                            "detailQuantity": {**_quantity(value, unit), "comparator": "<="},
                        }
                    ],
                },
            )
        )
    return goals


def _instruction(item: ProgramExercise, catalogue: Catalogue) -> str:
    parts = [f"{item.name}: {dose_in_words(item.dose)}."]
    if item.id in catalogue:
        parts.append("How: " + " ".join(catalogue.get(item.id).instructions))
    parts.append(f"Why: {item.education}")
    return " ".join(parts)


def _care_plan(
    b: _Bundler,
    version: ProgramVersion,
    goals: list[str],
    previous: str | None,
    catalogue: Catalogue,
) -> str:
    program = version.program
    status = _CARE_PLAN_STATUS[version.status]
    key = f"careplan/{program.version}"
    care_plan = f"urn:uuid:{b.uid(key)}"
    period: dict[str, str] = {"start": version.created.isoformat()}
    if version.ends is not None:
        period["end"] = version.ends.isoformat()
    requests: list[str] = []
    sr_status = {"active": "active", "draft": "draft", "revoked": "revoked"}.get(
        status, "completed"
    )
    for item in program.exercises:
        body: dict[str, Any] = {
            "status": sr_status,
            "intent": "order",
            "category": [_concept(PA_CATEGORY)],
            "code": _concept(EXERCISE_THERAPY, Code(EXERCISES, item.id, item.name), text=item.name),
            "subject": {"reference": b.patient},
            "basedOn": [{"reference": care_plan}],
            "authoredOn": version.created.isoformat(),
            "occurrenceTiming": {
                "repeat": {
                    "boundsPeriod": period,
                    "frequency": program.sessions_per_week,
                    "period": 1,
                    "periodUnit": "wk",
                }
            },
            "orderDetail": [{"text": dose_in_words(item.dose)}],
            "patientInstruction": _instruction(item, catalogue),
            "note": [{"text": f"{r.text} [{r.rule}]"} for r in item.reasons],
        }
        if goals:
            body["extension"] = [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal",
                    "valueReference": {"reference": g},
                }
                for g in goals
            ]
        requests.append(b.add("ServiceRequest", f"{key}/exercise/{item.id}", body))
    description = (
        f"Version {program.version}: phase {program.phase}, {program.care_pathway.replace('_', ' ')}"
        f", {program.sessions_per_week} sessions a week of about {program.minutes_per_session} min"
    )
    if program.status == "referral" and program.referral is not None:
        description = f"Version {program.version}: no exercise; {program.referral.patient_action}"
    body = {
        "status": status,
        "intent": "plan",
        "category": [_concept(PA_CATEGORY)],
        "title": f"Exercise program, version {program.version}",
        "description": description,
        "subject": {"reference": b.patient},
        "period": period,
        "created": version.created.isoformat(),
        "goal": [{"reference": g} for g in goals],
        "activity": [{"reference": {"reference": r}} for r in requests],
    }
    if previous is not None:
        body["replaces"] = [{"reference": previous}]
    if program.approved_by:
        body["note"] = [{"text": f"Approved by {program.approved_by}"}]
    return b.add("CarePlan", key, body)


def export_bundle(
    record: PatientRecord, catalogue: Catalogue, kind: BundleKind = "collection"
) -> Bundle:
    """The record as a validated FHIR Bundle; our semantic checks run before it is returned."""
    b = _Bundler(record)
    organization = b.add(
        "Organization", "organization", {"active": True, "name": record.clinic_name}
    )
    _patient(b, organization)
    done = _intake_scores(b)
    _measures(b, done)
    _sensors(b)
    _adherence(b)
    _session_pain(b)
    _condition(b)
    _flags(b)
    goals = _goals(b)
    previous: str | None = None
    for version in record.programs:
        previous = _care_plan(b, version, goals, previous, catalogue)
    entries: list[dict[str, Any]] = []
    for full_url, resource in b.entries:
        entry: dict[str, Any] = {"fullUrl": full_url, "resource": resource}
        if kind == "transaction":
            entry["request"] = {
                "method": "PUT",
                "url": f"{resource['resourceType']}/{resource['id']}",
            }
        entries.append(entry)
    raw = {
        "resourceType": "Bundle",
        "id": b.uid(f"bundle/{kind}"),
        "type": kind,
        "timestamp": dt.datetime.combine(record.as_of, dt.time(0, 0), dt.UTC).isoformat(),
        "entry": entries,
    }
    check_bundle(raw)
    return parse_bundle(raw)
