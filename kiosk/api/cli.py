"""``kiosk api <verb>`` (the client from the command line, for integrators and support
staff) and ``kiosk doctor``. Same settings as the app; readable text by default, the API's
JSON with ``--json``. Errors print the API's message and exit 1. Everything printed goes
through :func:`kiosk.logsetup.redact`: no key, appToken or full card number on screen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from typing import TYPE_CHECKING

from kiosk.config import Settings, load_settings
from kiosk.logsetup import mask_card, redact, setup_logging

if TYPE_CHECKING:   # httpx and the pydantic models load when a command runs, not for `kiosk run`
    from kiosk.api import ChargeAssistClient, errors, models


@dataclass
class Output:
    data: Any  # the API's JSON (models or lists of models are dumped by alias)
    text: str


Handler = Callable[["ChargeAssistClient", argparse.Namespace, Settings], Awaitable["Output"]]


# --------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------


def to_json(data: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(data, list):
        return [to_json(d) for d in data]
    return data


def _v(value: Any, missing: str = "-") -> str:
    if value is None or value == "":
        return missing
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _pm_line(pm: models.PaymentMethodModel) -> str:
    what = pm.external_payment_method_id or mask_card(pm.card_hint or pm.card_short_hint) or "-"
    valid = _v(pm.verification_status, "VALID" if pm.is_valid else "?")
    name = f"  {pm.display_name}" if pm.display_name else ""
    return f"{_v(pm.id)}  {_v(pm.type)}  {valid}  {what}{name}"


def _summary_line(loc: models.LocationSummary) -> str:
    place = ", ".join(p for p in (loc.add, loc.city) if p)
    return f"{_v(loc.id)}  {loc.display_name or loc.name or '-'}  {place or '-'}  {_v(loc.con_avail)}/{_v(loc.con_tot)} free"


def _words(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p is not None and p != "")


def _connector_text(c: models.ConnectorModel) -> str:
    kw = c.power_in_kw if c.power_in_kw is not None else c.kw
    return f"connector {_v(c.id)}: " + _words(c.standard, c.format, c.power_type, f"{_v(kw)} kW")


def _location_text(loc: models.LocationModel) -> str:
    lines = [f"{loc.display_name or loc.name or '-'} ({_v(loc.id)})",
             f"  {', '.join(p for p in (loc.address, loc.postal_code, loc.city, loc.country) if p) or '-'}"]
    if loc.branding and loc.branding.display_name:
        lines.append(f"  operated as {loc.branding.display_name}")
    for evse in loc.evses or []:
        floor = f", floor {evse.floor_level}" if evse.floor_level else ""
        lines.append(f"  EVSE {_words(_v(evse.uid), evse.evse_id, _v(evse.status))}{floor}")
        lines.extend(f"    {_connector_text(c)}" for c in evse.connectors or [])
    return "\n".join(lines)


def _price_text(tariff: models.TariffModel) -> list[str]:
    units = {"ENERGY": "per kWh", "TIME": "per hour", "PARKING_TIME": "per hour parked", "FLAT": "per session"}
    out = []
    for element in tariff.elements or []:
        for pc in element.price_components or []:
            vat = f" (VAT {pc.vat:g}%)" if pc.vat is not None else ""
            out.append(f"    {_v(pc.type)}: {_words(_v(pc.price), tariff.currency, units.get(str(pc.type)))}{vat}")
    return out


def _tariff_text(items: list[models.WalletTariffItem]) -> str:
    lines = []
    for item in items:
        pm = item.payment_method
        lines.append(f"{_v(pm.id if pm else None)} {_v(pm.type if pm else None)}: {_v(item.validity)}")
        if item.tariff:
            lines.extend(_price_text(item.tariff))
        for future in item.future_tariffs or []:
            lines.append(f"  from {_v(future.valid_from)}:")
            lines.extend(_price_text(future))
    return "\n".join(lines) or "no tariff items"


def _status_text(s: models.StatusResponse, session_id: str) -> str:
    lines = [f"session {s.session_id or session_id}: {_v(s.status)}"]
    if s.error or s.error_message:
        lines.append(f"  error: {_v(s.error)} {s.error_message or ''}".rstrip())
    soc = f", state of charge {s.state_of_charge:g} %" if s.state_of_charge is not None else ""
    lines.append(f"  energy {_v(s.energy_in_kwh)} kWh, power {_v(s.current_power_in_kw)} kW{soc}")
    lines.append(f"  started {_v(s.start_time)}, ended {_v(s.end_time)}, next status call {_v(s.next_status_call)}")
    if s.total_costs is not None:
        lines.append(f"  total {s.total_costs:.2f} {s.currency or ''} (VAT {_v(s.total_vat)}), "
                     f"receipt {_v(s.receipt_number)}")
    return "\n".join(lines)


def _history_line(h: models.SessionHistoryModel) -> str:
    cost = f"{h.retail_cost_incl_vat:.2f} {h.currency or ''}" if h.retail_cost_incl_vat is not None else "-"
    where = h.location.id if h.location else None
    return (f"{_v(h.charge_session_id)}  {_v(h.status)}  {_v(h.start_time)}  {_v(where)}/{_v(h.evse_uid)}  "
            f"{_v(h.energy_in_kwh)} kWh  {cost}")


def _lines(items: Sequence[Any], fmt: Callable[[Any], str], empty: str) -> str:
    return "\n".join(fmt(i) for i in items) if items else empty


# --------------------------------------------------------------------------------------
# verbs
# --------------------------------------------------------------------------------------


async def _register(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    tokens = await c.register_token()
    return Output(tokens, f"appToken registered ({len(tokens)} token record(s))")


async def _wallet(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    methods = await c.wallet(a.location)
    return Output(methods, _lines(methods, _pm_line, "the wallet is empty"))


async def _add_card(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    pm = await c.add_charge_card(a.visual)
    return Output(pm, f"card {mask_card(a.visual)} added: {_pm_line(pm)}")


async def _add_external(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    pm = await c.add_external_payment(a.ref, a.name)
    return Output(pm, f"external payment method added: {_pm_line(pm)}")


async def _remove_payment(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    await c.remove_payment_method(a.id)
    return Output({"removed": a.id}, f"payment method {a.id} removed")


async def _nearby(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    found = await c.locations_nearby(a.lat, a.lng, available=a.available or None, power_type=a.power_type)
    return Output(found, _lines(found, _summary_line, "no locations nearby"))


async def _bbox(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    found = await c.locations_in_box(a.bl_lat, a.bl_lng, a.tr_lat, a.tr_lng, page_size=a.page_size, all_pages=a.all)
    return Output(found, _lines(found, _summary_line, "no locations in this box"))


async def _location(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    loc = await c.location(a.id, evse_uid=a.evse)
    return Output(loc, _location_text(loc))


async def _availability(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    result = await c.availability(a.ids)
    lines = []
    for loc in result:
        lines.append(f"{_v(loc.id)} (updated {_v(loc.lu)})")
        lines.extend(f"  {_words(_v(e.uid), e.evse_id, _v(e.status))}" for e in loc.evses or [])
    return Output(result, "\n".join(lines) or "no availability returned")


async def _qr(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    qr = await c.parse_qr(a.url)
    if not qr.valid:
        return Output(qr, "not a valid charger QR code")
    return Output(qr, f"location {_v(qr.location_id)}, EVSE {_v(qr.evse_uid)}, connector {_v(qr.connector_id)}")


async def _tariff(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    items = await c.tariffs(a.location, a.evse, a.connector)
    return Output(items, _tariff_text(items))


async def _venue_payment_id(c: ChargeAssistClient, s: Settings) -> str:
    card = s.payment_card.get_secret_value() if s.payment_card else None
    if s.payment_method_id:
        return s.payment_method_id
    from kiosk.api import errors
    from kiosk.api.wallet import find_payment_method

    pm = find_payment_method(await c.wallet(), card_visual=card, external_ref=s.payment_external_ref)
    if pm is None or not pm.id:
        raise errors.NotConfigured("no --payment given and the venue payment method is not in the wallet")
    return pm.id


async def _first_connector(c: ChargeAssistClient, location_id: str, evse_uid: str) -> str | None:
    evse = (await c.location(location_id, evse_uid=evse_uid)).evse(evse_uid)
    connectors = evse.connectors if evse else None
    return connectors[0].id if connectors else None


async def _start(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    payment = a.payment or await _venue_payment_id(c, s)
    connector = a.connector or await _first_connector(c, a.location, a.evse)
    started = await c.start_session(a.location, a.evse, connector, payment)
    return Output(started, f"session {_v(started.charge_session_id)} requested; "
                           f"ask for its status at {_v(started.next_status_call)}")


async def _status(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    status = await c.session_status(a.session)
    return Output(status, _status_text(status, a.session))


async def _stop(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    status = await c.stop_session(a.session)
    return Output(status, _status_text(status, a.session))


async def _sessions(c: ChargeAssistClient, a: argparse.Namespace, s: Settings) -> Output:
    found = await c.session_history(date_from=a.date_from, date_to=a.date_to, statuses=a.status or None)
    return Output(found, _lines(found, _history_line, "no sessions"))


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------


def _error_text(exc: errors.ApiError) -> str:
    lines = [f"error: {exc.message}" + (f" (HTTP {exc.status})" if exc.status else "")]
    lines.extend(f"  - {m}" for m in exc.validation_messages if m != exc.message)
    if exc.may_have_taken_effect:
        lines.append("  the request may have taken effect: check with 'kiosk api sessions' before repeating it")
    return "\n".join(lines)


async def _run(handler: Handler, args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.api import ChargeAssistClient, errors

    async with ChargeAssistClient.from_settings(settings) as client:
        try:
            out = await handler(client, args, settings)
        except errors.ApiError as exc:
            print(redact(_error_text(exc)), file=sys.stderr)
            return 1
    text = json.dumps(to_json(out.data), indent=2, ensure_ascii=False) if args.json else out.text
    try:
        print(redact(text), flush=True)
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"base_url": args.base_url} if getattr(args, "base_url", None) else {}
    settings = load_settings(**overrides)
    if args.verbose:
        setup_logging("DEBUG", console=True)
    return settings


def _command(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(_run(handler, args, _settings(args)))

    return run


def _doctor(args: argparse.Namespace) -> int:
    from kiosk import doctor  # lazy: kiosk.doctor imports this package

    return doctor.report(_settings(args), as_json=args.json)


def _iso(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date/time: {value!r}") from None


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.add_argument("--base-url", help="override the base URL setting (KIOSK_BASE_URL)")
    p.add_argument("-v", "--verbose", action="store_true", help="log each request (redacted) to stderr")
    return p


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    common = _common()
    api = subparsers.add_parser("api", help="call the Charge Assist API",
                                description="Call the Charge Assist API with the kiosk's settings.")
    verbs = api.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = verbs.add_parser(name, help=help, description=help, parents=[common])
        p.set_defaults(func=_command(handler))
        return p

    verb("register", _register, "register the appToken (PUT /token/{appToken}; safe to repeat)")
    verb("wallet", _wallet, "list the payment methods").add_argument("--location", help="mark compatibility")
    verb("add-card", _add_card, "add a charge card by its visual number").add_argument("visual")
    p = verb("add-external", _add_external, "add an external payment reference")
    p.add_argument("ref")
    p.add_argument("--name", help="display name")
    verb("remove-payment", _remove_payment, "remove a payment method").add_argument("id")
    p = verb("nearby", _nearby, "locations near a point (at most 25, 50 km)")
    p.add_argument("lat", type=float)
    p.add_argument("lng", type=float)
    p.add_argument("--available", action="store_true", help="only with a free EVSE")
    p.add_argument("--power-type", choices=["AC", "DC"])
    p = verb("bbox", _bbox, "locations in a bounding box")
    for name in ("bl_lat", "bl_lng", "tr_lat", "tr_lng"):
        p.add_argument(name, type=float)
    p.add_argument("--all", action="store_true", help="follow continuation tokens to the last page")
    p.add_argument("--page-size", type=int, default=50)
    p = verb("location", _location, "one location with its EVSEs")
    p.add_argument("id")
    p.add_argument("--evse", help="only this EVSE uid")
    verb("availability", _availability, "EVSE statuses of locations").add_argument("ids", nargs="+", metavar="ID")
    verb("qr", _qr, "resolve the text of a charger QR code").add_argument("url")
    p = verb("tariff", _tariff, "the tariff of an EVSE per wallet payment method")
    p.add_argument("location")
    p.add_argument("evse")
    p.add_argument("--connector")
    p = verb("start", _start, "start a session (venue payment method unless --payment)")
    p.add_argument("location")
    p.add_argument("evse")
    p.add_argument("--connector")
    p.add_argument("--payment", help="payment method id")
    verb("status", _status, "status of a session").add_argument("session")
    verb("stop", _stop, "stop a session").add_argument("session")
    p = verb("sessions", _sessions, "session history, newest first")
    p.add_argument("--status", action="append", type=str.upper, help="only this status (repeatable)")
    p.add_argument("--from", dest="date_from", type=_iso, help="ISO date/time")
    p.add_argument("--to", dest="date_to", type=_iso, help="ISO date/time")

    doc = subparsers.add_parser("doctor", help="check settings and the service", parents=[common],
                                description="Check the settings, the service, the appToken, the wallet "
                                            "and the data directory; exit 1 if something is wrong.")
    doc.set_defaults(func=_doctor)
