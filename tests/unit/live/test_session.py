"""A live session keeps every accepted sample, refuses bad frames without a trace, and its
analysis is the batch analysis of what it saved."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from itertools import pairwise
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pyarrow as pa
import pytest
from tests.unit.live.streams import GRANT, assert_same, frames_of, start_of, stream

from spinecoach.live.frames import FrameError, SamplesFrame, decode_frame
from spinecoach.live.journal import (
    END_OF_STREAM,
    JournalInfo,
    RecordingJournal,
    _schema,
    recover_journal,
    unfinished_journals,
)
from spinecoach.live.session import FileRecordingSink, LiveSession, StreamError
from spinecoach.sensors.files import read_recording
from spinecoach.sensors.monitor import analyze
from spinecoach.sensors.recording import Recording, SensorSamples
from spinecoach.simulate.recording import SyntheticRecording, simulate_recording


def _mutate(frame: SamplesFrame, **changes: object) -> SamplesFrame:
    raw = frame.model_dump() | changes
    out = decode_frame(json.dumps(raw))
    assert isinstance(out, SamplesFrame)
    return out


def test_streamed_analysis_is_the_batch_analysis_of_the_saved_file(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    session = LiveSession(GRANT, start_of(forward_bends.recording), tmp_path)
    stream(session, forward_bends.recording)
    done = session.finish("end")
    assert done.path.name.endswith(".parquet")
    assert done.path.exists()
    assert not list(unfinished_journals(tmp_path))
    saved = read_recording(done.path)
    np.testing.assert_array_equal(saved.t, forward_bends.recording.t)
    for name in ("lumbar", "sacrum"):  # the very floats received
        np.testing.assert_array_equal(
            saved.sensors[name].gyr, forward_bends.recording.sensors[name].gyr
        )
        np.testing.assert_array_equal(
            saved.sensors[name].acc, forward_bends.recording.sensors[name].acc
        )
    assert done.analysis is not None
    assert done.analysis.reps.rep_count == 8
    assert_same(done.analysis.model_dump(), analyze(saved).model_dump())
    assert_same(done.analysis.model_dump(), analyze(forward_bends.recording).model_dump())


def test_refused_frames_leave_no_trace_and_the_stream_goes_on(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    rec = forward_bends.recording
    session = LiveSession(GRANT, start_of(rec), tmp_path)
    frames = frames_of(rec)
    reasons = []
    for i, frame in enumerate(frames):
        if i == 40:  # time stamps going backwards: the previous frame's again
            bad = _mutate(frame, t=frames[39].t)
        elif i == 41:  # a NaN sample
            lumbar = json.loads(frame.model_dump_json())["sensors"]
            lumbar["lumbar"]["acc"][3][1] = float("nan")
            bad = _mutate(frame, sensors=lumbar)
        elif i == 42:  # gyro in deg/s during a fast movement
            sensors = json.loads(frame.model_dump_json())["sensors"]
            sensors["sacrum"]["gyr"] = (np.degrees(sensors["sacrum"]["gyr"]) + 40).tolist()
            bad = _mutate(frame, sensors=sensors)
        else:
            bad = None
        if bad is not None:
            with pytest.raises(FrameError) as err:
                session.receive(bad)
            reasons.append(str(err.value))
        session.receive(frame)
    assert "time goes backwards" in reasons[0]
    assert reasons[0].startswith("frame 40: row 1001")
    assert "column lumbar_acc_y" in reasons[1]
    assert "not a finite number" in reasons[1]
    assert "column sacrum_gyr_" in reasons[2]
    assert "deg/s" in reasons[2]
    done = session.finish("end")
    assert done.refused_frames == 3
    assert done.samples == len(rec)
    assert done.analysis is not None
    assert_same(done.analysis.model_dump(), analyze(rec).model_dump())


def test_gyro_in_deg_s_that_looks_plausible_ends_the_stream_and_keeps_the_data(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    rec = forward_bends.recording
    scaled = Recording(
        rec.t,
        {n: SensorSamples(s.acc, s.gyr * 20.0) for n, s in rec.sensors.items()},
    )
    session = LiveSession(GRANT, start_of(scaled), tmp_path)
    with pytest.raises(StreamError, match="deg/s"):
        stream(session, scaled)
    kept = session.journal.samples
    done = session.finish("fault")
    assert done.ending == "fault"
    assert done.analysis is None
    assert "deg/s" in (done.problem or "")
    assert len(read_recording(done.path)) == kept > 0


def test_a_start_that_is_not_quiet_standing_is_a_fault(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    rec = forward_bends.recording
    moving = rec.slice(900, len(rec))  # starts in the middle of the bends
    moving = replace(moving, t=moving.t - moving.t[0], first_row=1)
    session = LiveSession(GRANT, start_of(moving), tmp_path)
    with pytest.raises(StreamError, match="no calibration period"):
        stream(session, moving)
    done = session.finish("fault")
    assert done.problem is not None
    assert done.path.exists()


def test_a_session_without_samples_leaves_no_file(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    session = LiveSession(GRANT, start_of(forward_bends.recording), tmp_path)
    done = session.finish("dropped")
    assert done.samples == 0
    assert not done.path.exists()
    assert list(tmp_path.rglob("*.parquet")) == []
    assert list(tmp_path.rglob("*.arrows")) == []


def test_a_killed_process_loses_at_most_the_half_written_block(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    rec = forward_bends.recording
    session = LiveSession(GRANT, start_of(rec), tmp_path)
    for frame in frames_of(rec)[:120]:  # 30 s
        session.receive(frame)
    kept = session.journal.samples
    with session.journal.partial.open("ab") as fh:  # what a kill in the middle of a write leaves
        fh.write(b"\xff\xff\xff\xff\x98\x01\x00\x00\x10\x00\x00")
    (partial,) = unfinished_journals(tmp_path)
    info, path = recover_journal(partial)
    assert info.patient_id == GRANT.patient_id
    assert info.sensors == ("lumbar", "sacrum")
    assert path is not None
    saved = read_recording(path)
    assert len(saved) == kept == 3000
    np.testing.assert_array_equal(saved.t, rec.t[:kept])


def test_file_sink_writes_the_analysis_beside_the_recording(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    session = LiveSession(GRANT, start_of(forward_bends.recording), tmp_path)
    stream(session, forward_bends.recording)
    done = session.finish("end")
    FileRecordingSink(tmp_path).recording_finished(done)
    line = json.loads((tmp_path / "finished.jsonl").read_text().splitlines()[0])
    assert line["samples"] == len(forward_bends.recording)
    assert line["ending"] == "end"
    report = json.loads(done.path.with_name(f"{done.session_id}.analysis.json").read_text())
    assert report["analysis"]["reps"]["rep_count"] == 8


def test_the_saved_file_holds_every_column_of_every_block_to_the_bit(tmp_path: Path) -> None:
    """The journal's rows become the canonical columns again, magnetometer included."""
    rec = simulate_recording("standing", seconds=12, seed=2, magnetometer=True).recording
    assert all(s.mag is not None for s in rec.sensors.values())
    session = LiveSession(GRANT, start_of(rec), tmp_path)
    stream(session, rec)
    saved = read_recording(session.finish("end").path)
    for name, s in rec.sensors.items():
        for quantity in ("acc", "gyr", "mag"):
            np.testing.assert_array_equal(
                getattr(saved.sensors[name], quantity), getattr(s, quantity)
            )


@pytest.mark.parametrize("magnetometer", [False, True])
def test_the_journal_writes_the_bytes_of_arrows_stream_writer(
    tmp_path: Path, magnetometer: bool
) -> None:
    """Blocks of several sizes (a size seen again reuses its message head), then the end:
    the partial file is what pyarrow's stream writer makes of the same rows, byte for byte."""
    rec = simulate_recording("standing", seconds=8, seed=2, magnetometer=magnetometer).recording
    info = JournalInfo("s1", "p1", "d1", 100.0, tuple(rec.sensors), magnetometer, "2026-01-01")
    journal = RecordingJournal(tmp_path, info)
    cuts = [0, 25, 50, 57, 82, 107, 108, 300, 325, len(rec)]
    blocks = [rec.slice(a, b) for a, b in pairwise(cuts)]
    for block in blocks:
        journal.append(block)
    written = journal.partial.read_bytes()
    journal._fh.close()
    schema = pa.ipc.read_schema(pa.py_buffer(journal._rows_schema.serialize()))
    sink = pa.BufferOutputStream()
    writer = pa.ipc.new_stream(sink, schema)
    for block in blocks:
        values = np.column_stack([block.columns()[c] for c in journal.schema.names])
        rows = pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), len(values[0]))
        writer.write_batch(pa.record_batch([rows], schema=schema))
    writer.close()
    expected = sink.getvalue().to_pybytes()
    assert written == expected[: -len(END_OF_STREAM)]
    assert expected.endswith(END_OF_STREAM)
    assert sorted(journal._heads) == sorted({b - a for a, b in pairwise(cuts)})


def test_a_partial_file_in_the_older_layout_still_recovers(tmp_path: Path) -> None:
    """Partial streams written one array per column (before rows) finish the same way."""
    rec = simulate_recording("standing", seconds=8, seed=2, magnetometer=True).recording
    info = JournalInfo("old", "p1", "d1", 100.0, tuple(rec.sensors), True, "2026-01-01T00:00:00")
    folder = tmp_path / "d1"
    folder.mkdir()
    (folder / "old.json").write_text(json.dumps(asdict(info)))
    schema = _schema(info)
    with pa.OSFile(str(folder / "old.partial.arrows"), "wb") as sink:
        writer = pa.ipc.new_stream(sink, schema)
        for a in range(0, len(rec), 100):
            cols = rec.slice(a, a + 100).columns()
            writer.write_batch(
                pa.record_batch([pa.array(cols[c]) for c in schema.names], schema=schema)
            )
        writer.close()
    (partial,) = unfinished_journals(tmp_path)
    _, path = recover_journal(partial)
    assert path is not None
    saved = read_recording(path)
    np.testing.assert_array_equal(saved.t, rec.t)
    np.testing.assert_array_equal(saved.sensors["sacrum"].mag, rec.sensors["sacrum"].mag)


def test_once_calibrated_each_frame_is_checked_once_and_a_refused_one_changes_nothing(
    tmp_path: Path,
) -> None:
    """The calibrated monitor's recording check is the gate: ``feed`` does not check again,
    and a frame it refuses leaves the monitor's validator as it was."""
    rec = simulate_recording("day", seconds=45, seed=5).recording
    live = LiveSession(GRANT, start_of(rec), tmp_path)
    frames = frames_of(rec)
    for f in frames[:-2]:
        live.receive(f)
    assert live.monitor.started
    validator = live.monitor.validator
    calls: list[int] = []
    real = validator.check

    def counted(block: Recording) -> object:
        calls.append(len(block))
        return real(block)

    with patch.object(validator, "check", counted):
        bad = _mutate(frames[-2], t=[frames[-2].t[0] - 1.0, *frames[-2].t[1:]])
        carried = (validator._carry.last_t, len(validator.gaps))
        with pytest.raises(FrameError, match="column t"):
            live.receive(bad)
        assert (validator._carry.last_t, len(validator.gaps)) == carried
        live.receive(frames[-2])
    assert calls == [len(frames[-2].t)] * 2  # the refused frame and the accepted one, once each
