"""The payment method a session starts with (mixed into :class:`kiosk.services.venue.VenueService`,
whose state it uses): the id staff chose, the venue's card or external reference (found in
the wallet, added when missing), the wallet's default, or a room number (checked against the
hotel's room list when billing is on, see :mod:`kiosk.services.billing.rooms`)."""

from __future__ import annotations

import asyncio
from typing import Any


class VenuePayments:
    client: Any
    rooms: Any
    payment_method_id: str | None
    payment_card: str | None
    payment_external_ref: str | None
    _pm_cache: str | None
    _pm_generation: int
    _lock: asyncio.Lock

    # -- payment ---------------------------------------------------------------------------
    def set_payment_method(self, payment_method_id: str | None) -> None:
        """Start the next sessions with this payment method (staff chose it at run time);
        ``None``: back to the configured card / external reference / wallet default.

        Forgets the wallet look-up made for the previous choice, so the next
        :meth:`venue_payment_method` looks again (a removed or replaced method is not reused).
        """
        self.payment_method_id = payment_method_id or None
        self._pm_cache = None
        self._pm_generation += 1

    @property
    def known_payment_method(self) -> str | None:
        """The venue's payment method id if known without asking the service (the desk's
        payer column), else None."""
        return self.payment_method_id or self._pm_cache

    async def venue_payment_method(self) -> str:
        """The venue's payment method id: configured id, else the wallet entry matching the
        venue card / external reference (created when missing), else the wallet's default."""
        if self.payment_method_id:
            return self.payment_method_id
        if self._pm_cache:
            return self._pm_cache
        async with self._lock:
            if self._pm_cache:
                return self._pm_cache
            generation = self._pm_generation
            wallet = await self.client.wallet()
            pm = None
            if self.payment_card:
                tail = self.payment_card[-4:]
                pm = next((w for w in wallet if (w.card_hint or "").endswith(tail)
                           or (w.card_short_hint or "").endswith(tail)), None)
                if pm is None:
                    pm = await self.client.add_charge_card(self.payment_card)
            elif self.payment_external_ref:
                pm = next((w for w in wallet if w.external_payment_method_id == self.payment_external_ref), None)
                if pm is None:
                    pm = await self.client.add_external_payment(self.payment_external_ref)
            else:
                pm = next((w for w in wallet if getattr(w, "is_default", False)), None) or (wallet[0] if wallet else None)
            if pm is None or not pm.id:
                from kiosk.services.venue import ResolveError

                raise ResolveError("no_payment")
            if generation == self._pm_generation:
                self._pm_cache = pm.id
            return pm.id

    async def check_room(self, room: str) -> str:
        """The entry as typed (normalised; the initial kept for the payment's own check), or
        ``RoomRefused`` saying why (no room list: accepted)."""
        if self.rooms is not None:
            await self.rooms.check(room)
        return "".join(room.split()).upper()

    async def room_payment_method(self, room: str) -> str:
        """A room/folio number as an external payment method (reused when it exists). With
        hotel billing the room is checked first (``RoomRefused`` says why not) and each stay
        gets its own reference."""
        if self.rooms is not None:
            return await self.rooms.payment_method(room)
        ref = f"room-{room.strip().upper()}"
        wallet = await self.client.wallet()
        pm = next((w for w in wallet if w.external_payment_method_id == ref), None)
        if pm is None:
            pm = await self.client.add_external_payment(ref, display_name=f"Room {room}")
        return pm.id
