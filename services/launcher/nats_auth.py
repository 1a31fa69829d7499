"""Who may do what on the embedded NATS (per-subject permissions), and their passwords.

Every client of the embedded server authenticates as a user of its own, with a password made at
first start into the stack's key folder (0600, never in the repository):

- one user per service: it publishes only its own events (its stream's subjects), the kernel's
  shared subjects (calendar, its audit checkpoints, dead letters, platform feeds) and the
  JetStream API; it subscribes only to replies (`_INBOX.>`).
- one user per credit platform (`platform-<name>`): it reads only its feed (`feed.<name>.>` on
  the FEED stream) through one durable consumer named after itself, and its replies come to an
  inbox of its own (`_INBOX_<name>.>`, nats-py's `inbox_prefix`), so it can neither read the
  internal streams nor the replies other clients receive (a service's fetched events travel in
  its replies). Its feed holds only what its sharing agreement shares (docs/sharing.md).
- `operator`: everything (the CLI, `chengnuo events`, the tests and operators' tools).

An external server (CHENGNUO_NATS_URL) is configured by its operator: deploy/k8s/README.md
gives the same permissions as a nats-server authorization block.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from services.kernel.bus import Names
from services.kernel.config import SERVICES
from services.kernel.keys import private_dir, write_secret

OPERATOR = "operator"
PLATFORM_USER_PREFIX = "platform-"
# A platform's name is one NATS subject token (its feed subjects, its consumer, its inbox) and
# the consumer (`dept`) its sharing agreements name.
PLATFORM_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# The subjects each service publishes its own events on (services/contracts/*_events.py).
# Publication-safe events (public.*, services/contracts/public_events.py) go out from the service
# owning the decision they publish, so each may publish only its own kinds.
SERVICE_SUBJECTS = {
    "commitment": (
        "commitment.>",
        "catalogue.>",
        "public.catalogue_version",
        "public.catalogue_item",
        "public.commitment",
        "public.commitment_withdrawn",
        "public.decision",
    ),
    "verification": (
        "verification.>",
        "public.verification_outcome",
        "public.decision",
        "public.draw",
        "public.draw_pool",
        "public.inspection_result",
    ),
    "credit": (
        "credit.>",
        "public.record",
        "public.record_withdrawn",
        "public.record_disputed",
        "public.listing",
        "public.delisting",
    ),
}
# The JetStream API a platform needs for its one durable consumer on the FEED stream.
FEED_STREAM = "FEED"


@dataclass(frozen=True)
class NatsUser:
    name: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]

    def block(self, password: str) -> dict[str, object]:
        return {
            "user": self.name,
            "password": password,
            "permissions": {
                "publish": {"allow": list(self.publish)},
                "subscribe": {"allow": list(self.subscribe)},
            },
        }


def service_user(service: str, names: Names) -> NatsUser:
    own = [names.subject(s) for s in SERVICE_SUBJECTS[service]]
    shared = ["calendar.>", f"audit.checkpoint.{service}", "deadletter.>", "feed.>"]
    return NatsUser(
        service,
        (*own, *(names.subject(s) for s in shared), "$JS.API.>", "$JS.ACK.>"),
        ("_INBOX.>",),
    )


def platform_user(platform: str, names: Names) -> NatsUser:
    if not PLATFORM_NAME.fullmatch(platform):
        raise ValueError(
            f"platform name {platform!r}: lower-case letters, digits, _ and -, at most 64, starting"
            " with a letter or digit (it is a NATS subject token)"
        )
    stream = names.stream(FEED_STREAM)
    consumer = names.consumer(platform)
    feed = names.subject(f"feed.{platform}.>")
    api = "$JS.API.CONSUMER"
    return NatsUser(
        PLATFORM_USER_PREFIX + platform,
        (
            f"{api}.CREATE.{stream}.{consumer}.{feed}",  # only with its feed as the filter
            f"{api}.INFO.{stream}.{consumer}",
            f"{api}.DELETE.{stream}.{consumer}",
            f"{api}.MSG.NEXT.{stream}.{consumer}",
            f"$JS.ACK.{stream}.{consumer}.>",
        ),
        (f"_INBOX_{platform}.>",),
    )


def operator_user() -> NatsUser:
    return NatsUser(OPERATOR, (">",), (">",))


class NatsCredentials:
    """The users' passwords, one file each under the stack's key folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def password_file(self, user: str) -> Path:
        return self.folder / f"nats-{user}.password"

    def password(self, user: str) -> str:
        path = self.password_file(user)
        if not path.exists():  # made at first start, 0600 (write_secret)
            private_dir(self.folder)
            write_secret(path, secrets.token_urlsafe(32).encode())
        return path.read_text().strip()

    def platforms(self) -> list[str]:
        """The platforms given credentials so far."""
        prefix = f"nats-{PLATFORM_USER_PREFIX}"
        found = (
            p.name.removeprefix(prefix).removesuffix(".password")
            for p in self.folder.glob(f"{prefix}*.password")
        )
        return sorted(found)

    def authorization(self, users: list[NatsUser]) -> str:
        """The nats-server `authorization` block (its config accepts JSON values)."""
        blocks = [u.block(self.password(u.name)) for u in users]
        return "authorization {\n  users: " + json.dumps(blocks, indent=2) + "\n}\n"


def write_authorization(out: Path, platforms: list[str], prefix: str = "") -> Path:
    """Kubernetes (scripts/nats_credentials.py): `auth.conf` in `out` with every user, the
    passwords beside it; the file."""
    names = Names(prefix)
    creds = NatsCredentials(private_dir(out))
    wanted = sorted({*creds.platforms(), *platforms})
    users = [
        *(service_user(s, names) for s in SERVICES),
        *(platform_user(p, names) for p in wanted),
        operator_user(),
    ]
    for platform in wanted:
        creds.password(PLATFORM_USER_PREFIX + platform)
    auth = out / "auth.conf"
    write_secret(auth, creds.authorization(users).encode())
    return auth
