"""Pure prescription: assessment -> program, and program + sessions -> adapted program."""

from spinecoach.prescription.adapt import Adaptation, Change, adapt
from spinecoach.prescription.settings import AdaptationSettings

__all__ = ["Adaptation", "AdaptationSettings", "Change", "adapt"]
