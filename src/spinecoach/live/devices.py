"""Device tokens: which patient a gateway streams for, and what it may do.

:class:`DeviceAuthority` is the seam the clinic service implements from its paired devices
(a token is scoped to one patient and can be revoked at any time; a running stream checks it
again every few seconds). Two implementations ship here for tests and the standalone server:
one in memory, one backed by a JSON file of token hashes that can be edited while it runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from spinecoach.errors import InputError, shorten

__all__ = [
    "SCOPES",
    "DeviceAuthority",
    "DeviceGrant",
    "MemoryDeviceAuthority",
    "TokenFileAuthority",
    "add_token",
    "revoke_device",
]

SCOPES = ("stream", "feedback")
"""``stream``: send samples for the patient; ``feedback``: read the patient's live feedback."""


@dataclass(frozen=True)
class DeviceGrant:
    """What a valid token allows: one patient, one device, some scopes."""

    patient_id: str
    device_id: str
    scopes: frozenset[str]


class DeviceAuthority(Protocol):
    """Resolves a device token; None when it is unknown or revoked."""

    def grant_for(self, token: str) -> DeviceGrant | None:
        """The grant of ``token`` now (called at connect and again while streaming)."""
        ...


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class MemoryDeviceAuthority:
    """Tokens held in memory: :meth:`issue` and :meth:`revoke` (tests, embedding)."""

    def __init__(self) -> None:
        self._grants: dict[str, DeviceGrant] = {}

    def issue(self, patient_id: str, device_id: str, scopes: tuple[str, ...] = SCOPES) -> str:
        token = secrets.token_urlsafe(24)
        self._grants[_digest(token)] = DeviceGrant(patient_id, device_id, frozenset(scopes))
        return token

    def revoke(self, token: str) -> None:
        self._grants.pop(_digest(token), None)

    def grant_for(self, token: str) -> DeviceGrant | None:
        return self._grants.get(_digest(token))


class TokenFileAuthority:
    """Tokens in a JSON file ``{"devices": [{"device", "patient", "scopes", "sha256"}]}``.

    Only hashes are stored; the file is read again whenever it changes, so revoking a device
    (removing its entry) takes effect on a running server within a few seconds.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._grants: dict[str, DeviceGrant] = {}
        self._load()

    def _load(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise InputError(f"{self.path}: token file not found") from None
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return
        self._grants = {
            entry["sha256"]: DeviceGrant(
                str(entry["patient"]), str(entry["device"]), frozenset(entry["scopes"])
            )
            for entry in _read(self.path)
        }
        self._stamp = stamp

    def grant_for(self, token: str) -> DeviceGrant | None:
        try:
            self._load()
        except InputError:
            return None  # a deleted token file revokes every token
        digest = _digest(token)
        for known, grant in self._grants.items():
            if hmac.compare_digest(known, digest):
                return grant
        return None


def _read(path: Path) -> list[dict[str, Any]]:
    """The entries of a token file; errors name the entry and field at fault."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: token file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno})") from None
    entries = raw.get("devices") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{path}: expected an object with a list 'devices'")
    for i, entry in enumerate(entries):
        for key in ("device", "patient", "sha256", "scopes"):
            if not isinstance(entry, dict) or key not in entry:
                raise InputError(f"{path}: devices[{i}]: missing field '{key}'")
        bad = set(entry["scopes"]) - set(SCOPES)
        if bad:
            raise InputError(
                f"{path}: devices[{i}].scopes: unknown scope {sorted(bad)[0]} "
                f"(known: {', '.join(SCOPES)})"
            )
    return entries


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"devices": entries}, indent=2) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
"""Patient and device ids as the record and the intake spell them."""


def add_token(path: Path, patient_id: str, device_id: str, scopes: tuple[str, ...] = SCOPES) -> str:
    """Pair a device: a new random token for it (returned once), its hash kept in ``path``."""
    for option, value in (("--patient", patient_id), ("--device", device_id)):
        if not _ID.fullmatch(value):
            raise InputError(f"{option} {shorten(value)!r}: 1-64 letters, digits, '.', '-' or '_'")
    entries = _read(path) if path.exists() else []
    if any(e["device"] == device_id for e in entries):
        raise InputError(f"--device {device_id}: already paired; revoke it first")
    token = secrets.token_urlsafe(24)
    entries.append(
        {
            "device": device_id,
            "patient": patient_id,
            "scopes": list(scopes),
            "sha256": _digest(token),
        }
    )
    _write(path, entries)
    return token


def revoke_device(path: Path, device_id: str) -> None:
    """Remove a device's token from ``path``; error when it is not there."""
    entries = _read(path)
    kept = [e for e in entries if e["device"] != device_id]
    if len(kept) == len(entries):
        raise InputError(f"--device {device_id}: not in {path}")
    _write(path, kept)
