"""Where the browser and report tests put their pictures.

``$SPINECOACH_SCREENSHOTS`` when set (``make screenshots`` sets it to ``docs/screenshots``,
the README's pictures), else ``build/screenshots``: a test run leaves the tracked pictures
as they are, though some pages differ from run to run (a live angle, a QR code).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SCREENSHOTS"]

_ROOT = Path(__file__).resolve().parents[1]

SCREENSHOTS = Path(os.environ.get("SPINECOACH_SCREENSHOTS") or _ROOT / "build" / "screenshots")
if not SCREENSHOTS.is_absolute():
    SCREENSHOTS = _ROOT / SCREENSHOTS
