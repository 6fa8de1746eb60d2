"""Node processes for the supergraph suite: started in their own process group, stopped by that id.

Each process prints a line saying it is ready (a URL to reach it); the rest of
its output is kept (the last lines) to explain a failure. Stopping sends
SIGTERM to the group the process leads, then SIGKILL if it lingers, so no
child (a gateway's worker) outlives the test run. On Linux each process is
also told to take SIGTERM when pytest dies without cleaning up (killed).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

E2E = Path(__file__).resolve().parents[2] / "e2e"
STARTUP_SECONDS = 120.0  # two cores shared by several test runs: Node start-up can be slow
STOP_SECONDS = 10.0


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise FileNotFoundError("node is not on PATH")
    if not (E2E / "node_modules" / "@apollo" / "gateway").is_dir():
        raise FileNotFoundError(f"{E2E / 'node_modules'} is not installed: run `make e2e-install`")
    return found


@dataclass
class NodeProcess:
    name: str
    process: asyncio.subprocess.Process
    output: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=200))
    _reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return f"--- last output of {self.name} (pid {self.pid}) ---\n" + "\n".join(self.output)

    async def wait_for(self, pattern: str, seconds: float = STARTUP_SECONDS) -> re.Match[str]:
        """Read output until a line matches; then keep draining it in the background (a full pipe blocks Node)."""
        assert self.process.stdout is not None
        regex = re.compile(pattern)
        async with asyncio.timeout(seconds):
            while line := (await self.process.stdout.readline()).decode(errors="replace"):
                self.output.append(line.rstrip())
                if match := regex.search(line):
                    self._reader = asyncio.create_task(self._drain())
                    return match
        raise RuntimeError(f"{self.name} exited (code {self.process.returncode}) before ready\n{self.log()}")

    async def next_line(self, seconds: float) -> str:
        """The next output line (only while `wait_for` has not started draining); '' at exit."""
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), seconds)).decode(errors="replace")
        self.output.append(line.rstrip())
        return line

    async def _drain(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.output.append(line.decode(errors="replace").rstrip())

    async def stop(self) -> None:
        """SIGTERM to the process group this process leads, SIGKILL after a grace period."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                await self.process.wait()
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)  # a child it left behind
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


async def start(name: str, *args: str, env: dict[str, str] | None = None) -> NodeProcess:
    """Run `node <args>` in e2e/, in a new session (its own process group), output piped."""
    process = await asyncio.create_subprocess_exec(
        node(),
        *args,
        cwd=E2E,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        start_new_session=True,
        preexec_fn=_die_with_parent(),  # only a prctl call between fork and exec
    )
    return NodeProcess(name, process)


async def run(*args: str, seconds: float = STARTUP_SECONDS) -> tuple[int, str]:
    """Run `node <args>` in e2e/ to completion; (exit code, output)."""
    proc = await start(args[0], *args)
    try:
        assert proc.process.stdout is not None
        out = await asyncio.wait_for(proc.process.stdout.read(), seconds)
        return await proc.process.wait(), out.decode(errors="replace")
    finally:
        await proc.stop()
