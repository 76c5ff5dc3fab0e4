"""Interoperability and documents: a patient's record as FHIR R4 and as printable reports.

:class:`PatientRecord` is the input of both: the shell builds it (from files, or from the
clinic's store) and the functions here turn it into a FHIR Bundle or a report.
"""

from spinecoach.interop.record import (
    PatientRecord,
    ProgramVersion,
    SensorSummary,
    VersionStatus,
    fhir_id,
    program_versions,
)

__all__ = [
    "PatientRecord",
    "ProgramVersion",
    "SensorSummary",
    "VersionStatus",
    "fhir_id",
    "program_versions",
]
