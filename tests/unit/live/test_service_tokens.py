"""A stream's token is looked up again while it streams: by the transport off its event loop,
or by the service itself when no lookup was made since the frame arrived."""

from __future__ import annotations

import json
import time
from pathlib import Path

from spinecoach.live.devices import MemoryDeviceAuthority
from spinecoach.live.frames import gateway_frames, start_frame_for
from spinecoach.live.service import LiveService
from spinecoach.live.session import MemoryRecordingSink
from spinecoach.simulate.recording import SyntheticRecording


class CountingAuthority(MemoryDeviceAuthority):
    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def grant_for(self, token: str) -> object:  # type: ignore[override]
        self.lookups += 1
        return super().grant_for(token)


def _streaming(
    tmp_path: Path, rec: SyntheticRecording, recheck_s: float
) -> tuple[CountingAuthority, LiveService, str, list[str]]:
    authority = CountingAuthority()
    service = LiveService(authority, MemoryRecordingSink(), tmp_path, recheck_s=recheck_s)
    token = authority.issue("p1", "phone")
    frames = [json.dumps(f) for f in gateway_frames(rec.recording, 0.5, 100.0)]
    return authority, service, token, frames


def test_without_a_transport_lookup_the_service_looks_up_when_due(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    authority, service, token, frames = _streaming(tmp_path, forward_bends, recheck_s=0.0)
    session, _ = service.open(token, json.dumps(start_frame_for(forward_bends.recording, 100.0)))
    assert authority.lookups == 1
    assert service.handle(session, frames[0], time.perf_counter()).closing is None
    assert authority.lookups == 2  # due (recheck_s 0): looked up in handle
    authority.revoke(token)
    reply = service.handle(session, frames[1], time.perf_counter())
    assert reply.closing is not None
    assert reply.closing.code == 4401
    assert session.ended == "revoked"


def test_a_lookup_made_after_the_frame_arrived_is_not_made_again(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    authority, service, token, frames = _streaming(tmp_path, forward_bends, recheck_s=0.0)
    session, _ = service.open(token, json.dumps(start_frame_for(forward_bends.recording, 100.0)))
    received = time.perf_counter()
    assert service.recheck_due(session)
    service.recheck(session)  # as the WebSocket transport does, in a worker thread
    assert service.handle(session, frames[0], received).closing is None
    assert authority.lookups == 2  # at connect, and the transport's: none in handle

    authority.revoke(token)
    received = time.perf_counter()
    service.recheck(session)
    reply = service.handle(session, frames[1], received)
    assert reply.closing is not None
    assert reply.closing.code == 4401
    assert authority.lookups == 3


def test_no_lookup_before_recheck_s_and_none_kept_for_a_closed_session(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    authority, service, token, frames = _streaming(tmp_path, forward_bends, recheck_s=60.0)
    session, _ = service.open(token, json.dumps(start_frame_for(forward_bends.recording, 100.0)))
    authority.revoke(token)
    assert not service.recheck_due(session)
    assert service.handle(session, frames[0], time.perf_counter()).closing is None  # not yet
    assert authority.lookups == 1
    service.close(session, "end")
    service.recheck(session)  # a lookup finishing after the session closed
    assert not service.recheck_due(session)
    assert authority.lookups == 1
