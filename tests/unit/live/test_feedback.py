"""Live feedback on simulated movement: reps counted as they happen, hold time and stillness
cues, posture alerts within a second of the threshold, lifting with a bent back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.unit.live.streams import GRANT, frames_of, start_of, stream

from spinecoach.errors import InputError
from spinecoach.exercises import load_catalogue
from spinecoach.live.feedback import (
    FeedbackEvent,
    HoldTarget,
    PostureProgress,
    RepTarget,
    posture_feedback,
    target_for_exercise,
)
from spinecoach.live.reading import MonitorReading
from spinecoach.live.session import LiveSession
from spinecoach.sensors.monitor import analyze
from spinecoach.sensors.posture import LiftingEvent, PostureAlert
from spinecoach.simulate.recording import SyntheticRecording, simulate_recording


def _events(session: LiveSession, syn: SyntheticRecording) -> list[FeedbackEvent]:
    return [e for _, events in stream(session, syn.recording) for e in events]


def _session(tmp_path: Path, syn: SyntheticRecording, target: object = None) -> LiveSession:
    extra = {"exercise": target.model_dump()} if target is not None else {}  # type: ignore[attr-defined]
    return LiveSession(GRANT, start_of(syn.recording, **extra), tmp_path)


def test_reps_of_a_set_are_counted_one_by_one(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    session = _session(tmp_path, forward_bends, RepTarget(axis="flexion", direction="flexion"))
    reps = [e for e in _events(session, forward_bends) if e.type == "rep"]
    assert [e.value for e in reps] == [float(i) for i in range(1, 9)]
    # each rep is counted when it ends, 4 s + 1 s apart as simulated
    ends = np.array([e.t_s for e in reps if e.t_s is not None])
    assert np.diff(ends)[3:] == pytest.approx(5.0, abs=0.2)
    assert session.exercise is not None
    assert session.exercise.reps_in_range == 8


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "axis", "seed"),
    [
        ("lateral-bends", "lateral", 1),
        ("rotations", "rotation", 2),
        ("forward-bends", "flexion", 5),
    ],
)
def test_live_count_equals_the_batch_count_with_varied_reps(
    tmp_path: Path, scenario: str, axis: str, seed: int
) -> None:
    syn = simulate_recording(scenario, seed=seed, jitter=0.3)
    session = _session(tmp_path, syn, RepTarget(axis=axis))  # type: ignore[arg-type]
    live = [e for e in _events(session, syn) if e.type == "rep"]
    batch = analyze(syn.recording).reps
    on_axis = sum(s.count for s in batch.sets if s.axis == axis)
    assert len(live) == on_axis
    assert abs(on_axis - syn.sets[0].reps) <= 1  # the batch's accuracy with ±30 % variation


def test_reps_past_the_range_get_a_gentle_cue(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    target = RepTarget(axis="flexion", direction="flexion", range_deg=(15.0, 30.0))
    session = _session(tmp_path, forward_bends, target)
    events = _events(session, forward_bends)
    cues = [e for e in events if e.kind == "too_far"]
    assert 4 <= len(cues) <= 8  # at most one per 5 s, the bends are 5 s apart
    assert "less far" in cues[0].message
    assert session.exercise is not None
    assert session.exercise.reps == 8
    assert session.exercise.reps_in_range == 0


def test_the_wrong_direction_is_named_and_not_counted(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    target = RepTarget(axis="flexion", direction="extension")
    session = _session(tmp_path, forward_bends, target)
    events = _events(session, forward_bends)
    assert [e.kind for e in events if e.type in {"rep", "cue"}].count("wrong_direction") == 8
    assert not [e for e in events if e.type == "rep"]


@pytest.mark.parametrize(("wobble", "cues"), [(0.3, False), (3.0, True)])
def test_hold_time_and_a_cue_when_the_back_leaves_the_band(
    tmp_path: Path, wobble: float, cues: bool
) -> None:
    syn = simulate_recording("bird-dog", seed=4, wobble_deg=wobble)
    session = _session(tmp_path, syn, HoldTarget(band_deg=3.0))
    hold_times = []
    events: list[FeedbackEvent] = []
    for frame in frames_of(syn.recording):
        events += session.receive(frame)
        view = session.state()["exercise"]
        if view["hold_s"] is not None:
            hold_times.append(view["hold_s"])
    batch = analyze(syn.recording).quality
    longest = max(h.duration_s for h in batch.holds)
    assert max(hold_times) == pytest.approx(longest, abs=0.5)
    out = [e for e in events if e.kind == "out_of_band"]
    assert bool(out) == cues
    done = [e for e in events if e.kind == "hold_done"]
    assert len(done) == batch.hold_count
    assert session.state()["exercise"]["holds"] == batch.hold_count


def test_a_sustained_slump_is_notified_within_a_second(
    tmp_path: Path, sit_stand: SyntheticRecording
) -> None:
    session = _session(tmp_path, sit_stand)
    alerts = [
        (block_end, e)
        for block_end, events in stream(session, sit_stand.recording)
        for e in events
        if e.kind == "sustained_flexion"
    ]
    assert alerts
    block_end, alert = alerts[0]
    assert alert.t_s is not None
    # the threshold is crossed 30 s after the true flexion first passes 20 deg
    truth = sit_stand.truth_deg[:, 0]
    crossing = float(sit_stand.recording.t[np.argmax(truth > 20.0)]) + 30.0
    assert alert.t_s == pytest.approx(crossing, abs=1.0)
    assert block_end - crossing <= 1.0  # sent with a block ending within a second of it


def _bend(start: float, peak: float) -> LiftingEvent:
    return LiftingEvent(start_s=start, duration_s=3.0, peak_trunk_deg=80.0, peak_flexion_deg=peak)


def _reading(
    t: float, bends: tuple[LiftingEvent, ...], alerts: tuple[PostureAlert, ...] = ()
) -> MonitorReading:
    return MonitorReading(calibrating=False, t_s=t, bends_pending=bends, alerts=alerts)


def test_a_lift_with_a_bent_back_is_notified_once_when_it_cannot_be_a_set() -> None:
    bent, hinged = _bend(100.0, 55.0), _bend(110.0, 20.0)
    p = PostureProgress()
    p, events = posture_feedback(p, _reading(115.0, (bent, hinged)))
    assert events == []  # another bend within 10 s would make it an exercise set
    p, events = posture_feedback(p, _reading(123.5, (bent, hinged)))
    assert [e.kind for e in events] == ["lifting_bent_back"]
    assert events[0].t_s == 100.0
    assert "rounded back (55°" in events[0].message
    p, events = posture_feedback(p, _reading(124.0, (bent, hinged)))
    assert events == []


def test_bends_of_an_exercise_set_are_not_lifts() -> None:
    bends = tuple(_bend(100.0 + 5 * i, 60.0) for i in range(3))
    _, events = posture_feedback(PostureProgress(), _reading(200.0, bends))
    assert events == []


def test_posture_alerts_become_notifications() -> None:
    alert = PostureAlert(t_s=40.0, kind="slouch", message="slouched sitting for 300 s")
    _, events = posture_feedback(PostureProgress(), _reading(40.2, (), (alert,)))
    assert [(e.type, e.kind, e.t_s) for e in events] == [("alert", "slouch", 40.0)]


@pytest.mark.slow
def test_lifts_in_a_streamed_day_match_the_batch_lifting_events(tmp_path: Path) -> None:
    syn = simulate_recording("day", seconds=600, seed=3)
    session = _session(tmp_path, syn)
    notices = [e for e in _events(session, syn) if e.kind == "lifting_bent_back"]
    batch = analyze(syn.recording).posture
    bent = [lift for lift in batch.lifting_events if lift.peak_flexion_deg >= 40.0]
    assert [round(e.t_s or 0.0, 2) for e in notices] == [round(b.start_s, 2) for b in bent]
    assert len(bent) == 3


def test_every_catalogue_exercise_has_a_live_target_or_a_reason() -> None:
    catalogue = load_catalogue()
    kinds = {}
    for exercise in catalogue:
        moves = exercise.loaded_directions & {"flexion", "extension", "lateral_flexion", "rotation"}
        if exercise.dose.hold_s is None and not moves:
            with pytest.raises(InputError, match=exercise.id):
                target_for_exercise(exercise)
        else:
            kinds[exercise.id] = target_for_exercise(exercise)
    assert isinstance(kinds["bird_dog_arm"], HoldTarget)
    cat_cow = kinds["cat_cow"]
    assert isinstance(cat_cow, RepTarget)
    assert cat_cow.direction is None
    press_up = kinds["prone_press_up"]
    assert isinstance(press_up, RepTarget)
    assert press_up.direction == "extension"
