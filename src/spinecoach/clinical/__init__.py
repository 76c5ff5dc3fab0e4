"""Pure clinical assessment: questionnaires, red flags, movement tests, endurance, classification.

``assess(intake)`` is the entry point; the pieces it combines are importable on their own.
"""

from spinecoach.clinical.assessing import assess, score_questionnaires
from spinecoach.clinical.assessment import Assessment
from spinecoach.clinical.change_thresholds import MCID, ChangeThreshold
from spinecoach.clinical.intake import Intake
from spinecoach.clinical.red_flags import RED_FLAGS, RedFlag, screen_red_flags

__all__ = [
    "MCID",
    "RED_FLAGS",
    "Assessment",
    "ChangeThreshold",
    "Intake",
    "RedFlag",
    "assess",
    "score_questionnaires",
    "screen_red_flags",
]
