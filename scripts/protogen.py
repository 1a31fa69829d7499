"""Generate the Python stubs under chengnuo/ from protos/, or check they are current.

python scripts/protogen.py          # regenerate in place
python scripts/protogen.py --check  # fail if regenerating would change anything
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sys
import tempfile
from pathlib import Path

import grpc_tools
from google.type import date_pb2  # googleapis-common-protos ships google/type/*.proto beside it
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
OUT_PACKAGE = "chengnuo"


def _includes() -> list[str]:
    googleapis = Path(date_pb2.__file__).parent.parent.parent
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    return [f"-I{PROTOS}", f"-I{well_known}", f"-I{googleapis}"]


def _plugin_path() -> str:
    # protoc finds protoc-gen-mypy next to the interpreter, also when the venv is not activated.
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def generate(out: Path) -> None:
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    os.environ["PATH"] = _plugin_path()
    args = ["protoc", *_includes(), f"--python_out={out}", f"--grpc_python_out={out}"]
    args += [f"--mypy_out={out}", f"--mypy_grpc_out={out}", *sources]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for folder in (out / OUT_PACKAGE).rglob("*"):
        if folder.is_dir():
            (folder / "__init__.py").touch()
    (out / OUT_PACKAGE / "__init__.py").write_text('"""Generated protobuf stubs; never edit."""\n')
    (out / OUT_PACKAGE / "py.typed").touch()


def _differences(left: Path, right: Path) -> list[str]:
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [str(left / n) for n in cmp.left_only + cmp.right_only + cmp.diff_files]
    for sub in cmp.common_dirs:
        found += _differences(left / sub, right / sub)
    return found


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        fresh = Path(tmp) / OUT_PACKAGE
        if "--check" in sys.argv:
            stale = _differences(ROOT / OUT_PACKAGE, fresh)
            if stale:
                raise SystemExit("generated stubs are stale; run `make protos`:\n" + "\n".join(stale))
            return
        _sync(fresh, ROOT / OUT_PACKAGE)


def _sync(fresh: Path, target: Path) -> None:
    """Replace only what changed, file by file, so a running test never sees a half-written tree."""
    wanted = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        source, dest = fresh / rel, target / rel
        if dest.exists() and filecmp.cmp(source, dest, shallow=False):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest.with_suffix(dest.suffix + ".tmp"))
        dest.with_suffix(dest.suffix + ".tmp").replace(dest)
    for stale in [p for p in target.rglob("*") if p.is_file() and "__pycache__" not in p.parts]:
        if stale.relative_to(target) not in wanted:
            stale.unlink()


if __name__ == "__main__":
    main()
