"""Wallet operations over real HTTP against the simulator."""

import asyncio


from kiosk.services.attendant import RuntimeSettings, WalletError, WalletService
from tests.plugins.attendant import CARD, att_client


class Audit:
    def __init__(self):
        self.entries = []

    def __call__(self, actor, action, session_id=None, detail=""):
        self.entries.append((actor, action, session_id, detail))


def test_add_card_masked_pending_then_verified_default_and_remove(sim, tmp_path):
    audit = Audit()
    rt = RuntimeSettings(tmp_path / "rt.json")

    async def scenario():
        async with att_client(sim) as client:
            await client.register_token()
            w = WalletService(client, rt, audit=audit)
            card = await w.add_card(CARD.lower(), actor="desk-anna")
            pending = await w.entries()
            sim.clock.advance(10)
            verified = await w.entries()
            ext = await w.add_external("FOLIO-88", "Room 88")
            await w.set_default(ext.id, actor="desk-anna")
            after_default = await w.entries()
            chosen = (rt.payment_method_id, RuntimeSettings(tmp_path / "rt.json").payment_method_id)
            await w.remove(ext.id, actor="desk-anna")
            after_remove = await w.entries()
            return card, pending, verified, ext, after_default, after_remove, chosen

    card, pending, verified, ext, after_default, after_remove, chosen = asyncio.run(scenario())
    # the full number never comes back; only the last four characters
    assert CARD not in card.label and "678X" in card.label.replace("-", "")
    assert card.kind == "card"
    assert [(e.id, e.verification, e.usable) for e in pending] == [(card.id, "PENDING", False)]
    assert [(e.verification, e.usable) for e in verified] == [("VALID", True)]
    assert ext.kind == "external" and "FOLIO-88" in ext.label
    assert [e.id for e in after_default if e.is_default] == [ext.id]
    assert chosen == (ext.id, ext.id)       # applied at once and persisted
    # removing the default clears it (the configuration's choice applies again)
    assert [e.id for e in after_remove] == [card.id]
    assert rt.payment_method_id is None
    actions = [a[1] for a in audit.entries]
    assert actions == ["wallet.add_card", "wallet.add_external", "wallet.set_default", "wallet.remove"]
    assert all(CARD not in a[3] for a in audit.entries)
    assert audit.entries[0][0] == "desk-anna"


def test_bad_inputs_and_refusals_say_what_to_do(sim, tmp_path):
    rt = RuntimeSettings(tmp_path / "rt.json")

    async def scenario():
        async with att_client(sim) as client:
            await client.register_token()
            w = WalletService(client, rt)
            errors = []
            for call in (lambda: w.add_card("12"), lambda: w.add_card("XX-NOT-A-CARD"),
                         lambda: w.add_external(""), lambda: w.set_default("no-such-id")):
                try:
                    await call()
                except WalletError as exc:
                    errors.append(str(exc))
            sim.scenario.external_payments = False
            try:
                await w.add_external("FOLIO-1")
            except WalletError as exc:
                errors.append(str(exc))
            return errors, await w.entries()

    errors, entries = asyncio.run(scenario())
    assert len(errors) == 5
    assert "card number" in errors[0]
    assert "refused" in errors[1]          # the service's validation reached the attendant
    assert "no longer in the wallet" in errors[3]
    assert "refused" in errors[4] and "not enabled" in errors[4]
    assert entries == []
