"""``kiosk tariff ...``: quotes and plain-language tariffs from the command line.

    kiosk tariff quote --tariff T.json --profile P.json [--json]
    kiosk tariff describe --tariff T.json [--lang nl] [--hours 2 --kwh 20]

The tariff file may hold an OCPI 2.1.1/2.2.1 Tariff, a Charge Assist TariffModel or
WalletTariffItem (with ``futureTariffs``), or a whole ``GET /tariff/...`` response
(the first item with a tariff is used). The profile format is documented in
``kiosk/core/tariff/README.md`` (``ChargingProfile.from_dict``). Support staff use
``quote`` to answer "why did this cost that much": every line shows the billed quantity,
the price that applied, when, and which tariff element supplied it, followed by the
step-size and min/max-price adjustments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("tariff", help="tariff quotes and plain-language summaries")
    sub = p.add_subparsers(dest="tariff_command", metavar="SUBCOMMAND")

    q = sub.add_parser("quote", help="the cost of a charging profile, line by line")
    q.add_argument("--tariff", required=True, type=Path, help="tariff JSON (OCPI or Charge Assist)")
    q.add_argument("--profile", required=True, type=Path, help="charging profile JSON")
    q.add_argument("--json", action="store_true", help="print the quote as JSON")
    q.set_defaults(func=_quote)

    d = sub.add_parser("describe", help="the tariff in plain language for guests")
    d.add_argument("--tariff", required=True, type=Path, help="tariff JSON (OCPI or Charge Assist)")
    d.add_argument("--lang", default="en", choices=("en", "nl", "de", "fr"))
    d.add_argument("--hours", type=Decimal, default=Decimal(2), help="example charge: hours (default 2)")
    d.add_argument("--kwh", type=Decimal, default=Decimal(20), help="example charge: kWh (default 20)")
    d.add_argument("--tz", default="Europe/Amsterdam", help="time zone of the venue")
    d.add_argument("--at", default=None, help="moment of the example charge (ISO 8601, default now)")
    d.set_defaults(func=_describe)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Fail(f"cannot read {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise _Fail(f"{path} is not valid JSON: {exc}") from exc


class _Fail(Exception):
    pass


def _quote(args: argparse.Namespace) -> int:
    from kiosk.core.tariff import ChargingProfile, TariffFormatError, load_tariff, quote

    try:
        tariff = load_tariff(_load_json(args.tariff))
        raw = _load_json(args.profile)
        try:
            profile = ChargingProfile.from_dict(raw)
        except (KeyError, ValueError, TypeError) as exc:
            raise _Fail(f"{args.profile} is not a charging profile: {exc}") from exc
        q = quote(tariff, profile)
    except (_Fail, TariffFormatError) as exc:
        print(f"kiosk tariff: {exc}", file=sys.stderr)
        return 2
    if args.json:
        out = q.to_dict()
        out["profile"] = _profile_summary(profile)
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(render_quote(tariff, profile, q))
    return 0


def _describe(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from kiosk.core.tariff import TariffFormatError, describe, example_cost, load_tariff

    try:
        tariff = load_tariff(_load_json(args.tariff))
    except (_Fail, TariffFormatError) as exc:
        print(f"kiosk tariff: {exc}", file=sys.stderr)
        return 2
    zone = ZoneInfo(args.tz)
    start = None
    if args.at:
        start = dt.datetime.fromisoformat(args.at)
        start = start if start.tzinfo else start.replace(tzinfo=zone)
    now = start or dt.datetime.now(zone)
    print(describe(tariff, args.lang, now=now, tz=args.tz))
    print(example_cost(tariff, hours=args.hours, kwh=args.kwh, lang=args.lang, start=start, tz=args.tz))
    return 0


def _profile_summary(profile: Any) -> dict[str, Any]:
    charging = sum((p.seconds for p in profile.periods if not p.parking), Decimal(0))
    parking = sum((p.seconds for p in profile.periods if p.parking), Decimal(0))
    return {
        "start": profile.start.isoformat() if profile.start else None,
        "end": profile.end.isoformat() if profile.end else None,
        "time_zone": profile.tz,
        "energy_kwh": f"{profile.energy_kwh.normalize():f}",
        "charging_seconds": f"{charging.normalize():f}",
        "parking_seconds": f"{parking.normalize():f}",
    }


def _hms(hours: Decimal) -> str:
    total = int((hours * 3600).to_integral_value())
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


def _qty(line: Any) -> str:
    if line.unit == "kWh":
        return f"{line.quantity:.3f} kWh"
    if line.unit == "h":
        return f"{_hms(line.quantity)} h"
    return "1 session"


def _price(value: Decimal) -> str:
    """At least 2 decimals, at most 4: 1.2 -> 1.20, 0.245 -> 0.245, 0.2892562 -> 0.2893."""
    value = value.quantize(Decimal("0.0001")).normalize()
    return f"{value:.2f}" if -value.as_tuple().exponent <= 2 else f"{value:f}"


def render_quote(tariff: Any, profile: Any, q: Any) -> str:
    """The human-readable breakdown printed by ``kiosk tariff quote``."""
    from kiosk.core.tariff import TariffSchedule

    tz = profile.zone
    sched = tariff if isinstance(tariff, TariffSchedule) else TariffSchedule(current=tariff)
    cur = sched.current
    vat_mode = "prices include VAT" if cur.vat_included else "prices exclude VAT"
    out: list[str] = []
    out.append(f"Tariff {cur.id or '(no id)'} ({q.currency}), {vat_mode}"
               + (f", {len(sched.future)} scheduled tariff(s)" if sched.future else ""))
    if profile.periods:
        s = profile.start.astimezone(tz)
        e = profile.end.astimezone(tz)
        summ = _profile_summary(profile)
        out.append(
            f"Session {s:%Y-%m-%d %H:%M:%S} -> {e:%Y-%m-%d %H:%M:%S} {profile.tz}: "
            f"{profile.energy_kwh.normalize():f} kWh, charging {_hms(Decimal(summ['charging_seconds']) / 3600)}, "
            f"parking {_hms(Decimal(summ['parking_seconds']) / 3600)}"
        )
    out.append("")
    header = f"  {'dimension':<13}{'billed':>16}  {'price excl.':>16}  {'price incl.':>16}  {'VAT %':>6}  {'excl. VAT':>10}  {'incl. VAT':>10}  {'when (local)':<13}  tariff/element"
    out.append(header)
    out.append("  " + "-" * (len(header) - 2))
    for ln in q.lines:
        unit = "/session" if ln.unit == "session" else f"/{ln.unit}"
        when = ""
        if ln.start is not None and ln.end is not None:
            when = f"{ln.start.astimezone(tz):%H:%M}"
            if ln.end != ln.start:
                when += f"-{ln.end.astimezone(tz):%H:%M}"
        vat = "-" if ln.vat_percent is None else f"{ln.vat_percent.normalize():f}"
        extra = ""
        if ln.rounded_up > 0:
            extra = f"   (incl. step size round-up of {_qty(type(ln)(dimension=ln.dimension, quantity=ln.rounded_up, unit=ln.unit, excl_vat=0, incl_vat=0))})"
        out.append(
            f"  {ln.dimension:<13}{_qty(ln):>16}  {_price(ln.unit_price) + unit:>16}  {_price(ln.unit_price_incl_vat) + unit:>16}  {vat:>6}  "
            f"{ln.excl_vat:>10.4f}  {ln.incl_vat:>10.4f}  {when:<13}  {ln.tariff_id or '-'}/#{(ln.element or 0) + 1}{extra}"
        )
    if not q.lines:
        out.append("  (nothing billed)")
    out.append("")
    for note in q.notes:
        out.append(f"  * {note}")
    if q.notes:
        out.append("")
    out.append(f"  sum of lines       excl. {q.exact_excl_vat:.4f}  incl. {q.exact_incl_vat:.4f}  (exact)")
    out.append(f"  Total excl. VAT    {q.currency} {q.excl_vat}")
    out.append(f"  VAT                {q.currency} {q.vat}")
    out.append(f"  Total incl. VAT    {q.currency} {q.incl_vat}")
    out.append("  Line amounts are exact; only the totals are rounded (half up, to the currency's minor unit).")
    return "\n".join(out)
