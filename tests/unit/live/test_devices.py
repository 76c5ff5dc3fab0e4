"""Device tokens: scoped to one patient, stored as hashes, revocable while a server runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from spinecoach.errors import InputError
from spinecoach.live.devices import (
    MemoryDeviceAuthority,
    TokenFileAuthority,
    add_token,
    revoke_device,
)


def test_memory_tokens_resolve_until_revoked() -> None:
    authority = MemoryDeviceAuthority()
    token = authority.issue("p1", "phone", ("stream",))
    grant = authority.grant_for(token)
    assert grant is not None
    assert (grant.patient_id, grant.device_id, grant.scopes) == ("p1", "phone", {"stream"})
    assert authority.grant_for(token + "x") is None
    authority.revoke(token)
    assert authority.grant_for(token) is None


def test_token_file_keeps_only_hashes_and_sees_revocation(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = add_token(path, "p1", "phone")
    other = add_token(path, "p2", "watch")
    assert token not in path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    authority = TokenFileAuthority(path)
    grant = authority.grant_for(token)
    assert grant is not None
    assert grant.patient_id == "p1"
    revoke_device(path, "phone")
    os.utime(
        path, ns=(1, path.stat().st_mtime_ns + 1_000_000)
    )  # a later change, whatever the clock
    assert authority.grant_for(token) is None
    assert authority.grant_for(other) is not None


def test_token_file_errors_name_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"devices": [{"device": "a", "patient": "p", "scopes": []}]}))
    with pytest.raises(InputError, match=r"devices\[0\]: missing field 'sha256'"):
        TokenFileAuthority(path)
    path.write_text(
        json.dumps(
            {"devices": [{"device": "a", "patient": "p", "sha256": "0", "scopes": ["admin"]}]}
        )
    )
    with pytest.raises(InputError, match=r"devices\[0\].scopes: unknown scope admin"):
        TokenFileAuthority(path)
    with pytest.raises(InputError, match="token file not found"):
        TokenFileAuthority(tmp_path / "none.json")


def test_a_device_is_paired_once(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "p1", "phone")
    with pytest.raises(InputError, match="--device phone: already paired"):
        add_token(path, "p1", "phone")
    with pytest.raises(InputError, match="--device tablet: not in"):
        revoke_device(path, "tablet")
