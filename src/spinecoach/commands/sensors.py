"""`spinecoach sensors analyze|orient` and `spinecoach simulate recording`."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from spinecoach.commands._output import JsonOption, emit
from spinecoach.commands.simulation import simulate_app
from spinecoach.documents import parse_text
from spinecoach.errors import DocumentError, InputError, SensorDataError
from spinecoach.outputs import atomic_output, check_outputs

__all__ = ["register"]

sensors_app = typer.Typer(
    help="Wearable IMU recordings: lumbar angles, posture, ROM, reps, quality, sway.",
    no_args_is_help=True,
)

FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="canonical (CSV/Parquet, see `spinecoach schema recording`) or xsens-dot "
        "(Xsens DOT app CSV export, one sensor).",
    ),
]
SensorNameOption = Annotated[
    str, typer.Option("--as", help="Sensor name given to a one-sensor vendor file.")
]
SCENARIO_HELP = (
    "What the person does: standing, forward-bends, lateral-bends, rotations, movement-tests, "
    "sit-stand, bird-dog, bird-dog-wobbly, day (a 10-minute working-day block, repeated)."
)
PROGRESS_MIN_BYTES = 20_000_000
"""Files larger than this get a progress bar (on a terminal only)."""


def _file_format(value: str) -> Any:
    if value not in {"canonical", "xsens-dot"}:
        raise InputError(f"--format '{value}' is unknown; choose canonical or xsens-dot")
    return value


@contextmanager
def _progress(label: str, file_bytes: int) -> Iterator[Any]:
    """A Rich progress bar on stderr when it is a terminal and the file is long; else a no-op.

    Yields ``advance(done, total)``.
    """
    if not sys.stderr.isatty() or file_bytes < PROGRESS_MIN_BYTES:
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _settings(path: Path | None) -> Any:
    """Sensor settings: the defaults, overridden by a clinic's YAML/JSON file when given."""
    from spinecoach.sensors.settings import DEFAULT_SETTINGS, SensorSettings

    if path is None:
        return DEFAULT_SETTINGS
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"--settings {path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"--settings {path}: cannot be read ({type(exc).__name__})") from None
    raw = parse_text(text, str(path), yaml_syntax=True)  # YAML is a superset of JSON
    return SensorSettings.from_mapping({} if raw is None else raw, where=str(path))


LENGTH_SCENARIOS = ("standing", "day")
"""Scenarios whose length ``--seconds`` sets; the others have a fixed script."""
MIN_SIMULATED_S = 10.0
"""Shortest simulated recording: 5 s of calibration plus as long again (the sensor default)."""
MAX_SIMULATED_S = 86_400.0
"""Longest simulated recording: one day."""


def _check_seconds(seconds: float | None, scenario: str) -> None:
    """--seconds: finite, 10 s to a day, and only for the scenarios it applies to."""
    if seconds is None:
        return
    if scenario not in LENGTH_SCENARIOS:
        raise InputError(
            f"--seconds applies to {' and '.join(LENGTH_SCENARIOS)} only; "
            f"'{scenario}' has a fixed length"
        )
    if not math.isfinite(seconds) or not MIN_SIMULATED_S <= seconds <= MAX_SIMULATED_S:
        raise InputError(
            f"--seconds {seconds:g} is outside {MIN_SIMULATED_S:g}-{MAX_SIMULATED_S:g} s"
        )


def _sensor_name(name: str, file_format: str) -> None:
    """--as names the sensor of a one-sensor vendor file: lumbar or sacrum."""
    if name not in {"lumbar", "sacrum"}:
        raise InputError(f"--as '{name}' is unknown; choose lumbar or sacrum")
    if name != "lumbar" and file_format == "canonical":
        raise InputError("--as applies to vendor files (--format xsens-dot) only")


def _analyze_text(result: Any) -> str:
    r = result
    zones = ", ".join(f"{k} {v:.0f} s" for k, v in r.posture.time_in_zones_s.items())
    rom = ", ".join(f"{k} {v:.0f}" for k, v in r.rom_deg.items())
    lines = [
        f"{r.duration_s:.1f} s at {r.sample_rate_hz:.0f} Hz; sensors {', '.join(r.sensors)}",
        f"calibration: {r.calibration.grade} ({r.calibration.duration_s:.1f} s, "
        f"gyro RMS {r.calibration.gyro_rms_deg_s:.1f} deg/s)",
        f"ROM (deg): {rom}",
        f"posture: {zones}; sustained flexion episodes {r.posture.sustained_flexion_count}; "
        f"sitting {r.posture.sitting_s:.0f} s, slouched {r.posture.slouch_s:.0f} s; "
        f"lifting events {r.posture.lifting_count} (+{r.posture.exercise_bend_count} "
        "bends in exercise sets)",
        f"reps: {r.reps.rep_count} in {r.reps.set_count} set(s)"
        + "".join(
            f"; {s.axis} x{s.count} ~{s.mean_amplitude_deg:.0f} deg" for s in r.reps.sets[:5]
        ),
        f"holds: {r.quality.hold_count}, mean stillness RMS {r.quality.mean_stillness_rms_deg:.2f} deg"
        if r.quality.mean_stillness_rms_deg is not None
        else "holds: none",
    ]
    if r.sway.longest:
        lines.append(
            f"sway: RMS AP {r.sway.longest.rms_ap_deg:.2f} / ML {r.sway.longest.rms_ml_deg:.2f} deg, "
            f"95% ellipse {r.sway.longest.ellipse95_area_deg2:.2f} deg²"
        )
    lines += [f"warning: {w}" for w in r.warnings]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.add_typer(sensors_app, name="sensors")

    @sensors_app.command("analyze")
    def analyze_command(
        recording: Annotated[Path, typer.Argument(help="Recording file (CSV or Parquet).")],
        *,
        angles_out: Annotated[
            Path | None,
            typer.Option("--angles-out", help="Write t,flexion_deg,lateral_deg,rotation_deg CSV."),
        ] = None,
        calibration: Annotated[
            Path | None, typer.Option("--calibration", help="Separate quiet-standing recording.")
        ] = None,
        settings_file: Annotated[
            Path | None,
            typer.Option("--settings", help="YAML/JSON file overriding sensor thresholds."),
        ] = None,
        file_format: FormatOption = "canonical",
        sensor_name: SensorNameOption = "lumbar",
        json_flag: JsonOption = None,
    ) -> None:
        """Lumbar angles, posture, ROM, reps, hold quality and sway of a recording."""
        from spinecoach.sensors.file_analysis import analyze_file
        from spinecoach.sensors.files import write_angles

        def angles_file(t: Any, angles: Any) -> None:
            assert angles_out is not None
            with atomic_output(angles_out, "--angles-out") as partial:
                write_angles(t, angles, partial)

        fmt = _file_format(file_format)
        _sensor_name(sensor_name, fmt)
        if sensor_name == "sacrum":
            raise InputError(
                "--as sacrum: analyze needs the lumbar sensor (angles are lumbar relative to "
                "sacrum); orient a sacrum export with `sensors orient`, or pair it with a lumbar "
                "export with `sensors convert`"
            )
        check_outputs(
            {"RECORDING": recording, "--calibration": calibration, "--settings": settings_file},
            {"--angles-out": angles_out},
            csv_only={"--angles-out"},
        )
        settings = _settings(settings_file)
        label = f"analysing {recording.name}"
        file_bytes = recording.stat().st_size if recording.is_file() else 0
        with _progress(label, file_bytes) as advance:
            result = analyze_file(
                recording,
                settings,
                calibration=calibration,
                file_format=fmt,
                sensor_name=sensor_name,
                progress=advance,
                angles=angles_file if angles_out is not None else None,
            )
        emit(result, lambda: _analyze_text(result), json_flag)

    @sensors_app.command("orient")
    def orient_command(
        recording: Annotated[Path, typer.Argument(help="Recording file (CSV or Parquet).")],
        *,
        sensor: Annotated[
            str | None,
            typer.Option(
                "--sensor", help="Sensor name, e.g. lumbar or sacrum (default: the only one)."
            ),
        ] = None,
        out: Annotated[Path, typer.Option("--out", help="Orientation CSV t,w,x,y,z to write.")],
        file_format: FormatOption = "canonical",
        sensor_name: SensorNameOption = "lumbar",
        json_flag: JsonOption = None,
    ) -> None:
        """Sensor-to-earth orientation quaternions of one sensor (offline vqf, earth z up)."""
        from spinecoach.sensors.files import read_recording, write_orientation
        from spinecoach.sensors.orientation import magnetometer_trust, orient
        from spinecoach.sensors.validation import (
            RecordingValidator,
            sample_rate_hz,
        )

        fmt = _file_format(file_format)
        _sensor_name(sensor_name, fmt)
        check_outputs({"RECORDING": recording}, {"--out": out}, csv_only={"--out"})
        rec = read_recording(recording, fmt, sensor_name)
        if sensor is None:
            if len(rec.sensors) > 1:
                raise InputError(
                    f"--sensor is needed: {recording} has sensors {', '.join(rec.sensors)}"
                )
            sensor = next(iter(rec.sensors))
        if sensor not in rec.sensors:
            raise SensorDataError(
                f"--sensor {sensor}: not in {recording} (sensors: {', '.join(rec.sensors)})"
            )
        rate = sample_rate_hz(rec.t)
        validator = RecordingValidator(rate)
        validator.check(rec)
        samples = rec.sensors[sensor]
        trust = magnetometer_trust(samples.mag)
        q = orient(samples, rate, use_mag=trust.trusted)
        with atomic_output(out, "--out") as partial:
            write_orientation(rec.t, q, partial)
        payload = {
            "sensor": sensor,
            "samples": len(rec),
            "sample_rate_hz": round(rate, 3),
            "fusion": "9D" if trust.trusted else "6D",
            "magnetometer": trust.reason,
            "gaps": [g.model_dump() for g in validator.gaps[:100]],
            "out": str(out),
        }
        emit(
            payload,
            lambda: f"{sensor}: {len(rec)} samples, {payload['fusion']} -> {out}",
            json_flag,
        )

    @sensors_app.command("convert")
    def convert_command(
        *,
        lumbar: Annotated[Path, typer.Option("--lumbar", help="Export of the T12/L1 sensor.")],
        sacrum: Annotated[
            Path | None, typer.Option("--sacrum", help="Export of the sacrum sensor.")
        ] = None,
        out: Annotated[Path, typer.Option("--out", help="Canonical recording (.csv/.parquet).")],
        file_format: FormatOption = "xsens-dot",
        json_flag: JsonOption = None,
    ) -> None:
        """Vendor exports (one file per sensor, recorded together) -> one canonical recording."""
        from spinecoach.sensors.files import read_recording, write_recording
        from spinecoach.sensors.recording import merge_sensors

        fmt = _file_format(file_format)
        check_outputs({"--lumbar": lumbar, "--sacrum": sacrum}, {"--out": out}, recording={"--out"})
        files = {"lumbar": lumbar} | ({"sacrum": sacrum} if sacrum else {})
        rec = merge_sensors({n: read_recording(p, fmt, sensor_name=n) for n, p in files.items()})
        with atomic_output(out, "--out") as partial:
            write_recording(rec, partial)
        payload = {"sensors": list(rec.sensors), "samples": len(rec), "out": str(out)}
        emit(payload, lambda: f"{', '.join(rec.sensors)}: {len(rec)} samples -> {out}", json_flag)

    @simulate_app.command("recording")
    def simulate_recording_command(
        *,
        out: Annotated[Path, typer.Option("--out", help="Recording to write (.csv or .parquet).")],
        scenario: Annotated[str, typer.Option("--scenario", help=SCENARIO_HELP)] = "forward-bends",
        seconds: Annotated[
            float | None, typer.Option("--seconds", help="Length of 'standing' and 'day'.")
        ] = None,
        seed: Annotated[
            int, typer.Option("--seed", min=0, help="Random seed (same seed, same file).")
        ] = 0,
        rate: Annotated[float, typer.Option("--rate", help="Sample rate in Hz.")] = 100.0,
        magnetometer: Annotated[
            bool, typer.Option("--magnetometer", help="Add mag columns.")
        ] = False,
        truth_out: Annotated[
            Path | None, typer.Option("--truth-out", help="Write the true angles (angle CSV).")
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """A synthetic two-sensor recording (lumbar + sacrum) with known lumbar angles."""
        from spinecoach.sensors.files import write_angles, write_recording
        from spinecoach.simulate.recording import simulate_recording

        check_outputs(
            {},
            {"--out": out, "--truth-out": truth_out},
            csv_only={"--truth-out"},
            recording={"--out"},
        )
        _check_seconds(seconds, scenario)
        syn = simulate_recording(
            scenario, seconds=seconds, seed=seed, rate_hz=rate, magnetometer=magnetometer
        )
        with atomic_output(out, "--out") as partial:
            write_recording(syn.recording, partial)
        if truth_out is not None:
            with atomic_output(truth_out, "--truth-out") as partial:
                write_angles(syn.recording.t, syn.truth_deg, partial)
        payload = {
            "scenario": scenario,
            "samples": len(syn.recording),
            "duration_s": round(len(syn.recording) / rate, 3),
            "sets": [s.__dict__ for s in syn.sets[:100]],
            "out": str(out),
        }
        emit(payload, lambda: f"{scenario}: {payload['duration_s']} s -> {out}", json_flag)
