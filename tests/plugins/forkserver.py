"""The kill harnesses' fork server (``tests/services/resilience_worker.py``,
``tests/billing/kill_worker.py``): a zygote that imports the kiosk once and forks a fresh
kiosk process per step, and the driver side that sends a step, kills the worker with
SIGKILL at a random moment (anywhere, or inside the step once it has recovered) and learns
how long steps take on this shared machine."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def serve(step: Callable[[dict], Awaitable[dict]]) -> None:
    """Zygote side: read one JSON command per line, fork a worker that runs ``step(cmd)``
    and writes its result to ``cmd["result"]`` (a traceback to ``.err``); print its pid."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 0
            try:
                res = asyncio.run(step(cmd))
                Path(cmd["result"]).write_text(json.dumps(res))
            except BaseException:  # noqa: BLE001
                Path(cmd["result"] + ".err").write_text(traceback.format_exc())
                code = 2
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Outcome:
    """One step: killed (by plan), hung (killed at the deadline), the result if written,
    the worker's traceback if it raised."""

    killed: bool = False
    hung: bool = False
    result: dict | None = None
    error: str | None = None


@dataclass
class Driver:
    """Driver side: the zygote ``python -m module`` and the kill plan. ``budget``: real
    seconds of recovery ("init") and of each step when not killed, learnt as the run goes;
    kill times are drawn from 0 .. 1.3 x that."""

    module: str
    rng: random.Random
    budget: dict[str, float]
    run_to_end: float = 0.2         # share of steps never killed, so sessions move on
    _zyg: Any = field(default=None, repr=False)

    def start(self) -> None:
        root = Path(__file__).resolve().parents[2]
        env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self._zyg = subprocess.Popen([sys.executable, "-m", self.module], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=str(root), env=env)
        assert self._zyg.stdin is not None and self._zyg.stdout is not None
        json.loads(self._zyg.stdout.readline())

    def stop(self) -> None:
        if self._zyg is not None:
            self._zyg.stdin.close()     # the zygote's loop ends; it exits
            self._zyg.wait(timeout=10)

    def step(self, name: str, cmd: dict, *, kill: bool = True, deadline_s: float = 30.0) -> Outcome:
        """Run ``cmd`` (its ``result`` path set) in a fresh worker; a quarter of the kills
        fall anywhere (also during start-up and recovery), the rest within the step itself
        once the worker has recovered (it touches ``result + ".ready"``)."""
        zyg, rng, budget = self._zyg, self.rng, self.budget
        zyg.stdin.write(json.dumps(cmd) + "\n")
        zyg.stdin.flush()
        pid = json.loads(zyg.stdout.readline())["pid"]
        t0 = time.monotonic()
        result = Path(cmd["result"])
        ready = Path(str(result) + ".ready")
        anywhere = rng.random() < 0.25
        kill_at = t0 + rng.uniform(0.0, 1.3 * (budget["init"] + budget[name])) if anywhere else None
        delay = rng.uniform(0.0, 1.3 * budget[name])
        if not kill or rng.random() < self.run_to_end:
            kill_at, anywhere, delay = None, True, 0.0
        out = Outcome()
        t_ready = None
        deadline = t0 + deadline_s
        while alive(pid):
            now = time.monotonic()
            if t_ready is None and ready.exists():
                t_ready = now
                budget["init"] = 0.7 * budget["init"] + 0.3 * (now - t0)
                if not anywhere:
                    kill_at = now + delay
            if kill_at is not None and now >= kill_at:
                os.kill(pid, signal.SIGKILL)
                out.killed = True
                break
            if now > deadline:
                os.kill(pid, signal.SIGKILL)
                out.hung = True
                break
            time.sleep(0.002)
        while alive(pid):
            time.sleep(0.002)
        if result.exists():
            try:
                out.result = json.loads(result.read_text())
            except ValueError:          # killed while writing it: the step did not finish
                out.result = None
            if t_ready is not None:
                budget[name] = 0.7 * budget[name] + 0.3 * (time.monotonic() - t_ready)
        err = Path(str(result) + ".err")
        if err.exists():
            out.error = err.read_text()[-400:]
        return out
