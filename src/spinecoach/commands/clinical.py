"""`spinecoach score`, `assess` and `simulate patients`: questionnaires, intakes, synthetic patients.

Also home of :func:`render_assessment`, the readable form of an assessment that ``assess
--text`` and the demo print.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from spinecoach.clinical import Assessment, Intake, assess
from spinecoach.clinical.assessment import (
    FabqResult,
    NotScorable,
    OdiResult,
    PsfsResult,
    RmdqResult,
    StartBackResult,
)
from spinecoach.clinical.fabq import score_fabq
from spinecoach.clinical.instruments import INSTRUMENTS, ITEM_RANGES
from spinecoach.clinical.nprs import NPRS_RANGE, score_nprs
from spinecoach.clinical.odi import score_odi
from spinecoach.clinical.psfs import PSFS_RANGE, score_psfs
from spinecoach.clinical.rmdq import score_rmdq
from spinecoach.clinical.startback import score_start_back
from spinecoach.commands._output import JsonOption, emit
from spinecoach.commands.simulation import simulate_app
from spinecoach.documents import dump_json, load_document
from spinecoach.errors import InputError, UnknownItemError, shorten
from spinecoach.outputs import write_text_output

__all__ = [
    "parse_answers",
    "register",
    "render_assessment",
    "score_answers",
    "write_intakes",
]

_PLAIN_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,6}")

SKIPPED = "-"
"""The token that marks a skipped item on the command line."""


def _allowed(instrument: str, number: int) -> str:
    ranges = ITEM_RANGES.get(instrument)
    if ranges is not None and number <= len(ranges):
        return str(ranges[number - 1])
    return str(PSFS_RANGE if instrument == "psfs" else NPRS_RANGE)


def _code(instrument: str, number: int, token: str) -> int | None:
    if token == SKIPPED:
        return None
    if _PLAIN_WHOLE_NUMBER.fullmatch(token) is None:  # no 1_0, non-ASCII digits or 5,000 digits
        allowed = _allowed(instrument, number)
        raise InputError(
            f"{instrument} item {number}: '{shorten(token)}' is not a whole number; "
            f"use {allowed} or '{SKIPPED}' for a skipped item"
        )
    return int(token)


def parse_answers(instrument: str, tokens: list[str]) -> list[int | None]:
    """Command-line tokens -> coded answers (``-`` = skipped)."""
    return [_code(instrument, n, t) for n, t in enumerate(tokens, start=1)]


def _psfs_ratings(tokens: list[str]) -> list[tuple[str, int]]:
    """``walking=4`` or a bare ``4`` (named ``activity N``)."""
    ratings: list[tuple[str, int]] = []
    for number, token in enumerate(tokens, start=1):
        name, sep, value = token.rpartition("=")
        rating = _code("psfs", number, value)
        if rating is None:
            raise InputError(f"psfs item {number}: a rating {PSFS_RANGE} is required")
        ratings.append((name.strip() if sep and name.strip() else f"activity {number}", rating))
    return ratings


def _nprs(tokens: list[str]) -> dict[str, int]:
    answers = parse_answers("nprs", tokens)
    if len(answers) != 1:
        raise InputError(f"nprs: {len(answers)} answers given; 1 rating ({NPRS_RANGE}) is expected")
    return {"score": score_nprs(answers[0])}


_SCORERS: dict[str, Callable[[list[str]], BaseModel | dict[str, int]]] = {
    "start_back": lambda t: score_start_back(parse_answers("start_back", t)),
    "odi": lambda t: score_odi(parse_answers("odi", t)),
    "rmdq": lambda t: score_rmdq(parse_answers("rmdq", t)),
    "nprs": _nprs,
    "psfs": lambda t: score_psfs(_psfs_ratings(t)),
    "fabq": lambda t: score_fabq(parse_answers("fabq", t)),
}


def score_answers(instrument: str, tokens: list[str]) -> dict[str, Any]:
    """Score one questionnaire from command-line tokens.

    ``{"instrument": ..., "scorable": true, **result}``, or ``{"instrument": ...,
    "scorable": false, "skipped": N, "reason": ...}`` when too much was skipped to score it.
    """
    scorer = _SCORERS.get(instrument)
    if scorer is None:
        raise UnknownItemError(
            f"instrument '{shorten(instrument)}' is unknown; choose one of: "
            f"{', '.join(INSTRUMENTS)}"
        )
    result = scorer(tokens)
    if isinstance(result, NotScorable):
        return {"instrument": instrument, "scorable": False, **result.model_dump(mode="json")}
    fields = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return {"instrument": instrument, "scorable": True, **fields}


def score_text(payload: dict[str, Any]) -> str:
    """One readable line for a scored questionnaire."""
    data = {k: v for k, v in payload.items() if k not in {"instrument", "scorable"}}
    if not payload["scorable"]:
        return f"{_LABELS[payload['instrument']]} not scorable: {data['reason']}"
    match payload["instrument"]:
        case "start_back":
            return _start_back_line(StartBackResult.model_validate(data))
        case "odi":
            return _odi_line(OdiResult.model_validate(data))
        case "rmdq":
            return _rmdq_line(RmdqResult.model_validate(data))
        case "psfs":
            return _psfs_line(PsfsResult.model_validate(data))
        case "fabq":
            return _fabq_line(FabqResult.model_validate(data))
        case _:
            return f"NPRS {data['score']}/10"


_LABELS = {"start_back": "STarT Back", "odi": "ODI", "rmdq": "RMDQ", "fabq": "FABQ"}


def _start_back_line(r: StartBackResult) -> str:
    skipped = (
        f", {r.skipped} skipped (none could change the stratum; totals count answered items)"
        if r.skipped
        else ""
    )
    return (
        f"STarT Back {r.stratum} risk: total {r.total}/9, psychosocial {r.psychosocial}/5{skipped}"
    )


def _odi_line(r: OdiResult) -> str:
    return f"ODI {r.percent:g} %: {r.band} disability ({r.answered} of 10 sections answered)"


def _rmdq_line(r: RmdqResult) -> str:
    skipped = f", {r.skipped} skipped: pro-rated, rounded up" if r.skipped else ""
    return f"RMDQ {r.score}/24{' (recovered range)' if r.recovered else ''}{skipped}"


def _psfs_line(r: PsfsResult) -> str:
    each = ", ".join(f"{name} {score}" for name, score in r.activities.items())
    return f"PSFS mean {r.mean:g}/10 ({each})"


def _subscale(value: int | None, maximum: int, elevated: bool | None) -> str:
    if value is None:
        return "not scorable (an item of it skipped)"
    return f"{value}/{maximum}{' elevated' if elevated else ''}"


def _fabq_line(r: FabqResult) -> str:
    pa = _subscale(r.physical_activity, 24, r.physical_activity_elevated)
    work = _subscale(r.work, 42, r.work_elevated)
    return f"FABQ physical activity {pa}, work {work}"


def render_assessment(a: Assessment) -> str:
    """The assessment as readable text for the clinician: results first, then the reasons."""
    p = a.patient
    lines = [f"Assessment of {p.id}: {p.age} y, {p.sex}, {p.occupation}", ""]
    lines += _red_flag_lines(a)
    lines += ["", "Questionnaires", *(f"  {line}" for line in _score_lines(a))]
    lines += ["", "Movement tests", *(f"  {line}" for line in _movement_lines(a))]
    lines += ["", "Trunk endurance", *(f"  {line}" for line in _endurance_lines(a))]
    lines += ["", "Classification", *(f"  {line}" for line in _classification_lines(a))]
    lines += ["", "Findings (rule: conclusion [source])"]
    for f in a.findings:
        source = f" [{f.source}]" if f.source else ""
        lines.append(f"  - {f.rule}: {f.text}{source}")
    return "\n".join(lines)


def _red_flag_lines(a: Assessment) -> list[str]:
    screen = a.red_flags
    if not screen.screened:
        return [
            "Red flags: NOT SCREENED (no exercise program until the red-flag questions are "
            "asked; this is not the same as none reported)"
        ]
    if not screen.hits:
        return ["Red flags: screened, none reported"]
    state = "EXERCISE BLOCKED" if screen.exercise_blocked else "exercise may continue"
    lines = [f"Red flags: {screen.urgency.upper()} ({state})"]
    for hit in screen.hits:
        lines.append(f"  ! {hit.id} ({hit.urgency}): {hit.clinician_action}")
    lines.append(f"  Patient: {screen.hits[0].patient_action}")
    return lines


def _score_lines(a: Assessment) -> list[str]:
    s = a.scores
    lines: list[str] = []
    if s.start_back is not None:
        lines += [_start_back_line(s.start_back), f"  matched care: {s.start_back.matched_care}"]
    if s.odi is not None:
        lines.append(_odi_line(s.odi))
    if s.rmdq is not None:
        lines.append(_rmdq_line(s.rmdq))
    if s.nprs is not None:
        lines.append(f"NPRS {s.nprs}/10")
    if s.psfs is not None:
        lines.append(_psfs_line(s.psfs))
    if s.fabq is not None:
        lines.append(_fabq_line(s.fabq))
    for unscored in s.not_scorable:
        lines.append(f"{_LABELS[unscored.instrument]} not scorable: {unscored.reason}")
    return lines or ["none recorded"]


def _movement_lines(a: Assessment) -> list[str]:
    m = a.movement
    if not m.responses:
        return ["not tested"]
    lines = ["; ".join(f"{d} {r}" for d, r in m.responses.items())]
    lines.append(f"directional preference: {m.directional_preference or 'none'}")
    lines.append(f"provoking: {', '.join(m.provoking) or 'none'}")
    return lines


def _endurance_lines(a: Assessment) -> list[str]:
    e = a.endurance
    lines: list[str] = []
    if e.percent_of_norm:
        lines.append(
            "% of McGill 1999 norm: "
            + ", ".join(f"{t} {p:g}" for t, p in e.percent_of_norm.items())
        )
    ratios = {
        "flexor/extensor": e.flexor_extensor_ratio,
        "side bridge/extensor": e.side_bridge_extensor_ratio,
        "right/left": e.right_left_ratio,
    }
    known = [f"{name} {value:.2f}" for name, value in ratios.items() if value is not None]
    if known:
        lines.append("ratios: " + ", ".join(known))
        lines.append(f"imbalance markers: {', '.join(e.markers) or 'none'}")
    lines.extend(f"ratio not formed: {text}" for text in e.ratios_not_formed)
    if e.biering_sorensen_band is not None:
        lines.append(f"Biering-Sorensen: {e.biering_sorensen_band.replace('_', ' ')}")
    return lines or ["not tested"]


def _classification_lines(a: Assessment) -> list[str]:
    h = a.classification.hicks
    verdict = {"met": "meets rule", "not_met": "rule not met", "undetermined": "undetermined"}
    lines = [f"Hicks stabilization rule: {h.count} of 4 ({verdict[h.verdict]})"]
    if h.verdict == "undetermined":
        lines.append(f"  not examined: {', '.join(h.criteria_unknown)}")
    for c in a.classification.tbc:
        lines.append(
            f"TBC {c.subgroup}: {len(c.criteria_matched)} of {c.criteria_total} "
            f"({', '.join(c.criteria_matched)})"
        )
    if not a.classification.tbc:
        lines.append("TBC: no subgroup matches enough criteria")
    return lines


def write_intakes(intakes: list[Intake], folder: Path) -> list[Path]:
    """Write each intake as ``<id>.intake.json`` in ``folder`` (created when missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    paths = []
    for intake in intakes:
        path = folder / f"{intake.patient.id}.intake.json"
        write_text_output(path, dump_json(intake) + "\n", "--out")
        paths.append(path)
    return paths


def _flags_text(flags: list[str] | None) -> str:
    """Positive flags, 'none' for a screen with none positive, or 'not screened'."""
    return "not screened" if flags is None else (", ".join(flags) or "none")


def _cohort_text(intakes: list[Intake]) -> str:
    rows = [
        f"{i.patient.id}  {i.patient.age:>3} {i.patient.sex:<6} {i.patient.occupation:<10} "
        f"red flags: {_flags_text(i.red_flags)}"
        for i in intakes
    ]
    return "\n".join(rows)


def register(app: typer.Typer) -> None:
    @app.command(context_settings={"ignore_unknown_options": True})
    def score(
        instrument: Annotated[str, typer.Argument(help=f"one of: {', '.join(INSTRUMENTS)}")],
        answers: Annotated[
            list[str] | None,
            typer.Argument(help="coded answers in form order; '-' marks a skipped item"),
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Score one questionnaire (psfs answers may be named: walking=4)."""
        payload = score_answers(instrument, list(answers or []))
        emit(payload, lambda: score_text(payload), json_flag)

    @app.command(name="assess")
    def assess_command(
        intake: Annotated[Path, typer.Argument(help="intake document, JSON or YAML")],
        json_flag: JsonOption = None,
    ) -> None:
        """Assess an intake: scores, red flags, movement, endurance, classification."""
        result = assess(load_document(intake, Intake))
        emit(result, lambda: render_assessment(result), json_flag)

    @simulate_app.command(name="patients")
    def simulate_patients(
        count: Annotated[int, typer.Option(min=1, max=100_000, help="how many patients")] = 10,
        seed: Annotated[
            int, typer.Option(min=0, help="random seed (same seed, same patients)")
        ] = 0,
        red_flag_rate: Annotated[
            float, typer.Option(min=0.0, max=1.0, help="share of patients with red flags")
        ] = 0.05,
        out: Annotated[
            Path | None, typer.Option(help="folder to write <id>.intake.json files into")
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Synthetic, clinically plausible intakes (a list, or one file each with --out)."""
        import numpy as np  # here, not at the top: `score` and `assess` start without numpy

        from spinecoach.simulate import random_intakes

        rng = np.random.default_rng(seed)
        intakes = random_intakes(rng, count, red_flag_rate=red_flag_rate)
        if out is not None:
            paths = write_intakes(intakes, out)
            typer.echo(f"wrote {len(paths)} intakes to {out}", err=True)
            return
        emit([i.model_dump(mode="json") for i in intakes], lambda: _cohort_text(intakes), json_flag)
