"""`chengnuo up`: run the whole system in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import fcntl
import signal
from pathlib import Path

from rich.console import Console
from rich.table import Table

from services.launcher.stack import Stack, StackOptions

console = Console()


def run(data_dir: Path, port_base: int) -> None:
    """Hold the data directory's lock (one stack per directory) while the stack runs."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "up.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"a stack is already running from {data_dir}") from None
        asyncio.run(_run(Stack(StackOptions.from_env(data_dir, port_base))))


async def _run(stack: Stack) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with console.status("starting PostgreSQL, NATS and the services…"):
        await stack.start()
    _report(stack)
    await stop.wait()
    with console.status("stopping…"):
        await stack.stop()
    console.print("stopped")


def _report(stack: Stack) -> None:
    table = Table(title="chengnuo is running", show_header=True)
    table.add_column("service")
    table.add_column("gRPC endpoint")
    for name, address in stack.endpoints().items():
        table.add_row(name, address)
    console.print(table)
    console.print(f"PostgreSQL: {stack.pg_dsn}")
    console.print(f"NATS:       {stack.nats_url}")
    console.print(f"Data:       {stack.data_dir} (logs in {stack.data_dir / 'logs'})")
    console.print(
        "Development token, e.g. for a portal:\n"
        "  chengnuo token --role portal --department 350200-SCJ --region 350200\n"
        "then call with metadata 'authorization: Bearer <token>' (grpcurl -H). Ctrl-C stops everything."
    )
