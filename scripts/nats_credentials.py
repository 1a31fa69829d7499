"""Make the NATS users of a Kubernetes installation (deploy/k8s/README.md, "Secrets").

    .venv/bin/python scripts/nats_credentials.py --out nats-auth [--platform xinyong-xiamen ...] [--prefix P]

writes into --out (0700, each file 0600) a password per user, `nats-<user>.password`, and
`auth.conf`, the nats-server `authorization` block with every user's permissions
(services/launcher/nats_auth.py, the same as the embedded stack's). Run it again with the same
--out to add platforms: existing passwords are kept. Nothing is printed but the file names.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from services.launcher.nats_auth import write_authorization


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for auth.conf and the passwords")
    parser.add_argument("--platform", action="append", default=[], help="a credit platform (repeatable)")
    parser.add_argument("--prefix", default="", help="CHENGNUO_NATS_PREFIX of the installation, if any")
    args = parser.parse_args()
    auth = write_authorization(args.out, args.platform, args.prefix)
    for path in sorted(auth.parent.iterdir()):
        print(path)


if __name__ == "__main__":
    main()
