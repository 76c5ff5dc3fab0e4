"""FHIR R4 (R4B models): export a patient's record as a Bundle, import questionnaire responses."""

from spinecoach.interop.fhir.checks import bundle_problems, check_bundle, resource_problems
from spinecoach.interop.fhir.export import BundleKind, export_bundle
from spinecoach.interop.fhir.importing import ImportedResponse, import_questionnaire_response
from spinecoach.interop.fhir.resources import parse_bundle, parse_resource, resource_json

__all__ = [
    "BundleKind",
    "ImportedResponse",
    "bundle_problems",
    "check_bundle",
    "export_bundle",
    "import_questionnaire_response",
    "parse_bundle",
    "parse_resource",
    "resource_json",
    "resource_problems",
]
