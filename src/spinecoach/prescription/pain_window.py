"""How the back responded over one review window, read by the revised pain rules.

CLINICAL.md section 7, "Proposed defaults (revised)". A window is the sessions done on one
program version. Per session: "before" is the pre-session NPRS, "after" the post-session NPRS,
"morning" the next-morning NPRS. The baseline is the NPRS recorded when the current version
was approved, else the intake NPRS. Every threshold is a clinic policy in
:class:`AdaptationSettings`; the product's own rule is that exercise must not raise the back
pain, so these are stricter than the tendinopathy model they come from (Silbernagel 2007).

- progress only when every session stayed within noise (after <= before + 1), the morning
  pain is recorded and settled (<= before), no pain went above 5, and the window's mean pain
  is not above the previous window's nor the baseline;
- hold when a rise settled by the morning, when a morning is missing, when pain went above 5
  (however steady), or when the window's mean pain crept up;
- regress when a rise did not settle, when two sessions rose, or when the window's mean pain
  is 2+ above the baseline, whatever the number of sessions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from spinecoach.prescription.program import PainWindow, Reason
from spinecoach.prescription.settings import POLICY_NOTE, AdaptationSettings
from spinecoach.sessions.model import Session

__all__ = ["SOURCE", "WindowReading", "read_window"]

SOURCE = (
    "CLINICAL.md s7 revised defaults (Silbernagel et al., Am J Sports Med 2007, made stricter "
    "for LBP); " + POLICY_NOTE
)
TREND_MIN_SESSIONS = 4
"""Sessions needed in the last 7 days before a within-window pain trend is read (policy)."""
TREND_MIN_SPAN_DAYS = 4
"""Days those sessions must span (policy)."""


@dataclass(frozen=True)
class WindowReading:
    """The window's pain, the baseline it is compared with, and what the rules conclude."""

    sessions: int
    mean_before: float | None
    baseline: float | None
    previous_mean: float | None
    flare: str | None = None
    regress: list[Reason] = field(default_factory=list)
    hold: list[Reason] = field(default_factory=list)
    escalate: list[str] = field(default_factory=list)
    """Why the clinician must review (a rise above baseline that persisted a week)."""

    def window(self, version: int, log: Sequence[Session]) -> PainWindow | None:
        """The record of this window kept in the next program version."""
        if not log or self.mean_before is None:
            return None
        return PainWindow(
            version=version,
            first=log[0].date,
            last=log[-1].date,
            sessions=len(log),
            mean_before=round(self.mean_before, 2),
        )


def _r(rule: str, text: str) -> Reason:
    return Reason(rule=rule, text=text, source=SOURCE)


def _baseline(
    review_baseline: int | None, history: Sequence[PainWindow], log: Sequence[Session]
) -> float | None:
    if review_baseline is not None:
        return float(review_baseline)
    if history:
        return history[0].mean_before
    return float(log[0].pain_before) if log else None


def read_window(
    log: Sequence[Session],
    review_baseline: int | None,
    history: Sequence[PainWindow],
    settings: AdaptationSettings,
    *,
    quota: bool,
) -> WindowReading:
    """Apply the revised pain rules to one window (``quota``: graded activity, plan-led)."""
    if not log:
        return WindowReading(0, None, _baseline(review_baseline, history, log), None)
    mean = sum(s.pain_before for s in log) / len(log)
    baseline = _baseline(review_baseline, history, log)
    previous = history[-1].mean_before if history else None
    flare = _flare(log, baseline, mean, settings, quota=quota)
    regress = [] if quota else _regress(log, baseline, mean, settings)
    hold = _quota_hold(log, settings) if quota else _hold(log, baseline, previous, mean, settings)
    escalate = _persisting(log, baseline, mean, history, settings)
    return WindowReading(len(log), mean, baseline, previous, flare, regress, hold, escalate)


def _flare_peak(baseline: float | None, settings: AdaptationSettings) -> float:
    """Flare-up pain: the setting, or baseline + its margin when the baseline is high."""
    if baseline is None:
        return settings.flare_peak_nprs
    return max(settings.flare_peak_nprs, baseline + settings.baseline_rise_nprs)


def _flare(
    log: Sequence[Session],
    baseline: float | None,
    mean: float,
    settings: AdaptationSettings,
    *,
    quota: bool,
) -> str | None:
    """Why the window shows a flare-up (relative to the patient's baseline), else None."""
    peak = _flare_peak(baseline, settings)
    streak = 0
    for s in log:
        if s.pain_rise > 0 and s.pain_after >= peak:
            return f"pain reached {s.pain_after}/10 on {s.date} (flare-up at >= {peak:g})"
        morning = s.next_morning_pain
        if morning is not None and morning - s.pain_before >= settings.flare_next_morning_rise:
            return (
                f"next-morning pain {morning}/10 after {s.date} was "
                f"{morning - s.pain_before} above the pre-session pain "
                f"(flare-up at +{settings.flare_next_morning_rise})"
            )
        streak = streak + 1 if s.pain_rise > settings.max_rise_nprs else 0
        if streak >= settings.flare_sessions_in_a_row:
            return (
                f"pain rose by more than {settings.max_rise_nprs} in {streak} sessions in a row "
                f"up to {s.date}"
            )
    if quota:  # graded activity pauses only for a real flare relative to the baseline
        unsettled = [s for s in log if _rose(s, settings) and _unsettled(s)]
        if len(unsettled) >= 2:
            return (
                f"pain rose by {settings.rise_nprs}+ and had not settled by the next morning "
                f"in {len(unsettled)} sessions (last {unsettled[-1].date})"
            )
        if baseline is not None and mean >= baseline + settings.baseline_rise_nprs:
            return (
                f"mean pain before sessions {mean:.1f}/10 is {mean - baseline:.1f} above the "
                f"baseline {baseline:g}/10"
            )
    return None


def _rose(s: Session, settings: AdaptationSettings) -> bool:
    return s.pain_rise >= settings.rise_nprs


def _unsettled(s: Session) -> bool:
    return s.next_morning_pain is not None and s.next_morning_pain > s.pain_before


def _regress(
    log: Sequence[Session], baseline: float | None, mean: float, settings: AdaptationSettings
) -> list[Reason]:
    reasons: list[Reason] = []
    rises = [s for s in log if _rose(s, settings)]
    unsettled = [s for s in rises if _unsettled(s)]
    if unsettled:
        s = unsettled[-1]
        reasons.append(
            _r(
                "adapt.regress.rise_not_settled",
                f"pain rose from {s.pain_before} to {s.pain_after}/10 on {s.date} and was still "
                f"{s.next_morning_pain}/10 the next morning",
            )
        )
    if len(rises) >= 2:
        dates = ", ".join(str(s.date) for s in rises)
        reasons.append(
            _r(
                "adapt.regress.two_rises",
                f"pain rose by {settings.rise_nprs} or more in {len(rises)} sessions ({dates})",
            )
        )
    if baseline is not None and mean >= baseline + settings.baseline_rise_nprs:
        reasons.append(
            _r(
                "adapt.regress.above_baseline",
                f"mean pain before sessions {mean:.1f}/10 is {mean - baseline:.1f} above the "
                f"baseline {baseline:g}/10 (limit +{settings.baseline_rise_nprs})",
            )
        )
    return reasons


def _hold(
    log: Sequence[Session],
    baseline: float | None,
    previous: float | None,
    mean: float,
    settings: AdaptationSettings,
) -> list[Reason]:
    reasons: list[Reason] = []
    settled = [s for s in log if _rose(s, settings) and not _unsettled(s)]
    small = [s for s in log if settings.noise_rise_nprs < s.pain_rise < settings.rise_nprs]
    if settled or small:
        s = (settled or small)[-1]
        reasons.append(
            _r(
                "adapt.hold.rise_settled",
                f"pain rose from {s.pain_before} to {s.pain_after}/10 on {s.date}; it must stay "
                f"within +{settings.noise_rise_nprs} to progress",
            )
        )
    missing = [s for s in log if s.next_morning_pain is None]
    if missing:
        dates = ", ".join(str(s.date) for s in missing)
        reasons.append(
            _r(
                "adapt.hold.morning_missing",
                f"next-morning pain not recorded after {dates}: settling cannot be shown",
            )
        )
    morning_up = [s for s in log if _unsettled(s) and not _rose(s, settings)]
    if morning_up:
        s = morning_up[-1]
        reasons.append(
            _r(
                "adapt.hold.morning_above",
                f"next-morning pain {s.next_morning_pain}/10 after {s.date} was above the "
                f"pre-session {s.pain_before}/10",
            )
        )
    peak = max(max(s.pain_before, s.pain_after, s.next_morning_pain or 0) for s in log)
    if peak > settings.progress_max_nprs:
        reasons.append(
            _r(
                "adapt.hold.pain_high",
                f"pain reached {peak}/10 in this window; progression needs pain at "
                f"{settings.progress_max_nprs}/10 or below, however steady",
            )
        )
    tolerance = settings.window_mean_tolerance_nprs
    if previous is not None and mean > previous + tolerance:
        reasons.append(
            _r(
                "adapt.hold.mean_rising",
                f"mean pain before sessions rose from {previous:.1f} to {mean:.1f}/10 since the "
                "last review",
            )
        )
    if baseline is not None and mean > baseline + tolerance:
        reasons.append(
            _r(
                "adapt.hold.above_baseline",
                f"mean pain before sessions {mean:.1f}/10 is above the baseline {baseline:g}/10",
            )
        )
    slope = _trend(log)
    if slope is not None and slope >= settings.trend_rise_per_week:
        reasons.append(
            _r(
                "adapt.hold.weekly_trend",
                f"pain before sessions rose {slope:.1f} points/week over the last 7 days",
            )
        )
    return reasons


def _quota_hold(log: Sequence[Session], settings: AdaptationSettings) -> list[Reason]:
    """Graded activity keeps its plan, but the quota is not raised in a week where a rise of
    2+ had not settled by the next morning or settling cannot be shown (a missing morning)."""
    reasons: list[Reason] = []
    unsettled = [s for s in log if _rose(s, settings) and _unsettled(s)]
    if unsettled:
        s = unsettled[-1]
        reasons.append(
            _r(
                "adapt.hold.rise_not_settled",
                f"pain rose from {s.pain_before} to {s.pain_after}/10 on {s.date} and was still "
                f"{s.next_morning_pain}/10 the next morning: the quota stays this week",
            )
        )
    missing = [s for s in log if s.next_morning_pain is None]
    if missing:
        dates = ", ".join(str(s.date) for s in missing)
        reasons.append(
            _r(
                "adapt.hold.morning_missing",
                f"next-morning pain not recorded after {dates}: the quota stays this week",
            )
        )
    return reasons


def _persisting(
    log: Sequence[Session],
    baseline: float | None,
    mean: float,
    history: Sequence[PainWindow],
    settings: AdaptationSettings,
) -> list[str]:
    """Pain 2+ above baseline for a week or more: the clinician must see it."""
    if baseline is None or mean < baseline + settings.baseline_rise_nprs:
        return []
    limit = baseline + settings.baseline_rise_nprs
    start = log[0].date
    for w in reversed(history):
        if w.mean_before < limit:
            break
        start = w.first
    days = (log[-1].date - start).days + 1
    if days < settings.escalate_baseline_days:
        return []
    return [
        f"pain has been {settings.baseline_rise_nprs}+ above the baseline {baseline:g}/10 for "
        f"{days} days (since {start})"
    ]


def _trend(log: Sequence[Session]) -> float | None:
    """Least-squares slope of pre-session pain over the last 7 days, points per week."""
    last = log[-1].date
    window = [s for s in log if last - s.date < dt.timedelta(days=7)]
    days = [(s.date - window[0].date).days for s in window]
    if len(window) < TREND_MIN_SESSIONS or days[-1] - days[0] < TREND_MIN_SPAN_DAYS:
        return None
    mean_d = sum(days) / len(days)
    mean_p = sum(s.pain_before for s in window) / len(window)
    spread = sum((d - mean_d) ** 2 for d in days)
    if spread == 0:
        return None
    slope = sum((d - mean_d) * (s.pain_before - mean_p) for d, s in zip(days, window, strict=True))
    return 7 * slope / spread
