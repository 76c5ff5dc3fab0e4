"""PatientRecord: consistency checks, the current version, posture by day; public names."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import spinecoach.interop
import spinecoach.interop.fhir
import spinecoach.interop.reports
from spinecoach.documents import load_document
from spinecoach.errors import InputError
from spinecoach.interop import PatientRecord, ProgramVersion, fhir_id, program_versions
from spinecoach.prescription.program import Program
from spinecoach.sessions import SessionLog

from .conftest import EXAMPLES, START


def test_public_names() -> None:
    assert set(spinecoach.interop.__all__) == {
        "PatientRecord",
        "ProgramVersion",
        "SensorSummary",
        "VersionStatus",
        "fhir_id",
        "program_versions",
    }
    assert set(spinecoach.interop.fhir.__all__) == {
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
    }
    assert set(spinecoach.interop.reports.__all__) == {
        "PdfUnavailableError",
        "Report",
        "ReportKind",
        "build_report",
        "pdf_available",
        "render_html",
        "render_pdf",
        "report_html",
        "report_pdf",
    }


def test_record_id_becomes_a_fhir_id() -> None:
    assert fhir_id("desk_worker.2") == "desk-worker.2"
    with pytest.raises(InputError, match="record_id 'a b'"):
        fhir_id("a b")
    with pytest.raises(InputError, match="record_id"):
        fhir_id("x" * 65)


def test_documents_of_another_patient_are_refused(record: PatientRecord) -> None:
    runner = load_document(EXAMPLES / "runner.program.json", Program)
    with pytest.raises(InputError, match=r"programs\.0\.patient_id 'runner'"):
        dataclasses.replace(record, programs=program_versions([runner], START))
    log = SessionLog(patient_id="someone-else", program_version=1)
    with pytest.raises(InputError, match=r"sessions\.0\.patient_id 'someone-else'"):
        dataclasses.replace(record, sessions=(log,))
    with pytest.raises(InputError, match="clinic_name"):
        dataclasses.replace(record, clinic_name="  ")


def test_current_program_is_the_last_approved(record: PatientRecord) -> None:
    program = record.programs[0].program
    second = program.model_copy(update={"version": 2})
    versions = (
        ProgramVersion(program, "approved", START, START),
        ProgramVersion(second, "proposed", START + dt.timedelta(days=28)),
    )
    current = dataclasses.replace(record, programs=versions).current_program
    assert current is not None
    assert current.program.version == 1
    listed = program_versions([program, second], START)
    assert [v.status for v in listed] == ["superseded", "approved"]
    assert listed[0].ends == listed[1].created


def test_posture_by_day_sums_recordings_of_a_day(record: PatientRecord) -> None:
    day = record.sensors[0]
    twice = dataclasses.replace(record, sensors=(day, day))
    ((date, zones),) = twice.posture_by_day()
    assert date == day.date
    assert zones["neutral"] == 2 * day.time_in_zones_s["neutral"]


def test_sensor_summary_from_an_analysis_of_a_synthetic_day() -> None:
    from spinecoach.interop import SensorSummary
    from spinecoach.sensors import analyze
    from spinecoach.simulate.recording import simulate_recording
    from spinecoach.web.charts import downsample_trace

    synthetic = simulate_recording("forward-bends", seed=11)
    analysis = analyze(synthetic.recording)
    t = synthetic.recording.t
    trace = downsample_trace(list(t), list(synthetic.truth_deg[:, 0]), max_points=200)
    summary = SensorSummary.from_analysis(analysis, dt.date(2026, 1, 12), "bends.csv", trace)
    assert summary.duration_s == analysis.duration_s
    assert summary.time_in_zones_s == analysis.posture.time_in_zones_s
    assert set(summary.rom_deg) == {"flexion", "extension"}
    assert summary.rom_deg["flexion"] == analysis.rom_deg["flexion"] > 20
    assert 0 < len(summary.lumbar_flexion_trace) <= 200
