"""Pure prescription: assessment -> program, and program + sessions -> adapted program."""

from spinecoach.prescription.adapt import Adaptation, Change, adapt
from spinecoach.prescription.handout import render_handout, render_program
from spinecoach.prescription.overrides import Overrides
from spinecoach.prescription.prescribe import prescribe
from spinecoach.prescription.settings import AdaptationSettings

__all__ = [
    "Adaptation",
    "AdaptationSettings",
    "Change",
    "Overrides",
    "adapt",
    "prescribe",
    "render_handout",
    "render_program",
]
