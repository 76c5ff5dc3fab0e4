"""Controlled vocabularies shared by intake, catalogue, program and sensors.

One place for the words the clinic uses, so a typo in a document is an error rather than
a silently ignored value.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CONTRAINDICATIONS",
    "DIRECTION_LOADS",
    "EQUIPMENT",
    "Contraindication",
    "Direction",
    "Equipment",
    "LoadAmount",
    "Sex",
    "SpinalLoad",
]

Sex = Literal["female", "male", "other"]

Direction = Literal[
    "flexion", "extension", "rotation_left", "rotation_right", "side_bend_left", "side_bend_right"
]
"""A movement-test direction as examined in the clinic (sides are the patient's own)."""

SpinalLoad = Literal[
    "flexion", "extension", "rotation", "lateral_flexion", "axial_compression", "none"
]
"""What an exercise loads the lumbar spine into (DESIGN.md section 3)."""

LoadAmount = Literal["low", "moderate", "high"]

DIRECTION_LOADS: dict[str, SpinalLoad] = {
    "flexion": "flexion",
    "extension": "extension",
    "rotation_left": "rotation",
    "rotation_right": "rotation",
    "side_bend_left": "lateral_flexion",
    "side_bend_right": "lateral_flexion",
}
"""Movement-test direction -> the spinal load an exercise would put on it.

Sides are merged on purpose: an exercise that rotates or side-bends usually does so both ways
(or is done on both sides), so a painful rotation to either side excludes rotation loading.
"""

Equipment = Literal[
    "mat",
    "chair",
    "wall",
    "step",
    "pulley",
    "resistance_band",
    "dumbbells",
    "kettlebell",
    "stability_ball",
    "foam_roller",
    "balance_pad",
    "pillow",
    "treadmill",
]
"""Equipment a patient may have; body weight and floor need nothing. `pulley` means cable/pulley."""

EQUIPMENT: tuple[str, ...] = get_args(Equipment)

Contraindication = Literal[
    "osteoporosis_flexion",
    "acute_radicular",
    "stenosis_extension",
    "pregnancy_supine_late",
    "balance_impaired_unsupported",
    "wrist_pain",
    "knee_pain",
    "shoulder_pain",
]
"""Conditions that exclude an exercise; the intake implies some, a clinician adds others.

``osteoporosis_flexion``: loaded flexion in osteoporosis. ``acute_radicular``: nerve tension
that may peripheralize symptoms. ``stenosis_extension``: sustained extension in spinal
stenosis. ``pregnancy_supine_late``: lying on the back late in pregnancy.
``balance_impaired_unsupported``: standing balance work without a support to hold.
"""

CONTRAINDICATIONS: tuple[str, ...] = get_args(Contraindication)
