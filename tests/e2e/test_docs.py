"""The docs run: every `sh`/`python` block of README.md and docs/*.md is run against a live stack,
as a reader would from the repository, or says why not (doc_blocks.py has the markers)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.errors import FetchTimeoutError
from typer.testing import CliRunner

from chengnuo.events.v1 import credit_events_pb2
from services.cli.main import app
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients
from tests.e2e.doc_blocks import REPO, RUNNABLE, Block, blocks_of, documents
from tests.e2e.test_credit_flow import dishonest, recently
from tests.e2e.test_sharing_queries import agree

Roles = Callable[..., Clients]
BLOCK_SECONDS = 60.0  # a block that ends: a CLI call takes about a second
DOC_PLATFORM = "xinyong-xiamen"
RUN_SECONDS = 12.0  # a block that runs until stopped: longer than two idle 5-second fetches
STOP_SECONDS = 5.0
STATE = ".doc-shell-env"  # what `export` set in one block, for the next (as in one terminal)


def _all_blocks() -> list[Block]:
    return [block for path in documents() for block in blocks_of(path)]


def _with_commands() -> list[Path]:
    return [path for path in documents() if any(b.runnable for b in blocks_of(path))]


def test_every_command_block_is_run_or_says_why_not() -> None:
    problems = []
    for block in _all_blocks():
        said = block.directives
        if not block.info:
            problems.append(f"{block.where}: a fence without an info string (sh, python, console, text…)")
        if "not run" in said and not said["not run"]:
            problems.append(f"{block.where}: `not run` without a reason")
        if said and block.info not in RUNNABLE:
            problems.append(f"{block.where}: markers on a {block.info!r} block, which is never run")
        if "runs until stopped" in said and not said.get("prints"):
            problems.append(f"{block.where}: a block run until stopped must say what it `prints`")
        if "saved as" in said:
            users = [
                b
                for b in blocks_of(block.path)
                if b is not block and b.runnable and said["saved as"] in b.text
            ]
            if not users:
                problems.append(f"{block.where}: saved as {said['saved as']}, but no block runs it")
    assert not problems, "\n".join(problems)
    assert any(b.runnable and b.info == "sh" for b in blocks_of(REPO / "README.md"))
    assert any("saved as" in b.directives for b in blocks_of(REPO / "docs" / "credit-events.md"))


def _parses(argv: list[str]) -> tuple[bool, str]:
    """Whether today's CLI knows the command and every option of `chengnuo ARGS`: with --help
    appended it parses them all (an unknown one is a usage error) and runs nothing."""
    result = CliRunner().invoke(app, [*argv, "--help"])
    return result.exit_code == 0, result.output


def _transcript_commands(block: Block) -> list[list[str]]:
    joined = block.text.replace("\\\n", " ")
    return [shlex.split(line[2:])[1:] for line in joined.splitlines() if line.startswith("$ chengnuo ")]


def test_the_transcripts_commands_parse_with_todays_cli() -> None:
    """A `console` transcript is not run (it needs the day's data), but each of its commands must
    still be one the CLI has, with the options it shows."""
    checked = 0
    for block in _all_blocks():
        if block.info != "console":
            continue
        for argv in _transcript_commands(block):
            ok, output = _parses(argv)
            assert ok, f"{block.where}: chengnuo {shlex.join(argv)}:\n{output}"
            checked += 1
    assert checked >= 10


class _Message:
    def __init__(self) -> None:
        self.subject = "credit.grade_changed"
        self.headers = {"ce-dataschema": "chengnuo.events.v1.GradeChanged", "ce-id": "event-1"}
        self.data = credit_events_pb2.GradeChanged().SerializeToString()

    async def ack(self) -> None:
        pass


class _Quiet:
    """A pull subscription on an idle stream, raising each timeout nats-py 2.16's fetch raises
    (`_fetch_n` raises the built-in one when the probe used up the deadline), then one event."""

    def __init__(self) -> None:
        self.answers: list[BaseException | list[_Message]] = [
            TimeoutError(),
            nats.errors.TimeoutError(),
            FetchTimeoutError(),
            TimeoutError(),
            [_Message()],
        ]
        self.drained = asyncio.Event()

    async def pull_subscribe(self, *args: Any, **kwargs: Any) -> _Quiet:
        return self

    def jetstream(self) -> _Quiet:
        return self

    async def fetch(self, batch: int, timeout: float) -> list[_Message]:
        if not self.answers:
            self.drained.set()
            await asyncio.Event().wait()  # idle until the test stops the subscriber
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


async def test_the_documented_subscriber_survives_every_timeout_of_an_idle_stream(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Deterministic, unlike the live run below, where nats-py raises the built-in TimeoutError
    only when a probe's answer comes late."""
    saved = [b for b in blocks_of(REPO / "docs" / "credit-events.md") if "saved as" in b.directives]
    assert len(saved) == 1
    stream = _Quiet()

    async def connect(url: str, **login: str) -> _Quiet:
        return stream

    monkeypatch.setattr(nats, "connect", connect)
    namespace: dict[str, Any] = {"__name__": "subscriber"}
    exec(compile(saved[0].text, saved[0].where, "exec"), namespace)
    password = tmp_path / "password"
    password.write_text("secret")
    running = asyncio.create_task(namespace["main"]("nats://idle", "platform", str(password)))
    done, _ = await asyncio.wait(
        [running, asyncio.create_task(stream.drained.wait())], timeout=5, return_when=asyncio.FIRST_COMPLETED
    )
    assert running not in done, f"the subscriber ended: {running.exception()!r}"
    assert stream.drained.is_set()
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    assert capsys.readouterr().out.startswith("credit.grade_changed event-1 ")


def _shell_env(stack: Stack, home: Path) -> dict[str, str]:
    """The reader's terminal: .venv/bin first, no settings of the developer's, the CLI on the test
    stack (CHENGNUO_DATA_DIR; `.chengnuo` in the working directory points there as well)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("CHENGNUO_")}
    return {
        **kept,
        "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "CHENGNUO_DATA_DIR": str(stack.data_dir),
        "CHENGNUO_PROFILE": str(home / "profile.json"),
        "COLUMNS": "200",
    }


class Terminal:
    """bash in a copy of the repository's layout: `.venv` and `.chengnuo` are links."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env = cwd, env

    def _script(self, block: Block, keep_state: bool) -> str:
        body = block.text if block.info == "sh" else f"python - <<'DOC_PYTHON'\n{block.text}DOC_PYTHON\n"
        tail = f"export -p > {STATE}\n" if keep_state else ""
        return f"set -euo pipefail\nif [ -f {STATE} ]; then source {STATE}; fi\n{body}{tail}"

    async def _start(self, block: Block, keep_state: bool) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            self._script(block, keep_state),
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopping it stops what it started
        )

    async def run(self, block: Block) -> tuple[int, str]:
        process = await self._start(block, keep_state=True)
        try:
            output, _ = await asyncio.wait_for(process.communicate(), BLOCK_SECONDS)
        finally:
            await _stop(process)
        return process.returncode or 0, output.decode()

    async def run_until_stopped(self, block: Block) -> tuple[int | None, str]:
        """Its exit status if it ended within RUN_SECONDS (None: still running), and its output."""
        process = await self._start(block, keep_state=False)
        assert process.stdout is not None
        read = asyncio.create_task(process.stdout.read())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(process.wait()), RUN_SECONDS)
        ended = process.returncode
        await _stop(process)
        return ended, (await read).decode()


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
            return


def _check(block: Block, code: int | None, output: str) -> None:
    said = block.directives
    context = f"{block.where} ({'exit ' + str(code) if code is not None else 'running'}):\n{output[-3000:]}"
    if "runs until stopped" in said:
        assert code is None, f"ended after less than {RUN_SECONDS} s: {context}"
    else:
        assert code == 0, context
    if said.get("prints"):
        assert said["prints"] in output, context


@pytest.mark.parametrize("doc", _with_commands(), ids=lambda path: path.name)
async def test_the_documented_commands_run_against_a_live_stack(
    doc: Path, stack: Stack, as_role: Roles, tmp_path: Path
) -> None:
    # The documented platform (docs/credit-events.md): its push agreement and NATS user, then
    # credit events for its subscriber to print.
    await agree(stack, "credit_records", DOC_PLATFORM, ["daily_supervision"], push=True)
    await stack.add_platform(DOC_PLATFORM)
    await dishonest(as_role, await recently(stack))
    cwd, home = tmp_path / "repo", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    (cwd / ".venv").symlink_to(Path(sys.prefix))
    (cwd / ".chengnuo").symlink_to(stack.data_dir)
    terminal = Terminal(cwd, _shell_env(stack, home))
    ran = 0
    for block in blocks_of(doc):
        if "saved as" in block.directives:
            (cwd / block.directives["saved as"]).write_text(block.text, encoding="utf-8")
        elif "runs until stopped" in block.directives and block.runnable:
            _check(block, *await terminal.run_until_stopped(block))
            ran += 1
        elif block.runnable:
            _check(block, *await terminal.run(block))
            ran += 1
    assert ran
