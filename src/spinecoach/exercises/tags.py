"""The words a catalogue entry may use for its tags and its contraindications.

Prescription selects exercises by tag and excludes them by contraindication, so a misspelt
tag in a data file would silently drop an exercise from every program: the catalogue loader
rejects any word that is not listed here.
"""

from __future__ import annotations

from typing import Final

from spinecoach.vocabulary import CONTRAINDICATIONS

__all__ = ["CONTRAINDICATION_TAGS", "EXERCISE_TAGS"]

EXERCISE_TAGS: Final[frozenset[str]] = frozenset(
    {
        # deep stabilisers and motor control
        "deep_stabilizer",
        "breathing",
        "motor_control",
        "pelvic_floor",
        "coordination",
        "tra_multifidus",
        "pelvic_tilt",
        # McGill Big 3 and the other stabilisation families
        "big3",
        "curl_up",
        "side_bridge",
        "bird_dog",
        "dead_bug",
        "bridge",
        "clamshell",
        "plank",
        "extensor_endurance",
        "flexor_endurance",
        "lateral_endurance",
        # directional (McKenzie) work
        "directional_extension",
        "directional_flexion",
        "lateral_shift",
        # pulley and functional strength
        "diagonal",
        "anti_rotation",
        "pulley",
        "hinge",
        "squat",
        "lunge",
        "step_up",
        "lifting",
        "carry",
        # mobility and muscles targeted by tailoring rules
        "hip_flexor",
        "hamstring",
        "thoracic",
        "gluteus_maximus",
        "gluteus_medius",
        "mobility",
        "foam_rolling",
        # balance and conditioning
        "single_leg",
        "balance",
        "perturbation",
        "walking",
        "aerobic",
        # who and when
        "posture_break",
        "desk",
        "manual_work",
        "running",
        "older_adult",
        "flare_safe",
    }
)
"""Tags prescription selects by; every exercise carries the ones that apply to it.

``coordination``: the deep-muscle coordination drills every first program starts with
(``tra_multifidus``, ``breathing`` with ``pelvic_floor``, ``pelvic_tilt``).
``flare_safe``: pain-free, unloaded or minimally loaded, fine during a flare-up.
``older_adult``: suitable and safe for older adults. ``posture_break``: a short drill a desk
worker can do at work. ``diagonal``: latissimus with the opposite gluteus maximus (chop/lift).
"""

CONTRAINDICATION_TAGS: Final[frozenset[str]] = frozenset(CONTRAINDICATIONS)
"""Conditions that exclude an exercise (``spinecoach.vocabulary.Contraindication``)."""
