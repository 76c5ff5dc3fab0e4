"""The exercise catalogue: data shipped in the package, validated on load, with ladders.

``load_catalogue()`` gives the validated :class:`Catalogue`; ``Catalogue.search`` selects by
tag, purpose, mode, phase and available equipment; ``easier``/``harder`` walk a ladder.
"""

from spinecoach.exercises.catalogue import MCGILL_MAX_HOLD_S, Catalogue, load_catalogue
from spinecoach.exercises.model import Dose, DoseBounds, Exercise, Mode, Pose, Position, Purpose
from spinecoach.exercises.tags import CONTRAINDICATION_TAGS, EXERCISE_TAGS

__all__ = [
    "CONTRAINDICATION_TAGS",
    "EXERCISE_TAGS",
    "MCGILL_MAX_HOLD_S",
    "Catalogue",
    "Dose",
    "DoseBounds",
    "Exercise",
    "Mode",
    "Pose",
    "Position",
    "Purpose",
    "load_catalogue",
]
