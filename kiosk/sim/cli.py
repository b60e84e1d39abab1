"""``kiosk sim``: run the Charge Assist simulator in the foreground."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from kiosk.config import DEMO_API_KEY   # the same key; importing the server here cost ~60 ms per `kiosk` command


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sim",
        help="run the Charge Assist simulator (demo venue)",
        description="Serve the Charge Assist API over HTTP with a simulated venue, sessions and faults.",
    )
    p.add_argument("--port", type=int, default=8400, help="TCP port (0: any free port; default 8400)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--seed", type=int, default=1, help="venue ids and simulated behaviour (default 1)")
    p.add_argument("--speed", type=float, default=1.0, help="virtual time runs this many times real time")
    p.add_argument("--api-key", default=DEMO_API_KEY, help=f"the API key accepted (default {DEMO_API_KEY!r})")
    p.add_argument("--no-traffic", action="store_true", help="no other drivers occupying bays")
    p.add_argument("--no-external-payments", action="store_true", help="refuse external payment methods")
    p.add_argument("--strict", action="store_true",
                   help="tidy answers (UTC times, IANA zones, costs from COMPLETED, receipt numbers, JSON errors) "
                        "instead of the upstream document's quirks")
    p.add_argument("--card-without-tariff", action="store_true",
                   help="the venue's charge card gets validity UNKNOWN and no tariff (the guide's example)")
    p.add_argument("--auth-style", choices=("any", "authorization", "ocp-apim"), default="any",
                   help="which header carries the key: either (default), only 'Authorization: ApiKey' "
                        "or only 'Ocp-Apim-Subscription-Key'")
    p.add_argument("--qr-dir", metavar="DIR",
                   help="also write each charger's QR code as PNG plus an index.html to print or show a camera")
    p.set_defaults(func=run)


def write_qr_codes(venue, directory: str) -> Path:
    """One PNG per venue EVSE (named by its uid) and an index.html sheet with labels."""
    import html

    import segno

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for e in venue.venue_evses():
        name = e.evse_uid.replace("*", "_") + ".png"
        segno.make(e.qr_url, error="m").save(out / name, scale=8, border=4)
        loc = venue.locations[e.location_id].static["displayName"]
        rows.append(
            f'<figure><img src="{html.escape(name)}" alt="QR code of {html.escape(e.display_name)}">'
            f"<figcaption>{html.escape(loc)}<br><b>{html.escape(e.display_name)}</b> "
            f"({e.power_type} {e.max_kw:g} kW)<br><small>{html.escape(e.evse_id)}</small></figcaption></figure>"
        )
    (out / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>Charger QR codes</title>"
        "<style>body{font-family:sans-serif}figure{display:inline-block;width:45%;text-align:center;"
        "page-break-inside:avoid}img{width:60%}</style>\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return out


def run(args: argparse.Namespace) -> int:
    from kiosk.sim.server import SimServer

    if args.speed <= 0:
        print("kiosk sim: --speed must be > 0")
        return 2
    srv = SimServer(host=args.host, port=args.port, seed=args.seed, speed=args.speed, api_key=args.api_key,
                    strict=args.strict, card_without_tariff=args.card_without_tariff, auth_style=args.auth_style)
    srv.scenario.traffic = not args.no_traffic
    srv.scenario.external_payments = not args.no_external_payments
    try:
        srv.start()
    except OSError as exc:
        print(f"kiosk sim: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 1
    v = srv.venue
    mode = "strict answers" if args.strict else "answers shaped like the upstream document, quirks included"
    print(f"Charge Assist simulator on {srv.base_url}  (seed {args.seed}, speed {args.speed:g}x, {mode})", flush=True)
    key_note = "the demo key" if args.api_key == DEMO_API_KEY else "the key given with --api-key"
    how = {"any": "'Authorization: ApiKey <key>' or 'Ocp-Apim-Subscription-Key: <key>'",
           "authorization": "'Authorization: ApiKey <key>'",
           "ocp-apim": "'Ocp-Apim-Subscription-Key: <key>'"}[args.auth_style]
    print(f"Send {how} ({key_note}).")
    print(f"Venue locations: {', '.join(v.location_ids)}")
    print("QR codes printed on the chargers:")
    for e in v.venue_evses():
        loc = v.locations[e.location_id].static["displayName"]
        print(f"  {loc:32} {e.display_name:16} {e.evse_uid:18} {e.power_type} {e.max_kw:g} kW  {e.qr_url}")
    if args.qr_dir:
        print(f"QR codes written to {write_qr_codes(v, args.qr_dir)}/index.html")
    print("Demo charge cards: NL-GFX-C12345678-X or 770674109963002836 (C999... and 999... fail verification).")
    print(f"Control API: {srv.base_url}/_sim/state, /_sim/venue, /_sim/faults, /_sim/scenario, /_sim/clock")
    print("Ctrl+C stops.", flush=True)
    done = threading.Event()
    try:
        signal.signal(signal.SIGTERM, lambda *_: done.set())
    except ValueError:  # not in the main thread
        pass
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0
