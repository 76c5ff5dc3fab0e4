"""`spinecoach live serve|pair|revoke` and `spinecoach simulate device`.

`pair` and `revoke` work on a token file (for the standalone `live serve`) or, without
``--token-file``, on the clinic's paired devices (acting as the service, audited as system).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spinecoach.commands._output import JsonOption, emit
from spinecoach.commands.simulation import simulate_app
from spinecoach.errors import InputError

__all__ = ["register"]

live_app = typer.Typer(
    help="Live sensor streams: paired devices (the clinic's or a token file) and a standalone server.",
    no_args_is_help=True,
)

TokenFileOption = Annotated[
    Path, typer.Option("--token-file", help="JSON file of paired devices (token hashes).")
]


OptionalTokenFile = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="JSON file of paired devices (for `live serve`); without it: the clinic's record.",
    ),
]


def _engine() -> Any:
    """The clinic's database (SPINECOACH_ settings), migrated."""
    from spinecoach.commands.clinic import _migrated_engine, _settings

    return _migrated_engine(_settings())


def register(app: typer.Typer) -> None:
    app.add_typer(live_app, name="live")

    @live_app.command("serve")
    def serve_command(
        *,
        data_dir: Annotated[
            Path, typer.Option("--data-dir", help="Folder for the streamed recordings.")
        ],
        token_file: TokenFileOption,
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8765,
    ) -> None:
        """Run the live router on its own (uvicorn) until interrupted."""
        import uvicorn

        from spinecoach.live.app import UVICORN_OPTIONS, create_live_app
        from spinecoach.live.devices import TokenFileAuthority

        TokenFileAuthority(token_file)  # a missing or malformed file is named before starting
        if not 0 < port < 65536:
            raise InputError(f"--port {port}: must be 1-65535")
        app = create_live_app(data_dir, token_file)
        uvicorn.run(
            app, host=host, port=port, log_level="warning", ws_max_size=2**21, **UVICORN_OPTIONS
        )

    @live_app.command("pair")
    def pair_command(
        *,
        patient: Annotated[
            str, typer.Option("--patient", help="Patient id the device streams for.")
        ],
        device: Annotated[str, typer.Option("--device", help="A name for the device.")],
        token_file: OptionalTokenFile = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Pair a device with a patient: prints its new token once (only its hash is stored).

        With --token-file, for `live serve`; without, in the clinic's record (SPINECOACH_
        settings), for the clinic service's /api/live/ingest."""
        if token_file is not None:
            from spinecoach.live.devices import add_token

            token = add_token(token_file, patient, device)
            emit({"device": device, "token": token}, lambda: token, json_flag)
            return
        from spinecoach.services import devices
        from spinecoach.services.actors import SYSTEM
        from spinecoach.store.unit_of_work import UnitOfWork

        paired = devices.pair_device(UnitOfWork(_engine()), SYSTEM, patient, device)
        emit(
            {"device": device, "device_id": paired.device.id, "token": paired.token},
            lambda: paired.token,
            json_flag,
        )

    @live_app.command("revoke")
    def revoke_command(
        *,
        device: Annotated[
            str,
            typer.Option("--device", help="The device (its name in a token file, else its id)."),
        ],
        token_file: OptionalTokenFile = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Revoke a device's token; a stream it is sending ends within seconds (data kept)."""
        if token_file is not None:
            from spinecoach.live.devices import revoke_device

            revoke_device(token_file, device)
        else:
            from spinecoach.services import devices
            from spinecoach.services.actors import SYSTEM
            from spinecoach.store.unit_of_work import UnitOfWork

            devices.revoke_device(UnitOfWork(_engine()), SYSTEM, device)
        emit({"device": device, "revoked": True}, lambda: f"{device}: revoked", json_flag)

    @simulate_app.command("device")
    def simulate_device_command(
        recording: Annotated[Path, typer.Argument(help="Recording to replay (CSV or Parquet).")],
        *,
        url: Annotated[
            str,
            typer.Option("--url", help="Live ingest URL, e.g. ws://127.0.0.1:8765/live/ingest."),
        ],
        token: Annotated[str, typer.Option("--token", help="The device token.")],
        speed: Annotated[
            float,
            typer.Option("--speed", help="1 = real time, 10 = ten times faster, 0 = flat out."),
        ] = 1.0,
        block_s: Annotated[
            float, typer.Option("--block-s", help="Seconds of samples per frame.")
        ] = 0.25,
        exercise: Annotated[
            str | None,
            typer.Option("--exercise", help="Catalogue exercise id: stream in exercise mode."),
        ] = None,
        json_flag: JsonOption = None,
    ) -> None:
        """Replay a recording as a sensor gateway would, frame by frame over the WebSocket."""
        from spinecoach.live.gateway import replay
        from spinecoach.sensors.files import read_recording
        from spinecoach.sensors.validation import sample_rate_hz

        if speed < 0:
            raise InputError(f"--speed {speed}: must be 0 or more")
        if not 0.01 <= block_s <= 10:
            raise InputError(f"--block-s {block_s}: must be 0.01-10 s")
        start = {}
        if exercise is not None:
            from spinecoach.exercises import load_catalogue
            from spinecoach.live.feedback import target_for_exercise

            target = target_for_exercise(load_catalogue().get(exercise))
            start["exercise"] = target.model_dump()
        rec = read_recording(recording)
        rate = sample_rate_hz(rec.t)
        report = replay(
            rec, url, token, rate_hz=round(rate, 6), speed=speed, block_s=block_s, start=start
        )
        payload = {
            "session": report.session,
            "frames_acked": report.acked,
            "samples_kept": report.samples_kept,
            "refused": report.refused[:20],
            "refused_count": len(report.refused),
            "ended": report.ended,
            "closed": report.closed,
        }
        emit(
            payload,
            lambda: (
                f"session {report.session}: {report.samples_kept} samples kept, "
                f"{len(report.refused)} frames refused"
                + (f"; closed: {report.closed}" if report.closed else "")
            ),
            json_flag,
        )
