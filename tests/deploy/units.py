"""Reading systemd unit files (shared by the deploy tests)."""

from __future__ import annotations

import shlex
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
KIOSK_UNIT = PACKAGING / "systemd" / "charge-assist-kiosk.service"
RECOVERY_UNIT = PACKAGING / "systemd" / "charge-assist-kiosk-recovery.service"


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """section -> key -> values (a key may repeat, e.g. Environment=)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            out.setdefault(section, {})
            continue
        key, _, value = line.partition("=")
        out[section].setdefault(key.strip(), []).append(value.strip())
    return out


def unit_environment(unit: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for assignment in unit["Service"].get("Environment", []):
        for word in shlex.split(assignment):
            name, _, value = word.partition("=")
            env[name] = value
    return env


def exec_start_argv(unit: dict[str, dict[str, list[str]]], env: dict[str, str]) -> list[str]:
    """ExecStart= as systemd runs it: unquoted $VAR splits into words, empty ones vanish."""
    (line,) = unit["Service"]["ExecStart"]
    argv: list[str] = []
    for word in shlex.split(line):
        if word.startswith("$") and word[1:].isidentifier():
            argv.extend(env.get(word[1:], "").split())
        else:
            argv.append(word)
    return argv
