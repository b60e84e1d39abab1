"""The venue wallet as the attendant sees it: cards and external references (masked),
the venue default, adding and removing (audited)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.i18n import Translator
from kiosk.logsetup import mask_card
from kiosk.services.runtime import RuntimeSettings

from .common import DeskError, api_message

_ = Translator("attendant")


#: A charge card's visual number: letters, digits and the separators - * (EMAID-like).
_VISUAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9*\- ]{4,38}[A-Za-z0-9]$")
_REF_RE = re.compile(r"^[\w.\-/#: ]{1,64}$")



class WalletError(DeskError):
    """A wallet change failed."""


@dataclass(frozen=True)
class WalletEntry:
    """One payment method of the venue's wallet, safe to show (cards masked)."""

    id: str
    kind: str                      # "card", "external" or the API's type name
    label: str                     # masked card number / external reference / display name
    verification: str | None       # PENDING / VALID / INVALID / None
    is_default: bool               # the venue default chosen here (or in the configuration)
    usable: bool                   # verified (or not subject to verification) and valid

    @property
    def status_text(self) -> str:
        return {
            "VALID": _("Verified"),
            "PENDING": _("Waiting for verification"),
            "INVALID": _("Rejected by the operator"),
        }.get(self.verification or "", _("Ready"))


def _entry(pm: Any, default_id: str | None) -> WalletEntry:
    ptype = str(getattr(pm, "type", "") or "")
    ext = getattr(pm, "external_payment_method_id", None)
    verification = getattr(pm, "verification_status", None)
    verification = str(verification) if verification is not None else None
    if ptype == "EXTERNAL" or ext:
        kind = "external"
        label = getattr(pm, "display_name", None) or ext or _("External reference")
        if ext and getattr(pm, "display_name", None) and pm.display_name != ext:
            label = f"{pm.display_name} ({ext})"
    elif ptype == "CHARGE_CARD":
        kind = "card"
        hint = (getattr(pm, "card_hint", None) or getattr(pm, "card_short_hint", None)
                or getattr(pm, "card_alias", None) or "")
        label = _("Charge card {number}", number=mask_card(hint)) if hint else _("Charge card")
    else:
        kind = ptype or "other"
        label = getattr(pm, "display_name", None) or mask_card(getattr(pm, "card_hint", None) or "") or ptype
    is_valid = getattr(pm, "is_valid", None)
    usable = verification != "INVALID" and verification != "PENDING" and is_valid is not False
    return WalletEntry(id=str(pm.id), kind=kind, label=label, verification=verification,
                       is_default=(default_id is not None and str(pm.id) == default_id), usable=usable)


AuditFn = Callable[..., Any]


class WalletService:
    """The appToken's wallet as the attendant sees it.

    The venue default is :attr:`RuntimeSettings.payment_method_id`: choosing one here is
    persisted and applied at once (the next start uses it). Every change is audited.
    """

    def __init__(self, client: Any, runtime: RuntimeSettings, audit: AuditFn | None = None) -> None:
        self.client = client
        self.runtime = runtime
        self._audit = audit

    async def _record(self, actor: str, action: str, detail: str = "") -> None:
        if self._audit is None:
            return
        res = self._audit(actor=actor, action=action, session_id=None, detail=detail)
        if asyncio.iscoroutine(res):
            await res

    async def entries(self) -> list[WalletEntry]:
        from kiosk.api import errors  # the attendant services are allowed to use the API layer

        try:
            methods = await self.client.wallet()
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        default = self.runtime.payment_method_id
        return [_entry(pm, default) for pm in methods if getattr(pm, "id", None)]

    async def add_card(self, visual_number: str, *, actor: str = "attendant") -> WalletEntry:
        from kiosk.api import errors

        number = (visual_number or "").strip().upper()
        if not _VISUAL_RE.match(number):
            raise WalletError(_("That does not look like a card number. Type the number printed on the card."))
        try:
            pm = await self.client.add_charge_card(number)
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        entry = _entry(pm, self.runtime.payment_method_id)
        await self._record(actor, "wallet.add_card", f"card {mask_card(number)}")
        return entry

    async def add_external(self, reference: str, display_name: str | None = None, *,
                           actor: str = "attendant") -> WalletEntry:
        from kiosk.api import errors

        ref = (reference or "").strip()
        if not _REF_RE.match(ref):
            raise WalletError(_("Type a reference of 1 to 64 letters, digits or - . / # :"))
        try:
            pm = await self.client.add_external_payment(ref, display_name=(display_name or None))
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        entry = _entry(pm, self.runtime.payment_method_id)
        await self._record(actor, "wallet.add_external", f"reference {ref}")
        return entry

    async def remove(self, payment_method_id: str, *, actor: str = "attendant") -> None:
        from kiosk.api import errors

        try:
            await self.client.remove_payment_method(payment_method_id)
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        if self.runtime.payment_method_id == payment_method_id:
            self.runtime.update(payment_method_id=None)
        await self._record(actor, "wallet.remove", f"payment method {payment_method_id}")

    async def set_default(self, payment_method_id: str, *, actor: str = "attendant") -> None:
        entries = await self.entries()
        match = next((e for e in entries if e.id == payment_method_id), None)
        if match is None:
            raise WalletError(_("That payment method is no longer in the wallet. Refresh the list."))
        if match.verification == "INVALID":
            raise WalletError(_("That card was rejected by the operator. Choose another payment method."))
        self.runtime.update(payment_method_id=payment_method_id)
        await self._record(actor, "wallet.set_default", f"payment method {payment_method_id} ({match.label})")


