"""FHIR JSON <-> the ``fhir.resources`` R4B models, with one-line errors naming the field.

The R4B models speak R4 JSON for every resource the export uses; they check structure
(types, cardinality, required elements); :mod:`spinecoach.interop.fhir.checks` adds meaning.
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from spinecoach.errors import InputError

__all__ = ["parse_bundle", "parse_resource", "resource_json"]


def parse_resource(raw: Any, where: str = "") -> FHIRAbstractModel:
    """Validate FHIR JSON (already parsed) against the model its ``resourceType`` names."""
    prefix = f"{where}: " if where else ""
    if not isinstance(raw, dict):
        raise InputError(f"{prefix}a FHIR resource must be a JSON object")
    kind = raw.get("resourceType")
    if not isinstance(kind, str):
        raise InputError(f"{prefix}field 'resourceType' is missing")
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        raise InputError(f"{prefix}resourceType '{kind}' is not a FHIR R4 resource") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(resource)"
        raise InputError(f"{prefix}{kind} field '{loc}': {err.get('msg', 'invalid')}") from None


def parse_bundle(raw: Any, where: str = "") -> Bundle:
    """A Bundle, validated with every resource in it."""
    bundle = parse_resource(raw, where)
    if not isinstance(bundle, Bundle):
        raise InputError(
            f"{where or 'document'}: a Bundle is expected, not {bundle.get_resource_type()}"
        )
    return bundle


def resource_json(resource: FHIRAbstractModel) -> dict[str, Any]:
    """The resource as FHIR JSON (plain dicts and lists)."""
    data: dict[str, Any] = json.loads(resource.model_dump_json())
    return data
