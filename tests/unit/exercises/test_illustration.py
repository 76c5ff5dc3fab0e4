"""Stick-figure illustrations: joint geometry from a pose, and SVG for every exercise."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.errors import InputError
from spinecoach.exercises import Exercise, Pose, load_catalogue
from spinecoach.exercises.illustration import (
    SEGMENT_M,
    STEP_HEIGHT_M,
    StickFigure,
    render_pose_svg,
    render_svg,
    stick_figure,
)

SVG = "{http://www.w3.org/2000/svg}"


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _lowest(figure: StickFigure) -> float:
    body = [y for x, y in figure.points() if (x, y) != figure.head]
    return min(*body, figure.head[1] - SEGMENT_M["head_radius"])


def test_standing_figure_is_upright_on_the_floor() -> None:
    figure = stick_figure(Pose(trunk_deg=0))
    assert figure.head[1] > figure.shoulder[1] > figure.hip[1] > figure.knee[1] > figure.ankle[1]
    assert figure.ankle[1] == pytest.approx(0.0, abs=1e-9)
    assert figure.toe[0] > figure.ankle[0]  # the figure faces right
    assert figure.wrist[1] < figure.shoulder[1]


def test_lying_on_the_back_stays_low_with_the_head_left() -> None:
    figure = stick_figure(Pose(trunk_deg=-90, hip_deg=45, knee_deg=90, ground="back"))
    assert max(y for _, y in figure.points()) < 0.45
    assert figure.head[0] < figure.hip[0] < figure.knee[0]
    assert figure.knee[1] > figure.hip[1]  # knees bent up, feet on the floor


def test_quadruped_rests_on_hands_and_knees() -> None:
    figure = stick_figure(
        Pose(trunk_deg=79, hip_deg=79, knee_deg=90, shoulder_deg=79, ground="hands_knees")
    )
    assert figure.wrist[1] < 0.08
    assert figure.knee[1] < 0.08
    assert figure.hip[1] > 0.35
    assert figure.shoulder[1] > 0.35


def test_bridge_lifts_the_hips_above_the_shoulders() -> None:
    bridge = load_catalogue().get("glute_bridge")
    start, end = stick_figure(bridge.start), stick_figure(bridge.end)
    assert end.hip[1] > start.hip[1] + 0.1
    assert end.hip[1] > end.shoulder[1]


def test_bird_dog_reaches_the_other_arm_and_leg() -> None:
    figure = stick_figure(load_catalogue().get("bird_dog").end)
    assert figure.other_wrist[0] > figure.shoulder[0] + 0.4  # arm reaching forward
    assert figure.other_ankle[0] < figure.hip[0] - 0.6  # leg reaching back
    assert figure.other_ankle[1] > 0.2  # lifted off the floor
    assert figure.knee[1] < 0.08  # still kneeling on the other knee


def test_standing_on_a_step_lifts_the_figure() -> None:
    flat = stick_figure(Pose(trunk_deg=0))
    on_step = stick_figure(Pose(trunk_deg=0, ground="step"))
    assert on_step.ankle[1] == pytest.approx(STEP_HEIGHT_M)
    assert on_step.hip[1] == pytest.approx(flat.hip[1] + STEP_HEIGHT_M)


_angle = st.floats(min_value=-180, max_value=180, allow_nan=False)


_poses = st.builds(
    Pose,
    trunk_deg=_angle,
    hip_deg=_angle,
    knee_deg=st.floats(min_value=0, max_value=160),
    shoulder_deg=_angle,
    elbow_deg=st.floats(min_value=0, max_value=160),
    neck_deg=st.floats(min_value=-60, max_value=60),
    other_hip_deg=st.one_of(st.none(), _angle),
)


@settings(max_examples=150, deadline=None)
@given(pose=_poses)
def test_segments_keep_their_length_and_the_figure_touches_the_floor(pose: Pose) -> None:
    f = stick_figure(pose)
    assert _distance(f.hip, f.shoulder) == pytest.approx(SEGMENT_M["trunk"])
    assert _distance(f.hip, f.knee) == pytest.approx(SEGMENT_M["thigh"])
    assert _distance(f.knee, f.ankle) == pytest.approx(SEGMENT_M["shank"])
    assert _distance(f.other_knee, f.other_ankle) == pytest.approx(SEGMENT_M["shank"])
    assert _distance(f.shoulder, f.elbow) == pytest.approx(SEGMENT_M["upper_arm"])
    assert _distance(f.elbow, f.wrist) == pytest.approx(SEGMENT_M["forearm"])
    assert _lowest(f) == pytest.approx(0.0, abs=1e-9)
    if pose.other_hip_deg is None:
        assert f.other_knee == pytest.approx(f.knee)


def _panels(svg_text: str) -> list[ET.Element]:
    root = ET.fromstring(svg_text)
    assert root.tag == f"{SVG}svg"
    return [g for g in root.iter(f"{SVG}g") if "pose" in g.get("class", "")]


def _drawing(panel: ET.Element) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [(child.tag, tuple(sorted(child.attrib.items()))) for child in panel]


@pytest.mark.parametrize("exercise", list(load_catalogue()), ids=lambda e: e.id)
def test_every_catalogue_exercise_renders_start_and_end(exercise: Exercise) -> None:
    svg_text = render_svg(exercise)
    root = ET.fromstring(svg_text)
    assert root.findtext(f"{SVG}title") == exercise.name
    captions = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "caption"]
    assert captions == ["Start", "End"]
    start, end = _panels(svg_text)
    for panel in (start, end):
        assert len(panel.findall(f"{SVG}line")) >= 10  # floor, trunk, two arms, two legs
        assert panel.find(f"{SVG}circle[@class='head']") is not None
    assert exercise.start != exercise.end
    assert _drawing(start) != _drawing(end)


def test_props_follow_the_equipment() -> None:
    catalogue = load_catalogue()

    def classes(exercise_id: str) -> set[str]:
        root = ET.fromstring(render_svg(catalogue.get(exercise_id)))
        return {el.get("class", "") for el in root.iter()}

    assert "seat" in classes("sit_to_stand")
    assert "step" in classes("step_up")
    assert "roller" in classes("foam_roll_thoracic")
    assert not {"seat", "step", "roller"} & classes("bird_dog")


def test_one_panel_when_asked_and_bad_choice_refused() -> None:
    exercise = load_catalogue().get("prone_press_up")
    assert len(_panels(render_svg(exercise, which="start"))) == 1
    assert len(_panels(render_svg(exercise, which="end"))) == 1
    with pytest.raises(InputError, match="which must be"):
        render_svg(exercise, which="middle")  # type: ignore[arg-type]


def test_text_is_escaped_not_concatenated() -> None:
    svg_text = render_pose_svg(Pose(trunk_deg=0), title='Lift <box> & "turn"', caption="A<B")
    root = ET.fromstring(svg_text)
    assert root.findtext(f"{SVG}title") == 'Lift <box> & "turn"'
    assert "<box>" not in svg_text
