"""Synthetic patients: clinically plausible, internally consistent intakes from a random generator.

Each patient has a latent severity (how much the back pain limits them), a latent distress and
fear-avoidance level correlated with it, and a movement pattern (flexion-intolerant,
extension-intolerant, lateral or no directional preference). Questionnaires, movement tests,
endurance times and examination findings are drawn from those latents, so an assessment of the
intake tells a coherent story. Same generator state, same patient.

Speed matters (benchmarks use 10,000 patients): each patient takes its random numbers in two
vectorised draws and consumes them in order, instead of one generator call per value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from spinecoach.clinical.endurance import MCGILL_NORMS_S
from spinecoach.clinical.intake import Intake
from spinecoach.clinical.red_flags import RED_FLAGS

__all__ = ["MovementPattern", "random_intake", "random_intakes"]

MovementPattern = Literal["flexion_intolerant", "extension_intolerant", "lateral", "none"]

_UNIFORMS = 256
_NORMALS = 64

_OCCUPATIONS = ("desk", "manual", "driver", "healthcare", "standing", "other", "unemployed")
_OCCUPATION_WEIGHTS = (0.36, 0.2, 0.07, 0.12, 0.13, 0.07, 0.05)

_ACTIVITIES = (
    "walking",
    "running",
    "cycling",
    "swimming",
    "gardening",
    "lifting",
    "golf",
    "yoga",
    "football",
    "tennis",
    "hiking",
    "dancing",
)
_EQUIPMENT_RATES: tuple[tuple[str, float], ...] = (
    ("mat", 0.8),
    ("chair", 0.95),
    ("wall", 0.95),
    ("pillow", 0.7),
    ("step", 0.3),
    ("resistance_band", 0.4),
    ("dumbbells", 0.25),
    ("stability_ball", 0.2),
    ("foam_roller", 0.2),
    ("kettlebell", 0.1),
    ("balance_pad", 0.1),
    ("treadmill", 0.08),
    ("pulley", 0.05),
)
_OCCUPATION_GOALS = {
    "desk": "sit through a working day",
    "manual": "lift at work without pain",
    "driver": "drive for two hours",
    "healthcare": "move patients safely",
    "standing": "stand through a shift",
    "student": "sit through lectures",
    "retired": "play with the grandchildren",
}
_MINUTES = (10, 15, 20, 20, 30, 30, 45)
_SESSIONS = (2, 3, 3, 4, 5, 7)

_CES_SHARE = 0.25
"""Share of red-flag patients whose flag is a cauda equina one (kept high to exercise the path)."""
_CES_FLAGS = tuple(f for f in RED_FLAGS if f.startswith("ces_"))
_OTHER_FLAGS = tuple(f for f in RED_FLAGS if not f.startswith("ces_"))

_EXTENSOR_CAP_S = 240.0  # Biering-Sorensen is stopped at 240 s (CLINICAL.md section 5)
_LBP_ENDURANCE_KEPT = 0.65
_LBP_ENDURANCE_DROP = 0.55
"""Hold times fall with LBP and with severity: people with LBP hold about 40-55 s on the extensor
test against 80-227 s pain-free (physio-pedia, CLINICAL.md section 5), i.e. roughly a third to
a half of the healthy norm; a patient keeps 0.65 - 0.55 x severity of it before noise."""


class _Draws:
    """Random numbers taken up front, handed out in order (deterministic per generator state)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._u = rng.random(_UNIFORMS).tolist()
        self._z = rng.standard_normal(_NORMALS).tolist()
        self._i = 0
        self._j = 0

    def u(self) -> float:
        value: float = self._u[self._i % _UNIFORMS]
        self._i += 1
        return value

    def z(self) -> float:
        value: float = self._z[self._j % _NORMALS]
        self._j += 1
        return value

    def chance(self, p: float) -> bool:
        return self.u() < p

    def pick(self, options: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
        if weights is None:
            return options[int(self.u() * len(options))]
        target, acc = self.u() * sum(weights), 0.0
        for option, w in zip(options, weights, strict=True):
            acc += w
            if target < acc:
                return option
        return options[-1]

    def beta_like(self, mean: float, spread: float) -> float:
        """A value in [0, 1] around ``mean``: a clipped normal is enough here."""
        return _clip(mean + spread * self.z(), 0.0, 1.0)


@dataclass(frozen=True)
class _Latent:
    severity: float  # 0 no limitation .. 1 severe
    distress: float
    fear: float
    radicular: bool  # leg symptoms from a nerve root
    pattern: MovementPattern
    working: bool


def _clip(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def _level(d: _Draws, mean: float, spread: float, top: int) -> int:
    """An item code 0..top around ``mean`` (a fraction of ``top``)."""
    return round(_clip(mean * top + spread * d.z(), 0, top))


def random_intake(
    rng: np.random.Generator,
    *,
    red_flag_rate: float = 0.05,
    skip_rate: float = 0.02,
    patient_id: str | None = None,
) -> Intake:
    """One plausible patient; ``red_flag_rate`` of patients report red flags, ``skip_rate`` of
    questionnaire items are left blank."""
    d = _Draws(rng)
    pid = patient_id or f"sim-{int(d.u() * 16**10):010x}"
    patient = _patient(d, pid)
    latent = _latent(d, patient["age"], patient["occupation"])
    return Intake.model_validate(
        {
            "patient": patient,
            "questionnaires": _questionnaires(d, latent, patient, skip_rate),
            "red_flags": _red_flags(d, red_flag_rate, patient["age"]),
            "movement_tests": _movement_tests(d, latent),
            "endurance": _endurance(d, latent, patient["sex"], patient["age"]),
            "findings": _findings(d, latent, patient["age"], patient["sex"]),
        }
    )


def random_intakes(rng: np.random.Generator, n: int, **options: Any) -> list[Intake]:
    """``n`` patients with ids ``sim-00000`` ... (options as for :func:`random_intake`)."""
    width = max(5, len(str(n - 1)))
    return [random_intake(rng, patient_id=f"sim-{i:0{width}d}", **options) for i in range(n)]


def _patient(d: _Draws, pid: str) -> dict[str, Any]:
    age = round(_clip(45 + 15 * d.z(), 18, 90))
    sex = d.pick(("female", "male", "other"), (0.5, 0.47, 0.03))
    if age >= 66 and d.chance(0.85):
        occupation = "retired"
    elif age < 25 and d.chance(0.5):
        occupation = "student"
    else:
        occupation = d.pick(_OCCUPATIONS, _OCCUPATION_WEIGHTS)
    activity_count = d.pick((0, 1, 1, 2, 2, 3))
    activities = sorted({d.pick(_ACTIVITIES) for _ in range(activity_count)})
    if age > 65:
        activities = [a for a in activities if a not in {"football", "running"}] or ["walking"]
    fitness = 0.3 * len(activities) + 0.4 * d.z() - 0.01 * (age - 45)
    conditioning = "low" if fitness < 0.2 else "high" if fitness > 1.0 else "moderate"
    equipment = [name for name, rate in _EQUIPMENT_RATES if d.chance(rate)]
    goals = [f"return to {a}" for a in activities[:2]]
    if occupation in _OCCUPATION_GOALS:
        goals.append(_OCCUPATION_GOALS[occupation])
    return {
        "id": pid,
        "age": age,
        "sex": sex,
        "occupation": occupation,
        "activities": activities,
        "conditioning": conditioning,
        "equipment": equipment,
        "minutes_per_session": d.pick(_MINUTES),
        "sessions_per_week": d.pick(_SESSIONS),
        "goals": goals,
    }


def _latent(d: _Draws, age: int, occupation: str) -> _Latent:
    severity = d.beta_like(0.38, 0.2)
    distress = _clip(0.6 * severity + 0.4 * d.beta_like(0.5, 0.25), 0, 1)
    fear = _clip(0.4 * severity + 0.4 * distress + 0.2 * d.u(), 0, 1)
    # Extension intolerance (stenosis-like) grows with age; flexion intolerance is commonest.
    ext_share = 0.15 + (0.4 if age > 55 else 0.0)
    pattern: MovementPattern = d.pick(
        ("flexion_intolerant", "extension_intolerant", "lateral", "none"),
        (0.55 - ext_share / 2, ext_share, 0.08, 0.37 - ext_share / 2),
    )
    return _Latent(
        severity=severity,
        distress=distress,
        fear=fear,
        radicular=d.chance(0.15 + 0.35 * severity),
        pattern=pattern,
        working=occupation not in {"retired", "unemployed", "student"},
    )


def _maybe_skip(d: _Draws, value: int, rate: float) -> int | None:
    return None if d.chance(rate) else value


def _questionnaires(
    d: _Draws, lat: _Latent, patient: dict[str, Any], skip: float
) -> dict[str, Any]:
    s = lat.severity
    out: dict[str, Any] = {}
    if d.chance(0.95):
        physical = [
            lat.radicular or d.chance(0.25),
            d.chance(0.5),
            d.chance(0.15 + 0.8 * s),
            d.chance(0.1 + 0.8 * s),
        ]
        psycho = [d.chance(0.1 + 0.8 * lat.fear), d.chance(0.1 + 0.8 * lat.distress)]
        mood = [d.chance(0.1 + 0.7 * lat.distress), d.chance(0.05 + 0.7 * lat.distress)]
        items = [int(x) for x in physical + psycho + mood] + [_level(d, 0.25 + 0.75 * s, 0.7, 4)]
        out["start_back"] = [_maybe_skip(d, a, skip) for a in items]
    if d.chance(0.9):
        odi: list[int | None] = [
            _maybe_skip(d, _level(d, 0.8 * s, 0.8, 5), skip) for _ in range(10)
        ]
        if d.chance(0.2):
            odi[7] = None  # sex life is the section most often left blank
        out["odi"] = odi
    if d.chance(0.6):
        out["rmdq"] = [_maybe_skip(d, int(d.chance(0.05 + 0.85 * s)), skip) for _ in range(24)]
    if d.chance(0.98):
        out["nprs"] = round(_clip(1 + 8 * s + 1.2 * d.z(), 0, 10))
    if d.chance(0.8):
        out["psfs"] = _psfs(d, s, patient)
    if d.chance(0.7):
        work_fear = lat.fear if lat.working else 0.3 * lat.fear
        fabq = [_level(d, lat.fear, 1.2, 6) for _ in range(5)] + [
            _level(d, work_fear, 1.2, 6) for _ in range(11)
        ]
        out["fabq"] = [_maybe_skip(d, a, skip) for a in fabq]
    return out


def _psfs(d: _Draws, severity: float, patient: dict[str, Any]) -> list[dict[str, Any]]:
    names = list(dict.fromkeys([*patient["activities"], "bending to dress", "sitting"]))
    count = min(len(names), d.pick((1, 2, 3, 3, 3)))
    return [
        {"activity": name, "score": round(_clip(10 * (1 - severity) + 1.5 * d.z(), 0, 10))}
        for name in names[:count]
    ]


def _red_flags(d: _Draws, rate: float, age: int) -> list[str]:
    if not d.chance(rate):
        return []
    pool = _CES_FLAGS if d.chance(_CES_SHARE) else _OTHER_FLAGS
    flags = {d.pick(pool) for _ in range(d.pick((1, 1, 2)))}
    if age <= 50:
        flags.discard("age_over_50_new_onset")
    if age >= 20:
        flags.discard("age_under_20_new_onset")
    return sorted(flags) or ["night_pain"]


def _movement_tests(d: _Draws, lat: _Latent) -> dict[str, str]:
    if d.chance(0.1):
        return {}
    relief = "centralizes" if lat.radicular and d.chance(0.6) else "better"
    worse = "peripheralizes" if lat.radicular and d.chance(0.5) else "worse"
    tests = {"flexion": "no_effect", "extension": "no_effect"}
    if lat.pattern == "flexion_intolerant":
        tests = {"flexion": worse, "extension": relief}
    elif lat.pattern == "extension_intolerant":
        tests = {"flexion": relief, "extension": worse}
    elif lat.pattern == "none" and d.chance(0.5):
        tests = {"flexion": "worse", "extension": "worse"}
    if d.chance(0.7):
        sides = dict.fromkeys(("side_bend_left", "side_bend_right"), "no_effect")
        if lat.pattern == "lateral":
            eased, painful = d.pick((("left", "right"), ("right", "left")))
            sides = {f"side_bend_{eased}": relief, f"side_bend_{painful}": worse}
        tests |= sides | {"rotation_left": "no_effect", "rotation_right": "no_effect"}
        if d.chance(0.1):
            tests["rotation_" + d.pick(("left", "right"))] = "worse"
    return tests


def _endurance(d: _Draws, lat: _Latent, sex: str, age: int) -> dict[str, float]:
    if d.chance(0.2):
        return {}
    female, male = MCGILL_NORMS_S["female"], MCGILL_NORMS_S["male"]
    norms = {"male": male, "female": female}.get(sex) or {
        k: (male[k] + female[k]) / 2 for k in male
    }
    reduction = max(0.1, _LBP_ENDURANCE_KEPT - _LBP_ENDURANCE_DROP * lat.severity)
    reduction *= 1 - 0.006 * max(0, age - 30)
    general = float(np.exp(0.3 * d.z()))
    side_balance = 0.06 * d.z()

    def hold(test: str, extra: float = 0.0) -> float:
        return round(norms[test] * reduction * general * float(np.exp(0.25 * d.z() + extra)), 1)

    return {
        "flexor_s": min(hold("flexor"), 1200.0),
        "extensor_s": min(hold("extensor"), _EXTENSOR_CAP_S),
        "side_bridge_right_s": min(hold("side_bridge_right", side_balance), 600.0),
        "side_bridge_left_s": min(hold("side_bridge_left", -side_balance), 600.0),
    }


def _known(d: _Draws, value: Any, rate: float = 0.85) -> Any:
    """Most findings are examined; some are left unknown."""
    return value if d.chance(rate) else None


def _findings(d: _Draws, lat: _Latent, age: int, sex: str) -> dict[str, Any]:
    s = lat.severity
    below_knee = lat.radicular and d.chance(0.6)
    older = age > 55
    return {
        "slr_deg": _known(d, round(_clip(78 - 0.4 * (age - 40) + 12 * d.z(), 30, 120), 0)),
        "aberrant_movement": _known(d, d.chance(0.35 if age < 40 else 0.2)),
        "prone_instability_test": _known(d, d.chance(0.35 if age < 40 else 0.2)),
        "hip_flexor_tightness": _known(d, d.chance(0.4)),
        "gluteal_weakness": _known(d, d.chance(0.3 + 0.3 * s)),
        "symptom_duration_days": round(float(np.exp(3.5 + 1.3 * d.z()))),
        "symptoms_below_knee": _known(d, below_knee, 0.95),
        "symptoms_distal_to_buttock": _known(d, below_knee or lat.radicular, 0.95),
        "hip_internal_rotation_deg": _known(d, round(_clip(33 + 8 * d.z(), 5, 60), 0), 0.6),
        "lumbar_hypomobility": _known(d, d.chance(0.45 if older else 0.25), 0.7),
        "nerve_root_signs": _known(d, lat.radicular and d.chance(0.6), 0.9),
        "lateral_shift": _known(d, lat.pattern == "lateral" and d.chance(0.5), 0.9),
        "imaging_stenosis": _known(
            d, older and lat.pattern == "extension_intolerant" and d.chance(0.6), 0.3
        ),
        "post_partum": (d.chance(0.08) if sex == "female" and age < 42 else None),
        "balance_impaired": _known(d, d.chance(0.35 if age > 65 else 0.08), 0.6),
    }
