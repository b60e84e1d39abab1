"""``kiosk run``, ``kiosk demo`` and ``kiosk screenshots`` (registered by kiosk/cli.py)."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path


def _settings(args: argparse.Namespace, **extra):
    from kiosk.config import load_settings

    over = dict(extra)
    if getattr(args, "demo", False):
        over["demo"] = True
    if getattr(args, "sim_speed", None):
        over["sim_speed"] = args.sim_speed
    return load_settings(**over)


def _headless() -> bool:
    return not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")


def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.app import run

    if getattr(args, "desk", False):
        return cmd_desk(args)
    if args.autopilot and not args.demo:
        print("kiosk run: --autopilot needs --demo (it drives the built-in simulator)")
        return 2
    if (args.autopilot or args.offscreen) and _headless():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    settings = _settings(args)
    return run(settings, windowed=args.windowed, demo=args.demo, autopilot=args.autopilot,
               report=Path(args.report) if args.report else None, scan_mode=args.scan)


def cmd_desk(args: argparse.Namespace) -> int:
    from kiosk.desk_app import run_desk

    if args.offscreen and _headless():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return run_desk(_settings(args), demo=args.demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.app import run

    if _headless() or args.headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        out = Path(args.out or Path.cwd() / "demo-screenshots" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S"))
        out.mkdir(parents=True, exist_ok=True)
        print(f"No display: running one guest cycle headless; screenshots go to {out}", flush=True)
        settings = _settings(args, demo=True, sim_speed=args.sim_speed or 60.0, camera="synthetic")
        rc = run(settings, demo=True, screens_dir=out, scan_mode="camera")
        print(f"Screenshots of every screen: {out}", flush=True)
        return rc
    settings = _settings(args, demo=True, camera="synthetic")
    return run(settings, windowed=True, demo=True)


#: the screenshot sizes: the Pi's 7" panel, a 10" panel, a 1080p screen, a portrait totem
SIZES = ("800x480", "1280x800", "1920x1080", "1080x1920")
THEMES = ("normal", "high")


def _list(text: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    if allowed is not None:
        bad = [x for x in items if x not in allowed]
        if bad:
            raise SystemExit(f"kiosk screenshots: unknown {', '.join(bad)} (choose from {', '.join(allowed)})")
    return items


def cmd_screenshots(args: argparse.Namespace) -> int:
    from kiosk.app import run
    from kiosk.i18n import LANGUAGES

    if _headless():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = []
    for size in _list(args.sizes):
        try:
            w, h = (int(x) for x in size.lower().split("x"))
        except ValueError:
            raise SystemExit(f"kiosk screenshots: a size is WIDTHxHEIGHT, not {size!r}") from None
        sizes.append((w, h))
    themes = _list(args.themes, THEMES)
    variants = [(w, h, theme == "high") for w, h in sizes for theme in themes]
    extra = {"attendant_pin": args.staff_pin} if args.staff_pin else {}
    settings = _settings(args, demo=True, sim_speed=args.sim_speed or 60.0, camera="none", **extra)
    rc = run(settings, demo=True, screens_dir=out, scan_mode="inject",
             languages=_list(args.languages, tuple(LANGUAGES)), variants=variants)
    print(f"Screenshots in {out}/<size>/<theme>/<language>/ (index.json lists them, and any text cut off "
          "or control outside the window)", flush=True)
    return rc


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the kiosk (fullscreen kiosk mode unless --windowed)")
    p.add_argument("--windowed", action="store_true", help="a normal window (staff desk)")
    p.add_argument("--demo", action="store_true", help="built-in simulator with the demo venue, synthetic camera")
    p.add_argument("--autopilot", type=int, default=0, metavar="N", help="drive N full guest cycles, then exit")
    p.add_argument("--report", metavar="FILE", help="JSON report of the autopilot run")
    p.add_argument("--scan", choices=("auto", "camera", "inject"), default="auto",
                   help="autopilot: scan through the (synthetic) camera or inject the decoded text")
    p.add_argument("--sim-speed", type=float, default=None, help="demo simulator time compression")
    p.add_argument("--offscreen", action="store_true", help="no window (Qt offscreen platform)")
    p.add_argument("--desk", action="store_true", help="the attendant-operated desktop (same as `kiosk desk`)")
    p.set_defaults(func=cmd_run)

    k = sub.add_parser("desk", help="the attendant-operated desktop: staff start, watch and stop charging for "
                                    "guests (mouse and keyboard, printing, alerts)")
    k.add_argument("--demo", action="store_true", help="built-in simulator with the demo venue (PIN 1234)")
    k.add_argument("--sim-speed", type=float, default=None, help="demo simulator time compression")
    k.add_argument("--offscreen", action="store_true", help="no window (Qt offscreen platform)")
    k.set_defaults(func=cmd_desk)

    d = sub.add_parser("demo", help="the kiosk in demo mode; headless without a display (screenshots)")
    d.add_argument("--headless", action="store_true", help="run headless even with a display")
    d.add_argument("--out", help="screenshot folder (headless)")
    d.add_argument("--sim-speed", type=float, default=None)
    d.set_defaults(func=cmd_demo, demo=True)

    s = sub.add_parser("screenshots", help="write every guest and staff screen at four sizes, both themes, "
                                           "all four languages")
    s.add_argument("--out", required=True, help="folder for the PNG files")
    s.add_argument("--sizes", default=",".join(SIZES), help="window sizes, WIDTHxHEIGHT,... (default: %(default)s)")
    s.add_argument("--themes", default=",".join(THEMES), help="normal,high (default: both)")
    s.add_argument("--languages", default="en,nl,de,fr", help="languages (default: %(default)s)")
    s.add_argument("--staff-pin", default="1234",
                   help="attendant PIN of the demo's journal, to photograph the staff desk ('' : guest screens only)")
    s.add_argument("--sim-speed", type=float, default=None)
    s.set_defaults(func=cmd_screenshots, demo=True)
