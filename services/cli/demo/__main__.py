import os
from pathlib import Path

from services.cli.demo.run import run

raise SystemExit(run(Path(os.environ.get("CHENGNUO_DATA_DIR", ".chengnuo"))))
