"""Staff start charging for a guest at the desk: the charger (chosen in the table, typed
by name or id, or scanned with a handheld QR scanner whatever the desk's keyboard layout
did to the keystrokes), the payer (the venue, or the guest's room with the same room check
the guest flow uses), a room or plate tag and the guest's language. The start itself is
the kiosk's one journaled, double-start-safe protocol (``SessionService.start``); the
guest code it returns is shown and printed for the guest, never logged. Audited as a
staff action (who, which charger, payer, tag, language; never the code)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kiosk.core import wedge
from kiosk.i18n import LANGUAGES, N_, Translator

from .common import DeskError

log = logging.getLogger(__name__)
_ = Translator("attendant")

#: Why a charger cannot be started now (kiosk.services.venue.Unusable), for staff.
UNUSABLE = {
    "OCCUPIED": N_("Another car is charging at this charger. Choose another charger."),
    "IN_USE_HERE": N_("A session of this kiosk is running or starting at this charger. Choose another charger, "
                      "or stop that session first."),
    "BLOCKED": N_("This charger is blocked. Choose another charger."),
    "OUT_OF_ORDER": N_("This charger is out of order. Choose another charger and report the fault."),
    "RESERVED": N_("This charger is reserved. Choose another charger."),
    "NOT_ALLOWED": N_("Charging is not allowed at this charger. Choose another charger."),
    "NO_TARIFF": N_("This charger does not accept the venue's payment method. Choose another charger."),
    "PRICE_UNKNOWN": N_("The price at this charger is not known and the venue does not start without one. "
                        "Choose another charger."),
}


@dataclass(frozen=True)
class ChargerChoice:
    location_id: str
    evse_uid: str
    connector_id: str | None = None


@dataclass(frozen=True)
class GuestStarted:
    key: str
    code: str                       # shown and printed for the guest; never logged
    location_id: str
    evse_uid: str
    payer: str                      # "venue" or "room"
    room: str | None
    tag: str | None
    language: str


class GuestStarts:
    def __init__(self, sessions: Any, venue: Any) -> None:
        self.sessions = sessions
        self.venue = venue
        self._languages: dict[str, str] = {}

    # -- the charger ---------------------------------------------------------------------------
    def _index(self) -> dict[str, ChargerChoice]:
        """Every way staff may name a venue charger (case-insensitive): its uid, its printed
        EVSE id (with ``*`` or ``-``), and its name when no other charger has it."""
        index: dict[str, ChargerChoice] = {}
        names: dict[str, list[ChargerChoice]] = {}
        locations = getattr(self.venue, "locations", {}) or {}
        for b in getattr(self.venue, "bays", []) or []:
            choice = ChargerChoice(b.location_id, b.evse_uid)
            index[b.evse_uid.casefold()] = choice
            loc = locations.get(b.location_id)
            for e in getattr(loc, "evses", None) or []:
                if getattr(e, "uid", None) == b.evse_uid and getattr(e, "evse_id", None):
                    for form in (e.evse_id, e.evse_id.replace("*", ""), e.evse_id.replace("*", "-")):
                        index[form.casefold()] = choice
            if b.name:
                names.setdefault(b.name.casefold(), []).append(choice)
        for name, found in names.items():
            if len(found) == 1:
                index.setdefault(name, found[0])
        return index

    async def find(self, text: str) -> ChargerChoice:
        """The venue charger that ``text`` names: typed (uid, EVSE id, unique name) or
        scanned (a QR code's address, read back under each keyboard layout)."""
        from kiosk.core.payload import PayloadKind, classify
        from kiosk.services.venue import ResolveError

        if self.venue is None:
            raise DeskError(_("The venue's chargers are not loaded yet. Try again in a moment."))
        if not (text or "").strip():
            raise DeskError(_("Choose a charger in the list, type its name, or scan its QR code."))
        readings = wedge.candidates(text)
        index = self._index()
        for reading in readings:
            hit = index.get(reading.casefold())
            if hit is not None:
                return hit
        own = False
        for reading in readings:
            p = classify(reading, allowed_hosts=self.venue.qr_hosts, other_hosts=self.venue.qr_other_hosts)
            if p.kind in (PayloadKind.GUEST_CODE, PayloadKind.RECEIPT):
                own = True
                continue
            if not p.is_charger_code:
                continue
            try:
                loc, evse, conn = await self.venue.resolve(reading)
            except ResolveError as exc:
                if exc.reason == "offline":
                    raise DeskError(_("The charging service cannot be reached, so the scanned code cannot be "
                                      "looked up. Choose the charger in the list instead.")) from None
                continue
            if not self.venue.is_ours(loc):
                raise DeskError(_("That charger is not part of this venue. Choose one in the list."))
            return ChargerChoice(loc, evse, conn)
        if own:
            raise DeskError(_("That is a guest's code or receipt, not a charger. Scan the QR code on the charger."))
        raise DeskError(_("No charger of this venue matches what was typed or scanned. Choose it in the list, "
                          "type its name, or scan its QR code again."))

    # -- the start -----------------------------------------------------------------------------
    async def start(self, attendant: Any, choice: ChargerChoice, *, payer: str, room: str | None = None,
                    tag: str | None = None, language: str = "en") -> GuestStarted:
        from kiosk.services.sessions import SessionError

        self.sessions.auth.check(attendant)
        if payer not in ("venue", "room"):
            raise DeskError(_("Choose who pays: the venue or the guest's room."))
        if language not in LANGUAGES:
            language = "en"
        tag = " ".join((tag or "").split()) or None
        room = "".join((room or "").split()) or None
        try:
            details = await self.venue.charger(choice.location_id, choice.evse_uid, choice.connector_id)
        except Exception as exc:  # noqa: BLE001 - the service cannot be asked: say so
            log.info("desk start: charger details not loaded: %s", type(exc).__name__)
            raise DeskError(_("The charger's details could not be loaded from the charging service. Check the "
                              "network and try again.")) from None
        if details.unusable is not None:
            raise DeskError(_(UNUSABLE.get(str(details.unusable), UNUSABLE["OUT_OF_ORDER"])))
        try:
            if payer == "room":
                if not room:
                    raise DeskError(_("Type the guest's room number."))
                room = await self.venue.check_room(room)      # RoomRefused says why (hotel billing)
                pm = await self.venue.room_payment_method(room)
            else:
                pm = details.payment_method_id or await self.venue.venue_payment_method()
            started = await self.sessions.start(details.location.id, details.evse.uid, details.connector_id, pm,
                                                tag=tag or room, tariff=details.tariff_json)
        except DeskError:
            raise
        except SessionError as exc:               # busy, refused, not started: the message says what next
            raise DeskError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - RoomRefused (translated) or the service
            if hasattr(exc, "msgid"):
                raise DeskError(str(exc)) from None
            from .common import api_message

            raise DeskError(api_message(exc)) from None
        key = started.session.key
        self._languages[key] = language
        detail = f"started at the desk for a guest: payer {payer}" + (f" room {room}" if room else "") + \
            f", tag {tag or room or '-'}, language {language}"
        self.sessions.audit(attendant.name, "session.start", key, detail)
        try:
            await self.sessions.io.call(self.sessions.journal.add_event, key, "desk_start",
                                        {"by": attendant.name, "payer": payer, "language": language})
        except Exception:  # noqa: BLE001 - the audit row has it; the session runs regardless
            log.warning("desk start event not journaled for %s", key)
        return GuestStarted(key=key, code=started.code, location_id=details.location.id, evse_uid=details.evse.uid,
                            payer=payer, room=room, tag=tag or room, language=language)

    def language_of(self, key: str | None) -> str | None:
        """The guest's language chosen at a desk start (receipts print in it), else None."""
        if not key:
            return None
        if key in self._languages:
            return self._languages[key]
        journal = getattr(self.sessions, "journal", None)
        try:
            for _k, _at, kind, detail in reversed(journal.events(key)) if journal is not None else []:
                if kind == "desk_start" and isinstance(detail, dict) and detail.get("language") in LANGUAGES:
                    self._languages[key] = detail["language"]
                    return detail["language"]
        except Exception:  # noqa: BLE001
            return None
        return None
