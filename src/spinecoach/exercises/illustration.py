"""Side-view stick figures of an exercise's start and end positions, drawn as SVG.

Pure: a :class:`~spinecoach.exercises.model.Pose` (joint angles) becomes 2-D joint positions
(:func:`stick_figure`), and :func:`render_svg` draws start and end side by side with captions.
Patients look before they read, so every catalogue entry can be drawn.

Angle conventions (degrees; the figure faces right, y points up):

- ``trunk_deg``: trunk (hip to shoulder) from vertical, leaning forward when positive;
  +90 lies face down with the head to the right, -90 lies on the back with the head left.
- ``hip_deg`` / ``shoulder_deg``: flexion from the limb hanging in line with the trunk
  (0) toward the front (90 thigh or arm at a right angle, 180 arm overhead); negative is
  extension behind the body.
- ``knee_deg`` / ``elbow_deg``: flexion from straight (0); ``neck_deg``: chin toward chest.
- ``other_*``: the second leg or arm, drawn behind in a lighter line, when it differs.
- ``ground``: what rests on the floor; ``seat`` draws a stool under the hips, ``step``
  stands the lowest foot on a step (and a step is drawn under any raised foot of a drill
  that uses one). Side-lying
  drills are drawn as seen from in front, so a side bridge reads like a plank on one forearm.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final, Literal

from spinecoach.errors import InputError
from spinecoach.exercises.model import Exercise, Pose

__all__ = [
    "SEGMENT_M",
    "STEP_HEIGHT_M",
    "Point",
    "StickFigure",
    "render_pose_svg",
    "render_svg",
    "stick_figure",
]

Point = tuple[float, float]
"""(x, y) in metres; x toward the figure's front, y up, the floor at y = 0."""

SEGMENT_M: Final[dict[str, float]] = {
    "trunk": 0.52,
    "neck": 0.06,
    "head_radius": 0.1,
    "upper_arm": 0.28,
    "forearm": 0.26,
    "thigh": 0.44,
    "shank": 0.42,
    "foot": 0.12,
}
"""Segment lengths of a person about 1.7 m tall (drawing proportions, not anthropometry)."""

STEP_HEIGHT_M: Final[float] = 0.2
"""Height of the step drawn under a figure whose pose stands on one (``ground: step``)."""

_SVG_NS: Final = "http://www.w3.org/2000/svg"
_PANEL_PX: Final = 240
_CAPTION_PX: Final = 28
_TITLE_PX: Final = 30
_SCALE_PX_PER_M: Final = 105
_NEAR: Final = "#1f4e79"
_FAR: Final = "#9db3c8"
_PROP: Final = "#8c8c8c"


@dataclass(frozen=True)
class StickFigure:
    """Joint positions of one pose, standing on (or lying on) the floor at y = 0."""

    hip: Point
    shoulder: Point
    neck: Point
    head: Point
    knee: Point
    ankle: Point
    toe: Point
    elbow: Point
    wrist: Point
    other_knee: Point
    other_ankle: Point
    other_toe: Point
    other_elbow: Point
    other_wrist: Point
    seated: bool
    on_step: bool = False

    def points(self) -> list[Point]:
        """Every joint position (the head as its centre)."""
        return [
            self.hip, self.shoulder, self.neck, self.head, self.knee, self.ankle, self.toe,
            self.elbow, self.wrist, self.other_knee, self.other_ankle, self.other_toe,
            self.other_elbow, self.other_wrist,
        ]  # fmt: skip


def _unit(angle_deg: float) -> Point:
    """Unit vector at ``angle_deg`` clockwise from straight up."""
    rad = math.radians(angle_deg)
    return (math.sin(rad), math.cos(rad))


def _turn(vector: Point, toward: Point, angle_deg: float) -> Point:
    """``vector`` rotated by ``angle_deg`` toward its perpendicular ``toward``."""
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return (vector[0] * c + toward[0] * s, vector[1] * c + toward[1] * s)


def _ccw(v: Point) -> Point:
    return (-v[1], v[0])


def _cw(v: Point) -> Point:
    return (v[1], -v[0])


def _step(start: Point, direction: Point, length: float) -> Point:
    return (start[0] + direction[0] * length, start[1] + direction[1] * length)


def _neg(v: Point) -> Point:
    return (-v[0], -v[1])


def _leg(
    hip: Point, trunk: Point, front: Point, angles: tuple[float, float], pointed: bool
) -> list[Point]:
    """Knee, ankle and toe; ``pointed`` toes continue the shank (kneeling, lying face down)."""
    hip_deg, knee_deg = angles
    thigh = _turn(_neg(trunk), front, hip_deg)
    knee = _step(hip, thigh, SEGMENT_M["thigh"])
    shank = _turn(thigh, _neg(_ccw(thigh)), knee_deg)
    ankle = _step(knee, shank, SEGMENT_M["shank"])
    foot = shank if pointed else _ccw(shank)
    if not pointed and shank[1] < -0.5:  # foot on the floor: lay it flat
        foot = (math.copysign(1.0, foot[0]), 0.0)
    return [knee, ankle, _step(ankle, foot, SEGMENT_M["foot"] * (0.6 if pointed else 1.0))]


def _arm(
    shoulder: Point, trunk: Point, front: Point, shoulder_deg: float, elbow_deg: float
) -> list[Point]:
    upper = _turn(_neg(trunk), front, shoulder_deg)
    elbow = _step(shoulder, upper, SEGMENT_M["upper_arm"])
    forearm = _turn(upper, _ccw(upper), elbow_deg)
    return [elbow, _step(elbow, forearm, SEGMENT_M["forearm"])]


def stick_figure(pose: Pose) -> StickFigure:
    """Joint positions for ``pose``, shifted so the lowest point touches the floor."""
    trunk = _unit(pose.trunk_deg)
    front = _cw(trunk)
    hip: Point = (0.0, 0.0)
    shoulder = _step(hip, trunk, SEGMENT_M["trunk"])
    neck = _step(shoulder, trunk, SEGMENT_M["neck"])
    head = _step(neck, _turn(trunk, front, pose.neck_deg), SEGMENT_M["head_radius"])
    pointed = pose.ground in ("hands_knees", "front")
    leg = _leg(hip, trunk, front, (pose.hip_deg, pose.knee_deg), pointed)
    other_angles = (
        pose.hip_deg if pose.other_hip_deg is None else pose.other_hip_deg,
        pose.knee_deg if pose.other_knee_deg is None else pose.other_knee_deg,
    )
    other_leg = _leg(hip, trunk, front, other_angles, pointed)
    arm = _arm(shoulder, trunk, front, pose.shoulder_deg, pose.elbow_deg)
    other_arm = _arm(
        shoulder,
        trunk,
        front,
        pose.shoulder_deg if pose.other_shoulder_deg is None else pose.other_shoulder_deg,
        pose.elbow_deg if pose.other_elbow_deg is None else pose.other_elbow_deg,
    )
    joints = [hip, shoulder, neck, head, *leg, *arm, *other_leg, *other_arm]
    body = [p for i, p in enumerate(joints) if i != 3]  # every joint but the head centre
    floor = min(*(y for _, y in body), head[1] - SEGMENT_M["head_radius"])
    if pose.ground == "step":  # standing on a step: the lowest foot is on its top
        floor -= STEP_HEIGHT_M
    lifted = [(x, y - floor) for x, y in joints]
    return StickFigure(
        hip=lifted[0], shoulder=lifted[1], neck=lifted[2], head=lifted[3],
        knee=lifted[4], ankle=lifted[5], toe=lifted[6], elbow=lifted[7], wrist=lifted[8],
        other_knee=lifted[9], other_ankle=lifted[10], other_toe=lifted[11],
        other_elbow=lifted[12], other_wrist=lifted[13], seated=pose.ground == "seat",
        on_step=pose.ground == "step",
    )  # fmt: skip


# --- SVG --------------------------------------------------------------------------------


def _bounds(figure: StickFigure) -> tuple[float, float, float, float]:
    r = SEGMENT_M["head_radius"]
    xs = [x for x, _ in figure.points()] + [figure.head[0] - r, figure.head[0] + r]
    ys = [y for _, y in figure.points()] + [figure.head[1] + r, 0.0]
    return min(xs), min(ys), max(xs), max(ys)


def _line(parent: ET.Element, a: Point, b: Point, colour: str, width: float) -> None:
    ET.SubElement(
        parent,
        "line",
        {
            "x1": f"{a[0]:.3f}", "y1": f"{-a[1]:.3f}", "x2": f"{b[0]:.3f}", "y2": f"{-b[1]:.3f}",
            "stroke": colour, "stroke-width": f"{width:.3f}", "stroke-linecap": "round",
        },
    )  # fmt: skip


def _chain(parent: ET.Element, points: list[Point], colour: str, width: float) -> None:
    for a, b in itertools.pairwise(points):
        _line(parent, a, b, colour, width)


def _draw_steps(parent: ET.Element, figure: StickFigure) -> None:
    """A step under the standing foot (``ground: step``), else under any foot off the floor."""
    feet = [(figure.ankle, figure.toe), (figure.other_ankle, figure.other_toe)]
    if figure.on_step:
        feet = [min(feet, key=lambda foot: min(foot[0][1], foot[1][1]))]
    for ankle, toe in feet:
        height = min(ankle[1], toe[1])
        if height < 0.08:
            continue
        left = min(ankle[0], toe[0]) - 0.08
        ET.SubElement(
            parent,
            "rect",
            {"x": f"{left:.3f}", "y": f"{-height:.3f}",
             "width": f"{abs(toe[0] - ankle[0]) + 0.2:.3f}", "height": f"{height:.3f}",
             "fill": "none", "stroke": _PROP, "stroke-width": "0.02", "class": "step"},
        )  # fmt: skip


def _draw_roller(parent: ET.Element, figure: StickFigure) -> None:
    """A foam roller on the floor under the upper back (lying) or under the hips (sitting)."""
    radius = 0.08
    hip, shoulder = figure.hip, figure.shoulder
    lying = abs(shoulder[1] - hip[1]) < abs(shoulder[0] - hip[0])
    x = hip[0] + 0.7 * (shoulder[0] - hip[0]) if lying else hip[0]
    ET.SubElement(
        parent,
        "circle",
        {"cx": f"{x:.3f}", "cy": f"{-radius:.3f}", "r": f"{radius:.3f}", "fill": "none",
         "stroke": _PROP, "stroke-width": "0.02", "class": "roller"},
    )  # fmt: skip


def _draw_figure(parent: ET.Element, figure: StickFigure, equipment: frozenset[str]) -> None:
    """Floor, props, far limbs, then trunk, head and near limbs (painter's order)."""
    x0, _, x1, _ = _bounds(figure)
    _line(parent, (x0 - 0.15, 0.0), (x1 + 0.15, 0.0), _PROP, 0.02)
    if figure.seated:
        seat_top = max(figure.hip[1] - 0.04, 0.05)
        hx = figure.hip[0]
        ET.SubElement(
            parent,
            "rect",
            {"x": f"{hx - 0.22:.3f}", "y": f"{-seat_top:.3f}", "width": "0.3",
             "height": f"{seat_top:.3f}", "fill": "none", "stroke": _PROP, "stroke-width": "0.02",
             "class": "seat"},
        )  # fmt: skip
    if "wall" in equipment:
        _line(parent, (x1 + 0.03, 0.0), (x1 + 0.03, 2.0), _PROP, 0.04)
    if "step" in equipment:
        _draw_steps(parent, figure)
    if "foam_roller" in equipment:
        _draw_roller(parent, figure)
    if "pulley" in equipment:
        column_x = x0 - 0.3
        _line(parent, (column_x, 0.0), (column_x, 1.9), _PROP, 0.04)
        anchor = (column_x, min(max(figure.wrist[1], 0.2), 1.9))
        _line(parent, anchor, figure.wrist, _PROP, 0.01)
    width = 0.045
    _chain(
        parent, [figure.hip, figure.other_knee, figure.other_ankle, figure.other_toe], _FAR, width
    )
    _chain(parent, [figure.shoulder, figure.other_elbow, figure.other_wrist], _FAR, width)
    _chain(parent, [figure.hip, figure.shoulder, figure.neck], _NEAR, width * 1.3)
    ET.SubElement(
        parent,
        "circle",
        {"cx": f"{figure.head[0]:.3f}", "cy": f"{-figure.head[1]:.3f}",
         "r": f"{SEGMENT_M['head_radius']:.3f}", "fill": "white", "stroke": _NEAR,
         "stroke-width": f"{width:.3f}", "class": "head"},
    )  # fmt: skip
    _chain(parent, [figure.hip, figure.knee, figure.ankle, figure.toe], _NEAR, width)
    _chain(parent, [figure.shoulder, figure.elbow, figure.wrist], _NEAR, width)


def _panel(
    root: ET.Element, pose: Pose, caption: str, index: int, equipment: frozenset[str]
) -> None:
    figure = stick_figure(pose)
    x0, y0, x1, y1 = _bounds(figure)
    span = max(x1 - x0 + 0.5, y1 - y0 + 0.3, 2.0)
    scale = min(_SCALE_PX_PER_M, (_PANEL_PX - 20) / span)
    cx = index * _PANEL_PX + _PANEL_PX / 2 - scale * (x0 + x1) / 2
    floor_px = _TITLE_PX + _PANEL_PX - 20
    group = ET.SubElement(
        root,
        "g",
        {"class": f"pose {caption.lower()}",
         "transform": f"translate({cx:.2f},{floor_px:.2f}) scale({scale:.3f})"},
    )  # fmt: skip
    _draw_figure(group, figure, equipment)
    label = ET.SubElement(
        root,
        "text",
        {"x": f"{index * _PANEL_PX + _PANEL_PX / 2:.1f}", "y": f"{floor_px + _CAPTION_PX:.1f}",
         "text-anchor": "middle", "font-family": "sans-serif", "font-size": "16",
         "class": "caption"},
    )  # fmt: skip
    label.text = caption


def _document(title: str, panels: int) -> ET.Element:
    width = _PANEL_PX * panels
    height = _TITLE_PX + _PANEL_PX + _CAPTION_PX
    root = ET.Element(
        "svg",
        {"xmlns": _SVG_NS, "width": str(width), "height": str(height),
         "viewBox": f"0 0 {width} {height}", "role": "img"},
    )  # fmt: skip
    ET.SubElement(root, "title").text = title
    heading = ET.SubElement(
        root,
        "text",
        {"x": f"{width / 2:.1f}", "y": "22", "text-anchor": "middle",
         "font-family": "sans-serif", "font-size": "17", "font-weight": "bold", "class": "name"},
    )  # fmt: skip
    heading.text = title
    return root


def render_pose_svg(pose: Pose, *, title: str = "", caption: str = "Position") -> str:
    """One pose as a standalone SVG document (for checking a pose while writing an entry)."""
    root = _document(title, 1)
    _panel(root, pose, caption, 0, frozenset())
    return ET.tostring(root, encoding="unicode")


def render_svg(exercise: Exercise, *, which: Literal["both", "start", "end"] = "both") -> str:
    """The exercise's start and/or end position as stick figures side by side, as SVG text."""
    poses: list[tuple[Pose, str]] = []
    if which in ("both", "start"):
        poses.append((exercise.start, "Start"))
    if which in ("both", "end"):
        poses.append((exercise.end, "End"))
    if not poses:
        raise InputError(f"illustration: which must be 'both', 'start' or 'end', not {which!r}")
    root = _document(exercise.name, len(poses))
    equipment = frozenset(exercise.equipment)
    for index, (pose, caption) in enumerate(poses):
        _panel(root, pose, caption, index, equipment)
    return ET.tostring(root, encoding="unicode")
