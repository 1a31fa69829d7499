"""`chengnuo certs`: a CA and the certificates of mutual TLS for a cluster (deploy/k8s/README.md).

`chengnuo up` makes its own development set; this is for the services deployed elsewhere and
for the callers (portals, admin tools), who need a client certificate from the same CA.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from services.kernel.config import SERVICES

LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")  # a DNS label, as Kubernetes names are


def certs(
    out: Annotated[
        Path, typer.Option(help="Folder of the CA and what it issued (made 0700, every file 0600).")
    ] = Path("certs"),
    namespace: Annotated[
        list[str] | None,
        typer.Option(help="Namespace the services run in (repeatable; default chengnuo)."),
    ] = None,
    client: Annotated[
        list[str] | None,
        typer.Option(
            help="A caller to issue a client certificate for, as NAME.pem and NAME.key (repeatable)."
        ),
    ] = None,
) -> None:
    """Make or keep a CA (ca.pem, ca.key) and the certificates of mutual TLS.

    One per service (SERVICE.pem, SERVICE.key), naming its Kubernetes Service in each namespace
    and loopback (for port-forwards), and one per --client. Run it again with the same --out to
    add clients or renew what expires within 30 days: the CA and the rest are kept. Keep ca.key
    offline, like the token signing key."""
    from services.launcher.certs import ensure_certs

    namespaces, clients = namespace or ["chengnuo"], client or []
    for name in namespaces:
        if not LABEL.fullmatch(name):
            _refuse("--namespace", f"{name!r} is not a Kubernetes namespace name")
    for name in clients:
        if not LABEL.fullmatch(name) or name in {*SERVICES, "ca"}:
            _refuse("--client", f"{name!r}: lower-case letters, digits and -, and not ca or a service's name")
    made = ensure_certs(out, SERVICES, namespaces, clients)
    typer.echo(f"CA: {made.ca} (its key {made.ca_key}: keep it offline)")
    for name in (*SERVICES, *clients):
        files = made.files(name)
        typer.echo(f"{name}: {files.cert} {files.key}")


def _refuse(option: str, why: str) -> None:
    typer.echo(f"error: {option}: {why}", err=True)
    raise typer.Exit(2)
