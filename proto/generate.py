"""Regenerate the committed Python stubs in ``server/grpc/api/`` from ``proto/``.

Usage (from the repository root)::

    .venv/bin/python proto/generate.py          # rewrite server/grpc/api/*_pb2*.py
    .venv/bin/python proto/generate.py --check  # exit 1 if the committed stubs are stale

protoc writes ``from emoface.v1 import x_pb2``; the import is rewritten to the
installed package path ``server.grpc.api`` so the stubs work from an installed wheel.
Never edit the generated files by hand.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PROTO_ROOT.parent
OUT_DIR = REPO_ROOT / "server" / "grpc" / "api"
PROTO_FILES = ("emoface/v1/face_animation.proto",)
PACKAGE = "server.grpc.api"
_IMPORT = re.compile(r"^from emoface\.v1 import (\w+_pb2) as", re.MULTILINE)


def generate() -> dict[str, str]:
    """Run protoc; return ``{file name: text}`` of the stubs as they belong in ``server/grpc/api``."""
    from grpc_tools import protoc  # dev dependency (grpcio-tools)
    import grpc_tools

    include = str(Path(grpc_tools.__file__).parent / "_proto")
    with tempfile.TemporaryDirectory() as tmp:
        args = ["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={tmp}",
                f"--pyi_out={tmp}", f"--grpc_python_out={tmp}", *PROTO_FILES]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed: {' '.join(args)}")
        out = {}
        for path in sorted(Path(tmp).rglob("*_pb2*.py*")):
            out[path.name] = _IMPORT.sub(rf"from {PACKAGE} import \1 as", path.read_text(encoding="utf-8"))
    return out


def stale(files: dict[str, str], out_dir: Path = OUT_DIR) -> list[str]:
    """Names of generated files that differ from (or are missing in) ``out_dir``."""
    return [name for name, text in files.items()
            if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed stubs are current")
    args = parser.parse_args(argv)
    files = generate()
    changed = stale(files)
    if args.check:
        if changed:
            print(f"stale generated stubs: {', '.join(changed)}; run proto/generate.py", file=sys.stderr)
        return 1 if changed else 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name in changed:
        (OUT_DIR / name).write_text(files[name], encoding="utf-8")
    print(f"{len(changed)} file(s) updated in {OUT_DIR.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
