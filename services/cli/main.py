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
    certs_cmd,
    clock_cmd,
    credit_cmd,
    events_cmd,
    sharing_cmd,
    verify_cmd,
)
from services.cli.connection import profile_path
from services.contracts import roles
from services.kernel import auth, migrations
from services.kernel.config import SERVICES, settings_or_exit
from services.kernel.keys import write_secret
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
app.command(name="certs")(certs_cmd.certs)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"chengnuo {version('chengnuo')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    pass


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
    nats_port: Annotated[
        int,
        typer.Option(envvar="CHENGNUO_NATS_PORT", help="Port of the embedded NATS; 0 picks a free port."),
    ] = 7422,
) -> None:
    """Start PostgreSQL, NATS and the three services; stop them all on Ctrl-C or SIGTERM.

    External servers are used when CHENGNUO_PG_DSN / CHENGNUO_NATS_URL are set.
    """
    from services.cli.up import run

    configure_console()
    run(data_dir, port_base, nats_port)


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
    ttl: Annotated[str, typer.Option(help="Lifetime, e.g. 30m, 8h, 7d; more than 0, at most 3650d.")] = "8h",
    save: Annotated[bool, typer.Option(help="Store it in the profile file for later commands.")] = False,
    key_file: Annotated[
        Path | None, typer.Option(help="Signing key (PEM); default: the embedded stack's key in --data-dir.")
    ] = None,
    data_dir: DataDir = Path(".chengnuo"),
) -> None:
    """Mint a token with a signing key (the embedded stack's, or --key-file).

    A bad option is one line on stderr and exit status 2, as for any usage error."""
    from services.kernel.identifiers import validate_region_code

    def refused(option: str, why: str) -> typer.Exit:
        typer.echo(f"error: {option}: {why}", err=True)
        return typer.Exit(2)

    unknown = sorted(set(role) - set(roles.ALL))
    if unknown:
        raise refused("--role", f"unknown role(s) {', '.join(unknown)}")
    acting = sorted(roles.DEPARTMENT_ROLES.intersection(role))
    if acting and not department.strip():
        raise refused("--department", f"required: {', '.join(acting)} act(s) for a department")
    if acting and not region:
        raise refused("--region", f"required: {', '.join(acting)} act(s) for a region")
    if region:  # empty: a caller of no region (administrators, services, auditors)
        try:
            validate_region_code(region)
        except ValueError as error:
            raise refused("--region", str(error)) from None
    bounds = "must be more than 0 and at most 3650d"  # a huge lifetime overflows the expiry date
    try:
        lifetime = _duration(ttl)
    except typer.BadParameter as error:
        raise refused("--ttl", str(error)) from None
    except OverflowError:
        raise refused("--ttl", bounds) from None
    if not dt.timedelta(0) < lifetime <= dt.timedelta(days=3650):
        raise refused("--ttl", bounds)
    key_file = key_file or data_dir / "keys" / "token-signing.pem"
    if not key_file.exists():
        raise refused("--data-dir", f"no signing key at {key_file}; run `chengnuo up` first")
    minted = auth.mint(
        auth.load_private_key(key_file),
        subject=subject,
        department=department,
        region=region,
        roles=role,
        now=dt.datetime.now(dt.UTC),
        ttl=lifetime,
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
    write_secret(path, json.dumps(profile, indent=2).encode())  # 0600: it holds a token


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
    settings_or_exit(service)  # every problem at once, before any worker starts
    if workers > 1:
        from services.launcher.workers import run_workers

        raise typer.Exit(run_workers(service, workers))
    from importlib import import_module

    from services.kernel.runtime import main as run_service

    run_service(import_module(f"services.{service}.main").SERVICE)


@app.command()
def demo(
    data_dir: DataDir = Path(".chengnuo"),
    use_running: Annotated[
        bool,
        typer.Option(
            help="Run on the stack `chengnuo up` is running from --data-dir: its clock and data change."
        ),
    ] = False,
) -> None:
    """Watch the whole system work: catalogues, commitments, verification, credit, repair, audit.

    Starts a stack of its own in a temporary directory and stops it at the end; a running stack is
    left alone unless --use-running hands it to the demo (development mode: time passes there).
    """
    from services.cli.demo.run import run

    raise typer.Exit(run(data_dir, use_running))


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
