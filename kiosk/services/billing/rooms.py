"""Rooms that exist: a room number is accepted only when the venue says the room is occupied.

Sources (``rooms_file`` wins when both are set):

- **a PMS export file**, CSV or JSON, of the occupied rooms, optionally with the guest's
  surname initial (or surname: only its first letter is read) and a reservation id. It is
  read again whenever its modification time or size changes (checked at every room check
  and every sweep). CSV: a header row naming ``room`` and optionally ``initial`` /
  ``surname`` / ``reservation`` (``,`` or ``;``). JSON: ``["101", "102"]``,
  ``[{"room": "101", "initial": "M"}]`` or ``{"rooms": [...]}``.
- **a look-up URL** answering yes/no per room (:class:`kiosk.api.webhooks.RoomLookup`).
  When it cannot be asked, the venue's setting decides: ``refuse`` (the guest is told to
  try again or choose the venue) or ``accept`` (the stay is marked unverified and the desk
  is told).

With ``rooms_initial`` the guest types the room followed by the initial ("214M") whenever
the source knows the room's initial. A **stay** is one guest's occupancy of a room (the
journal's ``room_stays``): it gets its own external payment reference
(``room-<room>-<stay>``), not one per room forever. When the source no longer lists the
room (or lists another guest), the stay ends: its initial is deleted at once and its
payment method is removed from the wallet once no session of it runs. A guest who checks
out while still charging is flagged to the desk.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .messages import INITIAL_MISMATCH, INITIAL_NEEDED, LOOKUP_DOWN, UNKNOWN_ROOM, RoomRefused

log = logging.getLogger(__name__)

_ROOM_RE = re.compile(r"^[A-Z0-9-]{1,12}$")


def normalize(room: str) -> str:
    return re.sub(r"\s+", "", room or "").upper()


@dataclass(frozen=True)
class Occupant:
    room: str
    initial: str | None = None
    ref: str | None = None


def _initial(value: Any) -> str | None:
    text = str(value or "").strip()
    return text[:1].upper() if text and text[:1].isalpha() else None


def parse_rooms(text: str, *, json_format: bool | None = None) -> dict[str, Occupant]:
    """The occupied rooms of a PMS export (CSV or JSON). Raises ValueError when unreadable."""
    stripped = text.lstrip("\ufeff").strip()
    is_json = json_format if json_format is not None else stripped[:1] in ("[", "{")
    rows: list[dict[str, Any]] = []
    if is_json:
        data = json.loads(stripped or "[]")
        if isinstance(data, dict):
            data = data.get("rooms", [])
        if not isinstance(data, list):
            raise ValueError("the JSON holds no list of rooms")
        for item in data:
            rows.append({"room": item} if isinstance(item, str | int) else dict(item))
    else:
        first = stripped.splitlines()[0] if stripped else ""
        reader = csv.DictReader(io.StringIO(stripped), delimiter=";" if first.count(";") > first.count(",") else ",")
        if reader.fieldnames is None or "room" not in [f.strip().lower() for f in reader.fieldnames]:
            raise ValueError("the CSV has no 'room' column")
        for r in reader:
            rows.append({(k or "").strip().lower(): v for k, v in r.items()})
    out: dict[str, Occupant] = {}
    for r in rows:
        room = normalize(str(r.get("room") or ""))
        if not room or not _ROOM_RE.match(room):
            continue
        initial = _initial(r.get("initial") or r.get("surname_initial") or r.get("surname"))
        ref = str(r.get("reservation") or r.get("stay") or "").strip() or None
        out[room] = Occupant(room, initial, ref)
    return out


class RoomsFile:
    """The PMS export file, read again when it changes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.rooms: dict[str, Occupant] = {}
        self.loaded = False
        self.error: str | None = None
        self._sig: tuple[int, int] | None = None

    def refresh(self) -> bool:
        """Read the file when it changed (blocking: call it off the loop). True when read."""
        try:
            st = self.path.stat()
        except OSError as exc:
            self.error = f"not readable: {type(exc).__name__}"
            return False
        sig = (st.st_mtime_ns, st.st_size)
        if sig == self._sig:
            return False
        try:
            rooms = parse_rooms(self.path.read_text(encoding="utf-8-sig"),
                                json_format=self.path.suffix.lower() == ".json" or None)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            self.error = f"unreadable: {exc}"[:200]
            log.warning("rooms file %s %s; keeping the last list", self.path.name, self.error)
            return False
        self.rooms, self._sig, self.loaded, self.error = rooms, sig, True, None
        log.info("rooms file read: %d occupied rooms", len(rooms))
        return True


@dataclass(frozen=True)
class Verdict:
    room: str
    initial: str | None
    verified: bool
    ref: str | None = None


class Rooms:
    """Room checks, stays and their payment methods. ``io``: the session service's journal
    thread (``io.call``); ``client()``: the Charge Assist client (wallet)."""

    def __init__(self, io: Any, journal: Any, client: Callable[[], Any], *, file: Path | str | None = None,
                 lookup: Any = None, when_down: str = "refuse", require_initial: bool = False) -> None:
        self.io = io
        self.journal = journal
        self.client = client
        self.file = RoomsFile(file) if file else None
        self.lookup = lookup
        self.when_down = when_down
        self.require_initial = require_initial

    @property
    def checks(self) -> bool:
        return self.file is not None or self.lookup is not None

    # -- the check ----------------------------------------------------------------------
    async def _listed(self, room: str) -> Occupant | None:
        """The occupant of ``room`` per the source; raises WebhookError when it cannot be asked."""
        import asyncio

        if self.file is not None:
            await asyncio.to_thread(self.file.refresh)
            if not self.file.loaded:
                from kiosk.api.webhooks import WebhookError

                raise WebhookError(self.file.error or "rooms file not read")
            return self.file.rooms.get(room)
        ans = await self.lookup.occupied(room)
        return Occupant(room, ans.initial) if ans.occupied else None

    async def check(self, entry: str) -> Verdict:
        """Accept or refuse what the guest typed (:class:`RoomRefused` says why)."""
        from kiosk.api.webhooks import WebhookError

        typed = normalize(entry)
        if not self.checks:
            return Verdict(typed, None, True)
        try:
            occ = await self._listed(typed)
            if occ is not None:
                if self.require_initial and occ.initial:
                    raise RoomRefused(INITIAL_NEEDED, reason="initial_needed", example=f"{typed}A")
                return Verdict(typed, occ.initial, True, occ.ref)
            if len(typed) > 1 and typed[-1].isalpha():
                occ = await self._listed(typed[:-1])
                if occ is not None:
                    if occ.initial is not None and occ.initial != typed[-1]:
                        raise RoomRefused(INITIAL_MISMATCH, reason="initial_mismatch", room=typed[:-1])
                    return Verdict(occ.room, occ.initial, True, occ.ref)
        except WebhookError as exc:
            log.warning("room check not possible: %s", exc)
            if self.when_down != "accept":
                raise RoomRefused(LOOKUP_DOWN, reason="lookup_down", retryable=True) from None
            return Verdict(typed, None, False)
        raise RoomRefused(UNKNOWN_ROOM, reason="unknown_room", room=typed)

    # -- the stay and its payment method --------------------------------------------------
    async def payment_method(self, entry: str) -> str:
        """The payment method of this guest's stay (checked first; created when missing)."""
        v = await self.check(entry)
        stay = await self.io.call(self.journal.open_stay, secrets.token_hex(8), v.room, initial=v.initial,
                                  source="file" if self.file else "url" if self.lookup else "none",
                                  verified=v.verified, pms_ref=v.ref)
        if self._new_guest(stay, v):
            await self._end(stay, reason="another guest in the room")
            stay = await self.io.call(self.journal.open_stay, secrets.token_hex(8), v.room, initial=v.initial,
                                      source=stay["source"], verified=v.verified, pms_ref=v.ref)
        if not v.verified:
            await self.io.call(self.journal.add_flag, "room_unverified", room=v.room,
                               detail="the room list could not be checked; accepted as the venue decided")
        if stay.get("payment_method_id"):
            return stay["payment_method_id"]
        ref = f"room-{v.room}-{stay['id'][:8]}"
        client = self.client()
        wallet = await client.wallet()
        pm = next((w for w in wallet if w.external_payment_method_id == ref), None)
        if pm is None:
            pm = await client.add_external_payment(ref, display_name=f"Room {v.room}")
        await self.io.call(self.journal.set_stay_payment, stay["id"], ref, pm.id)
        return pm.id

    @staticmethod
    def _new_guest(stay: dict[str, Any], v: Verdict) -> bool:
        if stay.get("pms_ref") and v.ref and stay["pms_ref"] != v.ref:
            return True
        return bool(stay.get("initial") and v.initial and stay["initial"] != v.initial)

    async def _end(self, stay: dict[str, Any], reason: str) -> None:
        await self.io.call(self.journal.end_stay, stay["id"])
        log.info("stay in room %s ended (%s); its initial is deleted", stay["room"], reason)

    # -- the sweep: check-outs, cleanup ---------------------------------------------------
    async def sweep(self) -> dict[str, int]:
        """End stays the source no longer lists (initial deleted at once), flag guests who
        checked out while charging, remove ended stays' payment methods once unused."""
        from kiosk.api.webhooks import WebhookError

        out = {"ended": 0, "flagged": 0, "removed": 0}
        if not self.checks:
            return out
        stays = await self.io.call(self.journal.stay_rows)
        open_rows = await self.io.call(self.journal.sessions, open_only=True)
        running: dict[str, list[Any]] = {}
        for r in open_rows:
            if r.tag:
                running.setdefault(normalize(r.tag), []).append(r)
        for stay in stays:
            try:
                occ = await self._listed(stay["room"])
            except WebhookError:
                continue        # cannot be asked: nothing ends on a guess
            gone = occ is None or self._new_guest(stay, Verdict(stay["room"], occ.initial, True, occ.ref))
            if not gone:
                continue
            for r in running.get(stay["room"], []):
                if r.payment_method_id == stay.get("payment_method_id") or not stay.get("payment_method_id"):
                    if await self.io.call(self.journal.add_flag, "checked_out_charging", room=stay["room"],
                                          session_key=r.key,
                                          detail="the guest checked out while the car is still charging"):
                        out["flagged"] += 1
            await self._end(stay, "no longer occupied")
            out["ended"] += 1
        out["removed"] = await self._remove_unused(open_rows)
        return out

    async def _remove_unused(self, open_rows: list[Any]) -> int:
        from kiosk.api import errors

        in_use = {r.payment_method_id for r in open_rows}
        ended = await self.io.call(self.journal.stay_rows, open_only=False)
        n = 0
        for stay in ended:
            pm = stay.get("payment_method_id")
            if stay["ended_at"] is None or stay["wallet_removed"] or not pm or pm in in_use:
                continue
            try:
                await self.client().remove_payment_method(pm)
            except errors.NotFound:
                pass
            except errors.ApiError as exc:
                log.warning("payment method of an ended stay not removed yet: %s", type(exc).__name__)
                continue
            await self.io.call(self.journal.stay_wallet_removed, stay["id"])
            n += 1
        return n
