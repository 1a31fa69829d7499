"""Running `chengnuo` commands in-process against a running stack, as a user would."""

from __future__ import annotations

from collections.abc import Sequence

from typer.testing import CliRunner

from services.cli.main import app
from services.kernel import auth
from services.launcher.stack import Stack
from tests.support import mint


class Cli:
    def __init__(
        self, stack: Stack, roles: Sequence[str], department: str = "350200-SCJ", region: str = "350200"
    ):
        self.env = {
            "CHENGNUO_DATA_DIR": str(stack.data_dir),
            "CHENGNUO_TOKEN": mint(auth.load_private_key(stack.keys.signing_key), roles, department, region),
            "CHENGNUO_PROFILE": str(stack.data_dir / "no-profile.json"),
        }

    def __call__(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)
        return result.exit_code, result.stdout + (result.stderr if result.stderr_bytes else "")
