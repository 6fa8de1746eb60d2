"""Fetch graphql-core's sdist (it ships its own test suite) and unpack it once per machine under var/.

The engine is proven against graphql-core's own execution tests, which the wheel does not ship, so
we download the source distribution of the pinned release with pip. Its build backend is uv_build,
which pip needs (without build isolation, so from our dev extra) to read the sdist's metadata.

Usage: python tests/spec/fetch_graphql_core_tests.py  -> prints the unpacked folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "3.3.2"
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "var" / f"graphql-core-{VERSION}"
MARKER = CACHE / ".unpacked"


def download(into: Path) -> Path:
    """pip download the sdist; uv_build's shim looks its `uv-build` binary up on PATH, so put ours first."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps"]
    command += ["--no-build-isolation", "--dest", str(into), f"graphql-core=={VERSION}"]
    subprocess.run(command, check=True, env=env)
    found = sorted(into.glob(f"graphql_core-{VERSION}.tar.gz"))
    if not found:
        raise SystemExit(f"pip saved no graphql_core-{VERSION}.tar.gz in {into}: {sorted(into.iterdir())}")
    return found[0]


def unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    unpacked = into / f"graphql_core-{VERSION}"
    if not (unpacked / "tests" / "execution").is_dir():
        raise SystemExit(f"{archive.name} has no tests/execution folder")
    return unpacked


def fetch() -> Path:
    """The unpacked sdist, downloading it first unless a complete copy is cached."""
    if MARKER.is_file():
        return CACHE
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE.parent) as scratch:
        unpacked = unpack(download(Path(scratch)), Path(scratch))
        shutil.rmtree(CACHE, ignore_errors=True)  # an interrupted earlier attempt
        unpacked.rename(CACHE)
    MARKER.write_text(f"graphql-core {VERSION} sdist\n", encoding="utf-8")
    return CACHE


if __name__ == "__main__":
    print(fetch())
