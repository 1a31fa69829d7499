"""The `chengnuo` command."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Annotated

import asyncpg
import typer

from services.cli import (
    audit_cmd,
    calendar_cmd,
    catalogue_cmd,
    clock_cmd,
    credit_cmd,
    events_cmd,
    sharing_cmd,
    verify_cmd,
)
from services.cli.connection import profile_path
from services.contracts import roles
from services.kernel import auth, migrations
from services.kernel.config import SERVICES
from services.kernel.log import configure_console

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Notification-commitment (告知承诺制) and credit supervision.",
)
app.add_typer(calendar_cmd.app, name="calendar")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(clock_cmd.app, name="clock")
app.add_typer(sharing_cmd.app, name="sharing")
app.add_typer(events_cmd.app, name="events")
app.add_typer(catalogue_cmd.app, name="catalogue")
app.add_typer(verify_cmd.app, name="verify")
app.add_typer(credit_cmd.app, name="credit")

DataDir = Annotated[
    Path,
    typer.Option(envvar="CHENGNUO_DATA_DIR", help="Where the embedded servers, keys and logs live."),
]


@app.command()
def up(
    data_dir: DataDir = Path(".chengnuo"),
    port_base: Annotated[
        int,
        typer.Option(help="First gRPC port (commitment, verification, credit follow); 0 picks free ports."),
    ] = 7401,
) -> None:
    """Start PostgreSQL, NATS and the three services; stop them all on Ctrl-C or SIGTERM.

    External servers are used when CHENGNUO_PG_DSN / CHENGNUO_NATS_URL are set.
    """
    from services.cli.up import run

    configure_console()
    run(data_dir, port_base)


_DURATION = re.compile(r"^(\d+)([smhd])$")


def _duration(text: str) -> dt.timedelta:
    found = _DURATION.match(text)
    if not found:
        raise typer.BadParameter("use a number and s, m, h or d, e.g. 8h")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[found.group(2)]
    return dt.timedelta(**{unit: int(found.group(1))})


@app.command()
def token(
    role: Annotated[list[str], typer.Option(help=f"Role(s): {', '.join(roles.ALL)}.")],
    department: Annotated[str, typer.Option(help="Department the caller acts for.")] = "",
    region: Annotated[str, typer.Option(help="6-digit region code of the caller.")] = "",
    subject: Annotated[str, typer.Option(help="Who the caller is (user or system id).")] = "dev-user",
    ttl: Annotated[str, typer.Option(help="Lifetime, e.g. 30m, 8h, 7d.")] = "8h",
    save: Annotated[bool, typer.Option(help="Store it in the profile file for later commands.")] = False,
    key_file: Annotated[
        Path | None, typer.Option(help="Signing key (PEM); default: the embedded stack's key in --data-dir.")
    ] = None,
    data_dir: DataDir = Path(".chengnuo"),
) -> None:
    """Mint a token with a signing key (the embedded stack's, or --key-file)."""
    unknown = sorted(set(role) - set(roles.ALL))
    if unknown:
        raise typer.BadParameter(f"unknown role(s) {', '.join(unknown)}", param_hint="--role")
    key_file = key_file or data_dir / "keys" / "token-signing.pem"
    if not key_file.exists():
        raise typer.BadParameter(
            f"no signing key at {key_file}; run `chengnuo up` first", param_hint="--data-dir"
        )
    minted = auth.mint(
        auth.load_private_key(key_file),
        subject=subject,
        department=department,
        region=region,
        roles=role,
        now=dt.datetime.now(dt.UTC),
        ttl=_duration(ttl),
    )
    if save:
        _save_token(minted)
        typer.echo(f"saved to {profile_path()}", err=True)
    typer.echo(minted)


def _save_token(token: str) -> None:
    path = profile_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        profile = json.loads(path.read_text())
    except (OSError, ValueError):
        profile = {}
    profile["token"] = token
    path.touch(mode=0o600)
    path.write_text(json.dumps(profile, indent=2))


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help=f"One of {', '.join(SERVICES)}.")],
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes sharing the port (one core each).")
    ] = 1,
) -> None:
    """Run one service in the foreground, configured from CHENGNUO_* variables (containers use this)."""
    if service not in SERVICES:
        raise typer.BadParameter(f"one of {', '.join(SERVICES)}", param_hint="SERVICE")
    if workers > 1:
        from services.launcher.workers import run_workers

        raise typer.Exit(run_workers(service, workers))
    from importlib import import_module

    from services.kernel.runtime import main as run_service

    run_service(import_module(f"services.{service}.main").SERVICE)


@app.command()
def demo(data_dir: DataDir = Path(".chengnuo")) -> None:
    """Watch the whole system work: catalogues, commitments, verification, credit, repair, audit.

    Runs on the stack `chengnuo up` is running from --data-dir (development mode: it lets time pass
    there), or starts one of its own and stops it at the end.
    """
    from services.cli.demo.run import run

    raise typer.Exit(run(data_dir))


@app.command()
def migrate() -> None:
    """Apply every service's migrations to CHENGNUO_PG_DSN (the Kubernetes migration Job)."""
    dsn = os.environ.get("CHENGNUO_PG_DSN", "")
    if not dsn:
        raise typer.BadParameter("set CHENGNUO_PG_DSN", param_hint="CHENGNUO_PG_DSN")

    async def apply_all() -> dict[str, list[str]]:
        conn = await asyncpg.connect(dsn)
        try:
            return {s: await migrations.apply(conn, s, migrations.for_service(s)) for s in SERVICES}
        finally:
            await conn.close()

    typer.echo(json.dumps(asyncio.run(apply_all()), indent=2))


def main() -> None:
    app()
