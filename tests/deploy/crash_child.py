"""A kiosk process for the crash test (tests/deploy/test_crash_recovery.py).

Runs the real composition root (``kiosk.app.KioskApp`` in kiosk mode, the same wiring as
``kiosk run``) against a simulator given by URL, with the journal in ``--data-dir``, and
reports what it shows as JSON lines on stdout:

``start``: taps the first free bay on the board, taps Start on the charger screen, waits
until the session charges, prints ``{"event": "charging", ...}`` and keeps running (the
test kills it with SIGKILL).
``show``: starts like ``kiosk run`` after a crash, prints ``{"event": "shown", ...}`` as soon
as the board shows a bay as "in use (started here)" with its session, then keeps running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

T0 = time.monotonic()


def emit(**data) -> None:
    data["t"] = round(time.monotonic() - T0, 3)
    print(json.dumps(data), flush=True)


async def until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            emit(event="timeout", what=what)
            raise SystemExit(3)
        await asyncio.sleep(0.02)


def visible_bays(home):
    return [b for b in home.bay_buttons if b.isVisible()]


async def scenario(kiosk, mode: str) -> None:
    ctx = await kiosk.start()
    home = ctx.shell.screen("home")
    if mode == "start":
        bays = await until(lambda: [b for b in visible_bays(home) if b.bay.status == "AVAILABLE"], 30, "free bay")
        bays[0].click()
        charger = ctx.shell.screen("charger")
        await until(lambda: ctx.shell.current_name() == "charger" and charger.start.isVisible()
                    and charger.start.isEnabled(), 30, "start button")
        charger.start.click()
        entry = await until(lambda: next((e for e in ctx.sessions.active() if e.state == "CHARGING"), None), 60,
                            "charging")
        emit(event="charging", key=entry.key, evse_uid=entry.evse_uid, label=entry.evse_label)
    else:
        def shown():
            active = {e.evse_uid: e for e in ctx.sessions.active() if not e.is_final}
            for b in visible_bays(home):
                if b.bay.evse_uid in active and "started here" in b.accessibleName():
                    return b, active[b.bay.evse_uid]
            return None

        button, entry = await until(shown, 30, "session on the board")
        emit(event="shown", key=entry.key, evse_uid=entry.evse_uid, state=entry.state,
             button=button.accessibleName(), fullscreen=ctx.shell.isFullScreen())
    await asyncio.Event().wait()  # run until killed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["start", "show"])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--location-ids", required=True)
    ap.add_argument("--speed", type=float, required=True)
    args = ap.parse_args()

    import qasync
    from PySide6.QtWidgets import QApplication

    from kiosk.app import AppOptions, KioskApp
    from kiosk.config import load_settings

    settings = load_settings(
        base_url=args.base_url, api_key="demo-key", app_token="kiosk-crash-test", data_dir=args.data_dir,
        log_dir=args.data_dir, camera="none", venue_location_ids=args.location_ids.split(","),
        payment_external_ref="venue-demo",
    )
    app = QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    kiosk = KioskApp(settings, options=AppOptions(kiosk_mode=True, start_camera=False, time_scale=args.speed))
    emit(event="process")
    with loop:
        loop.run_until_complete(scenario(kiosk, args.mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
