"""`chengnuo up`: run the whole system in the foreground until Ctrl-C or SIGTERM, restarting a
service that dies meanwhile (services/launcher/supervisor.py)."""

from __future__ import annotations

import asyncio
import fcntl
import signal
import sys
from pathlib import Path

import asyncpg
from rich.console import Console
from rich.table import Table

from services.kernel.config import redacted_url
from services.launcher.embedded import MissingExtra, missing_extras, nats_port_problem
from services.launcher.stack import Stack, StackOptions

console = Console()
# NATS on a port that stays the same across restarts, so a subscriber (`chengnuo events tail`, a
# script) reconnects to the restarted stack; beside the services' 7401-7403, off NATS's own 4222.
DEFAULT_NATS_PORT = 7422


def run(data_dir: Path, port_base: int, nats_port: int = DEFAULT_NATS_PORT) -> None:
    """Hold the data directory's lock (one stack per directory) while the stack runs."""
    options = StackOptions.from_env(data_dir, port_base, nats_port)
    _refuse_unstartable(options)
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "up.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"a stack is already running from {data_dir}") from None
        try:
            asyncio.run(_run(Stack(options)))
        except MissingExtra as exc:
            _exit(str(exc), 2)
        except (RuntimeError, OSError, asyncpg.PostgresError) as exc:
            # A server or service did not start (the message names its log), or an external
            # server is not there: one message, no traceback.
            _exit(f"the stack did not start: {type(exc).__name__}: {exc}", 1)


def _refuse_unstartable(options: StackOptions) -> None:
    """Usage problems found before anything starts: one line each, exit status 2."""
    missing = missing_extras(postgres=not options.pg_dsn, nats=not options.nats_url)
    if missing:
        _exit(str(MissingExtra(missing)), 2)
    if not options.nats_url and nats_port_problem(options.nats_port):
        _exit(f"--nats-port: {nats_port_problem(options.nats_port)}", 2)


def _exit(message: str, code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


async def _run(stack: Stack) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stopping() -> None:
        # At once, in the handler: Ctrl-C reaches the services too, and their exits must not be
        # taken for deaths.
        stop.set()
        if stack.supervisor is not None:
            stack.supervisor.halt()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping)
    with console.status("starting PostgreSQL, NATS and the services…"):
        await stack.start()
    if not stop.is_set():
        stack.supervise(_say)
    _report(stack)
    await stop.wait()
    with console.status("stopping…"):
        await stack.stop()
    console.print("stopped")


def _say(message: str) -> None:
    """A supervisor's line: a service died or came back (names, pids, exit codes; never a secret)."""
    console.print(f"supervisor: {message}", highlight=False, soft_wrap=True, markup=False)


def _report(stack: Stack) -> None:
    table = Table(title="chengnuo is running", show_header=True)
    table.add_column("service")
    table.add_column("gRPC endpoint")
    for name, address in stack.endpoints().items():
        table.add_row(name, address)
    console.print(table)
    prefix = stack.options.nats_prefix
    console.print(f"PostgreSQL: {redacted_url(stack.pg_dsn)}", highlight=False, soft_wrap=True)
    console.print(
        f"NATS:       {redacted_url(stack.nats_address)}" + (f" (prefix {prefix})" if prefix else ""),
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"Data:       {stack.data_dir} (logs in {stack.data_dir / 'logs'})", soft_wrap=True)
    client = stack.client_tls
    console.print(
        f"TLS:        mutual; CA {client.ca}, client certificate {client.cert} and key {client.key}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        "Development token, e.g. for a portal:\n"
        "  chengnuo token --role portal --department 350200-SCJ --region 350200\n"
        "then call with metadata 'authorization: Bearer <token>' (grpcurl -H). Ctrl-C stops everything."
    )
