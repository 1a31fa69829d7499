"""`chengnuo up` as a user runs it: starts everything, keeps data across runs, brings back a service
that dies, leaves no orphans."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from chengnuo.commitment.v1 import catalogue_pb2, catalogue_pb2_grpc
from tests.e2e.test_thin_flow import draft
from tests.support import channel, eventually, trust_state

CHENGNUO = str(Path(sys.executable).parent / "chengnuo")


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    return {p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)}


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


Process = asyncio.subprocess.Process


async def _up(data_dir: Path) -> tuple[Process, dict[str, object]]:
    process = await asyncio.create_subprocess_exec(
        *[CHENGNUO, "up", "--data-dir", str(data_dir), "--port-base", "0", "--nats-port", "0"],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    state_file = data_dir / "stack.json"
    deadline = time.monotonic() + 90
    while not state_file.exists():
        assert process.returncode is None, "chengnuo up exited early"
        assert time.monotonic() < deadline, "chengnuo up did not come up"
        await asyncio.sleep(0.2)
    return process, trust_state(state_file)


def _token(data_dir: Path) -> str:
    args = [CHENGNUO, "token", "--role", "catalogue_admin", "--department", "D-UP", "--region", "350200"]
    return subprocess.check_output([*args, "--data-dir", str(data_dir)], text=True).strip()


async def _stop(process: Process, how: signal.Signals) -> str:
    before = _descendants(process.pid)
    if how == signal.SIGINT:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    else:
        process.send_signal(how)
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, output.decode()
    await asyncio.sleep(0.5)
    assert _alive(before) == set(), "processes outlived chengnuo up"
    return output.decode()


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
async def test_up_runs_keeps_data_and_stops_cleanly(tmp_path: Path, stop_with: signal.Signals) -> None:
    data_dir = tmp_path / "data"
    process, state = await _up(data_dir)
    endpoints = state["endpoints"]
    assert isinstance(endpoints, dict)
    assert set(endpoints) == {"commitment", "verification", "credit"}
    token = _token(data_dir)
    async with channel(endpoints["commitment"], token) as ch:
        stub = catalogue_pb2_grpc.CatalogueServiceStub(ch)
        created = await stub.CreateItem(
            catalogue_pb2.CreateItemRequest(request_id=str(uuid.uuid4()), item=draft())
        )
        await stub.PublishCatalogue(catalogue_pb2.PublishCatalogueRequest(request_id=str(uuid.uuid4())))
    output = await _stop(process, stop_with)
    assert "chengnuo is running" in output
    assert "stopped" in output
    assert "supervisor:" not in output, "a service stopped with the stack was taken for a dead one"
    assert not (data_dir / "stack.json").exists()

    process, state = await _up(data_dir)  # the second run reuses the data directory
    endpoints = state["endpoints"]
    assert isinstance(endpoints, dict)
    async with channel(endpoints["commitment"], _token(data_dir)) as ch:
        stub = catalogue_pb2_grpc.CatalogueServiceStub(ch)
        kept = await stub.GetItem(catalogue_pb2.GetItemRequest(item_id=created.item.item_id))
        assert kept.item.content.name == draft().name
    await _stop(process, signal.SIGTERM)


async def test_up_restarts_a_killed_service_and_says_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    process, state = await _up(data_dir)
    try:
        pids, endpoints = state["pids"], state["endpoints"]
        assert isinstance(pids, dict)
        assert isinstance(endpoints, dict)
        victim = pids["commitment-0"]
        os.kill(victim, signal.SIGKILL)
        state = await eventually(lambda: _restarted(data_dir, victim), timeout=60, what="a restart")
        assert state["endpoints"] == endpoints, "the restarted service is on its former address"
        async with channel(endpoints["commitment"], _token(data_dir)) as ch:  # and serves it
            created = await catalogue_pb2_grpc.CatalogueServiceStub(ch).CreateItem(
                catalogue_pb2.CreateItemRequest(request_id=str(uuid.uuid4()), item=draft())
            )
        assert created.item.item_id
    finally:
        output = await _stop(process, signal.SIGTERM)
    restarted = state["pids"]
    assert isinstance(restarted, dict)
    lines = [line for line in output.splitlines() if line.startswith("supervisor:")]
    assert lines[0].startswith(f"supervisor: commitment (pid {victim}) died: killed by SIGKILL after")
    assert lines[0].endswith("restarting in 0.5 s")
    assert lines[1].startswith(f"supervisor: commitment restarted: pid {restarted['commitment-0']} on ")
    assert len(lines) == 2, "only the killed service restarted, and stopping restarted nothing"


async def _restarted(data_dir: Path, victim: int) -> dict[str, object] | None:
    state = trust_state(data_dir / "stack.json")
    pids = state["pids"]
    return state if pids["commitment-0"] != victim else None


async def test_a_second_up_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    process, _ = await _up(tmp_path / "data")
    try:
        second = await asyncio.create_subprocess_exec(
            *[CHENGNUO, "up", "--data-dir", str(tmp_path / "data"), "--port-base", "0", "--nats-port", "0"],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode != 0
        assert "already running" in output.decode()
    finally:
        await _stop(process, signal.SIGTERM)
