"""Finding the venue's own payment method in the appToken's wallet.

The wallet never returns the full card number, only hints (e.g. ``…678-X``), so a
configured card is matched on what the hint shows: the whole number, or its visible tail
after a mask character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kiosk.api import models

_MASK_CHARS = "*•…"
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def _norm(text: str) -> str:
    return _NOT_ALNUM.sub("", text).upper()


def card_matches(hint: str | None, visual_number: str) -> bool:
    """True if a wallet card hint can stand for this visual number."""
    if not hint or not visual_number:
        return False
    full = _norm(visual_number)
    if _norm(hint) == full:
        return True
    cut = max(hint.rfind(c) for c in _MASK_CHARS)
    tail = _norm(hint[cut + 1:]) if cut >= 0 else ""
    return len(tail) >= 4 and full.endswith(tail)


def find_payment_method(
    wallet: Iterable[models.PaymentMethodModel],
    *,
    payment_method_id: str | None = None,
    card_visual: str | None = None,
    external_ref: str | None = None,
) -> models.PaymentMethodModel | None:
    """The wallet entry for the venue's configured payment method, if present.
    Precedence: an explicit id, then the charge card, then the external reference."""
    methods = list(wallet)
    if payment_method_id:
        return next((m for m in methods if m.id == payment_method_id), None)
    if card_visual:
        for m in methods:
            if m.type in (None, models.PaymentMethodType.CHARGE_CARD) and any(
                card_matches(h, card_visual) for h in (m.card_hint, m.card_short_hint)
            ):
                return m
    if external_ref:
        return next((m for m in methods if m.external_payment_method_id == external_ref), None)
    return None


def is_usable(method: models.PaymentMethodModel) -> bool:
    """VALID (or, without a verification status, marked valid)."""
    if method.verification_status is not None:
        return method.verification_status == models.VerificationStatus.VALID
    return method.is_valid is not False
