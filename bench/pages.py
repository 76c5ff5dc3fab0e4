"""Benchmark: server time per web page with 1,000 patients seeded (SQLite), p50 and p99.

Run with ``.venv/bin/python bench/pages.py [--patients N] [--requests N] [--json PATH]``.
The web app runs in this process behind Starlette's test client (no network: the time is the
server's own: session lookup, the service calls, the template, the pictures). Pages measured:
the clinician home (the first page of 50 patients, alerts first, with the counts), the home
searched by name on its second page, a patient's page (assessment, program with
pictures, versions, sessions, charts) and a patient's "today" (exercises, pictures, log form).
Beside each page, the API's JSON answer(s) for the same record, which is what a client building
its own screen would call instead; the ratio is page / JSON. Target: page p99 < 200 ms.
CPU time per request is reported beside the wall-clock time (``cpu_ms``), as the figure to
trust on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench passphrase 2026"
START = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)


def _seed(data_dir: Path, patients: int, on_program: int) -> tuple[Any, dict[str, Any]]:
    """One clinician with ``patients`` patients; ``on_program`` on an approved first program
    (the example intake), one in ten of those with a flare-up session; one patient account."""
    from spinecoach.services import accounts, clinic, intake, programs, sessions
    from spinecoach.services import patients as patient_service
    from spinecoach.services.actors import SYSTEM, Role
    from spinecoach.settings import ServiceSettings
    from spinecoach.store.engine import make_engine
    from spinecoach.store.migrate import upgrade
    from spinecoach.store.unit_of_work import UnitOfWork

    settings = ServiceSettings(data_dir=data_dir, totp_required_for=frozenset())
    engine = make_engine(settings.url)
    upgrade(engine)
    clinic.seed_policy(UnitOfWork(engine), settings)
    doctor = accounts.create_user(
        UnitOfWork(engine), SYSTEM, username="dr_bench", password=PASSWORD,
        roles={Role.CLINICIAN},
    ).actor()  # fmt: skip
    example = json.loads((ROOT / "examples" / "desk-worker.intake.json").read_text())
    ids = [
        patient_service.register_patient(
            UnitOfWork(engine), doctor, {"display_name": f"Patient {i:04d}"}, now=START
        ).id
        for i in range(patients)
    ]
    for n, pid in enumerate(ids[:on_program]):
        result = intake.submit_intake(UnitOfWork(engine), doctor, pid, example, now=START)
        approved = programs.approve_version(
            UnitOfWork(engine), doctor, result.version.id, now=START
        )
        if n % 10 == 0:
            program = programs.program_of(approved)
            session = {
                "date": (START.date() + dt.timedelta(days=1)).isoformat(),
                "pain_before": 3,
                "pain_after": 8,
                "exercises": [
                    {"id": e.id, "sets": e.dose.sets, "completed": True} for e in program.exercises
                ],
            }
            sessions.log_session(
                UnitOfWork(engine), doctor, pid, session, now=START + dt.timedelta(days=1)
            )
    accounts.create_user(
        UnitOfWork(engine), SYSTEM, username="patient_bench", password=PASSWORD,
        roles={Role.PATIENT}, patient_id=ids[0],
    )  # fmt: skip
    return engine, {"settings": settings, "patients": ids[:on_program]}


def _measure(requests: int, call: Callable[[int], Any]) -> dict[str, float]:
    """Wall-clock and CPU time (this process: the server and the in-process client) per
    request; the CPU figures hold still on a loaded machine, the wall-clock ones do not."""
    for i in range(min(5, requests)):  # warm-up: templates, pictures, caches
        call(i)
    latencies = []
    cpu = []
    for i in range(requests):
        t0 = time.perf_counter()
        c0 = time.process_time()
        response = call(i)
        cpu.append((time.process_time() - c0) * 1000)
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    latencies.sort()
    cpu.sort()
    last = len(latencies) - 1
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(last, int(0.99 * len(latencies)))],
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p99_ms": cpu[min(last, int(0.99 * len(cpu)))],
    }


def _client(app: Any, username: str) -> Any:
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://127.0.0.1")
    form = client.get("/login")
    token = form.text.split('name="login_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "login_token": token},
        follow_redirects=False,
    )
    if answer.status_code != 303:
        raise RuntimeError(f"login {username}: {answer.status_code}")
    return client


def run(patients: int, on_program: int, requests: int) -> list[dict[str, Any]]:
    from spinecoach.web.app import create_web_app

    with tempfile.TemporaryDirectory(prefix="spinecoach-pages-") as tmp:
        t0 = time.perf_counter()
        engine, world = _seed(Path(tmp), patients, on_program)
        print(
            f"seeded {patients} patients ({on_program} on a program) in {time.perf_counter() - t0:.0f} s"
        )
        app = create_web_app(world["settings"], engine=engine)
        doctor = _client(app, "dr_bench")
        patient = _client(app, "patient_bench")
        ids = world["patients"]
        first = ids[0]

        def pair(get: Callable[[int], Any], api: Callable[[int], Any]) -> tuple[Any, Any]:
            return _measure(requests, get), _measure(requests, api)

        def api_record(client: Any, pid: str) -> Any:
            for path in (f"/api/patients/{pid}", f"/api/patients/{pid}/program-versions"):
                response = client.get(path)
                if response.status_code >= 400:
                    return response
            return client.get(f"/api/patients/{pid}/sessions", params={"limit": 20})

        cases = {
            "clinician home": pair(
                lambda _: doctor.get("/clinic"),
                lambda _: doctor.get("/api/alerts", params={"limit": 100}),
            ),
            "clinician home, search and page": pair(
                lambda i: doctor.get("/clinic", params={"q": f"patient 0{i % 10}", "page": 2}),
                lambda _: doctor.get("/api/patients", params={"limit": 50, "offset": 50}),
            ),
            "patient page (clinician)": pair(
                lambda i: doctor.get(f"/clinic/patients/{ids[i % len(ids)]}"),
                lambda i: api_record(doctor, ids[i % len(ids)]),
            ),
            "patient today": pair(
                lambda _: patient.get(f"/patients/{first}/today"),
                lambda _: api_record(patient, first),
            ),
        }
        engine.dispose()
    rows = []
    for case, (page, api) in cases.items():
        for stat in ("p50_ms", "p99_ms"):
            rows.append(
                {
                    "bench": "pages",
                    "case": f"{case} {stat[:3]}",
                    "ours": round(page[stat], 2),
                    "unit": "ms",
                    "peer_name": "the API's JSON for the same record",
                    "peer": round(api[stat], 2),
                    "ratio": round(page[stat] / api[stat], 2) if api[stat] else None,
                    "note": f"{patients} patients, SQLite, in-process, {requests} requests; "
                    f"CPU {page['cpu_' + stat]:.1f} ms (JSON {api['cpu_' + stat]:.1f} ms)",
                    "cpu_ms": round(page["cpu_" + stat], 2),
                    "peer_cpu_ms": round(api["cpu_" + stat], 2),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--on-program", type=int, default=200, help="patients with a program")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None, help="write benchmark rows here")
    args = parser.parse_args()
    rows = run(args.patients, args.on_program, args.requests)
    print(f"{'case':40} {'page ms':>9} {'JSON ms':>9} {'ratio':>6} {'page CPU':>9} {'JSON CPU':>9}")
    for row in rows:
        print(
            f"{row['case']:40} {row['ours']:9.1f} {row['peer']:9.1f} {row['ratio']!s:>6} "
            f"{row['cpu_ms']:9.1f} {row['peer_cpu_ms']:9.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
