"""Benchmark: the clinic API over HTTP, SQLite beside PostgreSQL, with 1,000 patients seeded.

Run with ``.venv/bin/python bench/api.py [--patients N] [--requests N] [--json PATH]``.
For each database a real ``spinecoach serve`` (uvicorn) runs in its own process and this
process is the HTTP client (httpx, one connection, requests one after another, authenticated by
a clinician's personal access token). Measured: logging a session, the clinician's alert list,
and a patient's page (register entry, program versions, sessions). Reported: requests per second,
p50 and p99 latency; the ratio is SQLite / PostgreSQL. Targets (SQLite): p99 < 50 ms logging,
< 100 ms reads. PostgreSQL is skipped with a note when no server answers at 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("SPINECOACH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "bench passphrase 2026"
START = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)


def _seed(url: str, data_dir: Path, patients: int, on_program: int) -> dict[str, Any]:
    """A clinic: one clinician with ``patients`` patients, ``on_program`` of them with an
    approved first program (from the example intake); returns ids and a clinician token."""
    from spinecoach.services import accounts, clinic, intake, programs
    from spinecoach.services import patients as patient_service
    from spinecoach.services.accounts import AccessPolicy
    from spinecoach.services.actors import SYSTEM, Role
    from spinecoach.settings import ServiceSettings
    from spinecoach.store.engine import make_engine
    from spinecoach.store.migrate import upgrade
    from spinecoach.store.unit_of_work import UnitOfWork

    settings = ServiceSettings(data_dir=data_dir, database_url=url, totp_required_for=frozenset())
    engine = make_engine(url)
    upgrade(engine)
    clinic.seed_policy(UnitOfWork(engine), settings)
    account = accounts.create_user(
        UnitOfWork(engine), SYSTEM, username="dr_bench", password=PASSWORD,
        roles={Role.CLINICIAN},
    )  # fmt: skip
    doctor = account.actor()
    example = json.loads((ROOT / "examples" / "desk-worker.intake.json").read_text())
    ids = []
    for i in range(patients):
        record = patient_service.register_patient(
            UnitOfWork(engine), doctor, {"display_name": f"Patient {i:04d}"}, now=START
        )
        ids.append(record.id)
    programs_by_patient = {}
    for pid in ids[:on_program]:
        result = intake.submit_intake(UnitOfWork(engine), doctor, pid, example, now=START)
        approved = programs.approve_version(
            UnitOfWork(engine), doctor, result.version.id, now=START
        )
        programs_by_patient[pid] = approved.document
    # a few more intakes leave versions awaiting approval: alerts on the clinician's list
    for pid in ids[on_program : on_program * 2]:
        intake.submit_intake(UnitOfWork(engine), doctor, pid, example, now=START)
    token = accounts.create_token(
        UnitOfWork(engine), doctor, name="bench", scopes=["read", "write"], expires_in_days=1,
        policy=AccessPolicy(),
    )  # fmt: skip
    engine.dispose()
    return {"patients": ids, "programs": programs_by_patient, "token": token.secret}


@contextmanager
def _server(url: str, data_dir: Path, port: int) -> Iterator[str]:
    env = {
        **os.environ,
        "SPINECOACH_DATABASE_URL": url,
        "SPINECOACH_DATA_DIR": str(data_dir),
        "SPINECOACH_TOTP_REQUIRED_FOR": "[]",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "spinecoach.cli", "serve", "--port", str(port),
         "--review-every", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/auth/me", timeout=2).status_code == 401:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"server did not start: {err[-500:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _session(program: dict[str, Any], day: dt.date) -> dict[str, Any]:
    exercises = []
    for e in program["exercises"]:
        done = {"id": e["id"], "sets": e["dose"]["sets"], "completed": True, "rpe": 3}
        for key in ("reps", "hold_s"):
            if e["dose"].get(key) is not None:
                done[key] = e["dose"][key]
        exercises.append(done)
    return {"date": day.isoformat(), "pain_before": 3, "pain_after": 3, "exercises": exercises}


def _measure(requests: int, call: Callable[[int], httpx.Response]) -> dict[str, float]:
    for i in range(min(10, requests)):  # warm-up: connection, caches
        call(-1 - i)
    latencies = []
    started = time.perf_counter()
    for i in range(requests):
        t0 = time.perf_counter()
        response = call(i)
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    total = time.perf_counter() - started
    latencies.sort()
    return {
        "per_s": requests / total,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def _run(url: str, args: argparse.Namespace, port: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="spinecoach-bench-") as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        world = _seed(url, data_dir, args.patients, args.on_program)
        print(f"    seeded {args.patients} patients in {time.perf_counter() - t0:.1f} s")
        with _server(url, data_dir, port) as base:
            client = httpx.Client(
                base_url=base, timeout=30, headers={"Authorization": f"Bearer {world['token']}"}
            )
            on_program = list(world["programs"])
            first_day = START.date() + dt.timedelta(days=1)

            def log(i: int) -> httpx.Response:
                k = i + 10  # the warm-up calls take -1..-10
                pid = on_program[k % len(on_program)]
                day = first_day + dt.timedelta(days=k // len(on_program))
                body = _session(world["programs"][pid], day)
                return client.post(f"/api/patients/{pid}/sessions", json=body)

            def alerts(_: int) -> httpx.Response:
                return client.get("/api/alerts", params={"limit": 50})

            def page(i: int) -> httpx.Response:
                pid = world["patients"][i % len(world["patients"])]
                for path in (f"/api/patients/{pid}", f"/api/patients/{pid}/program-versions"):
                    response = client.get(path)
                    if response.status_code >= 400:
                        return response
                return client.get(f"/api/patients/{pid}/sessions", params={"limit": 20})

            results = {
                "log a session": _measure(args.requests, log),
                "clinician's alert list": _measure(args.requests, alerts),
                "patient page (3 GETs)": _measure(args.requests, page),
            }
            client.close()
    return results


@contextmanager
def _pg_database() -> Iterator[str | None]:
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    name = f"spinecoach_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        print(f"  PostgreSQL skipped: {str(exc.orig).splitlines()[0]}")
        admin.dispose()
        yield None
        return
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--on-program", type=int, default=20, help="patients logging sessions")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per case")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--json", type=Path, default=None, help="write benchmark rows here")
    args = parser.parse_args()

    print(f"clinic API, {args.patients} patients, {args.requests} sequential requests per case")
    with tempfile.TemporaryDirectory(prefix="spinecoach-bench-sqlite-") as tmp:
        print("  SQLite")
        sqlite = _run(f"sqlite:///{Path(tmp) / 'clinic.db'}", args, args.port)
    with _pg_database() as pg_url:
        pg = None
        if pg_url is not None:
            print("  PostgreSQL")
            pg = _run(pg_url, args, args.port + 1)

    rows = []
    print(f"\n  {'case':<26} {'SQLite':>28} {'PostgreSQL':>28}")
    for case, ours in sqlite.items():
        peer = pg[case] if pg else None

        def cell(r: dict[str, float] | None) -> str:
            if r is None:
                return "-"
            return f"{r['per_s']:6.0f}/s p50 {r['p50_ms']:5.1f} p99 {r['p99_ms']:5.1f} ms"

        print(f"  {case:<26} {cell(ours):>28} {cell(peer):>28}")
        for metric, unit in (("per_s", "per_s"), ("p50_ms", "ms"), ("p99_ms", "ms")):
            theirs = peer[metric] if peer else None
            rows.append(
                {
                    "bench": "api",
                    "case": f"{case}: {metric.replace('_ms', '').replace('per_s', 'requests/s')}",
                    "ours": round(ours[metric], 2),
                    "unit": unit,
                    "peer_name": "PostgreSQL (same API, same machine)" if peer else None,
                    "peer": round(theirs, 2) if theirs is not None else None,
                    "ratio": round(ours[metric] / theirs, 3) if theirs else None,
                    "note": f"SQLite; {args.patients} patients; uvicorn in its own process; "
                    "one client, sequential",
                }
            )
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
