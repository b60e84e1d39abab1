"""Postings reach the guest's bill through a real local receiver that verifies every
signature: through an outage, 500s and a slow receiver (at least once, accepted once), a
refusal the desk resends, a correction (a reversing posting, never an edit), the CDR that
never comes (the estimate, marked as such, replaced once the CDR comes after all), and the
daily CSV."""

import base64
import csv
import hashlib
import hmac
import json
from decimal import Decimal

from kiosk.core.pricing import PricePolicy
from tests.billing.conftest import SECRET, make_billing
from tests.plugins.sessions import wait_for


async def charge_and_stop(svc, billing, evse, room="101"):
    pm = await billing.rooms.payment_method(room)
    started = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, pm, tag=room)
    await wait_for(lambda: (svc.attach_known(started.code).energy_kwh or 0) > 0, timeout=20)
    await svc.stop(started.code)
    return started


def bill_total(receiver, key):
    return sum(Decimal(b["guest_price"]["incl_vat"]) for b in receiver.payloads() if b["session"]["key"] == key)


def test_outage_500s_and_a_slow_receiver_deliver_each_posting_once(charge_env, receiver, tmp_path):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, receiver=receiver, tmp=tmp_path, posting_timeout_s=0.4,
                                   policy=PricePolicy(mode="margin_per_kwh", margin="0.05"))
            billing.start()
            receiver.down()
            started = await charge_and_stop(svc, billing, evse)
            key = started.session.key
            await wait_for(lambda: any(p["attempts"] >= 2 for p in svc.journal.posting_rows(key=key)), timeout=30)
            receiver.up()
            receiver.mode = "error"
            await wait_for(lambda: receiver.snapshot()["refused_500"] >= 2, timeout=30)
            receiver.mode = "slow"        # accepts, answers after the kiosk gave up: sent again
            receiver.slow_s = 0.8
            await wait_for(lambda: receiver.snapshot()["duplicates"] >= 1, timeout=30)
            receiver.mode = "ok"
            await wait_for(lambda: svc.journal.posting_rows(key=key)[0]["status"] == "delivered", timeout=30)
            snap = receiver.snapshot()
            assert snap["accepted"] == 1 and snap["invalid"] == 0
            row = svc.journal.posting_rows(key=key)[0]
            assert row["attempts"] >= 5               # down, 500s, slow ones and the last
            rec = svc.receipt(key, code=started.code)
            assert bill_total(receiver, key) == rec.guest_total_incl_vat
            # the daily CSV (the fallback) lists it as delivered
            await wait_for(lambda: list((tmp_path / "exports").glob("postings-*.csv")), timeout=10)
            await wait_for(lambda: "delivered" in next((tmp_path / "exports").glob("postings-*.csv")).read_text(
                encoding="utf-8-sig"), timeout=10)
            rows = list(csv.DictReader(next((tmp_path / "exports").glob("postings-*.csv")).open(encoding="utf-8-sig")))
            assert rows[0]["receipt_number"] == rec.kiosk_receipt_number and rows[0]["room"] == "101"
            assert Decimal(rows[0]["guest_incl_vat"]) == rec.guest_total_incl_vat
            assert Decimal(rows[0]["operator_incl_vat"]) == rec.total_incl_vat
            await billing.aclose()
            await svc.aclose()

    env.run(scenario, timeout=120)


def test_signature_is_the_standard_webhooks_scheme():
    """Computed here by hand (HMAC-SHA256 over id.timestamp.body with the secret's bytes)."""
    from kiosk.api.webhooks import sign

    body = json.dumps({"room": "101", "amount": "1.00"})
    key = base64.b64decode(SECRET[6:])
    want = base64.b64encode(hmac.new(key, f"msg_1.1700000000.{body}".encode(), hashlib.sha256).digest()).decode()
    assert sign(SECRET, "msg_1", 1700000000, body) == "v1," + want


def test_refused_posting_fails_the_desk_resends_and_corrects(charge_env, receiver, tmp_path):
    env = charge_env()
    evse = env.evses()[1]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, receiver=receiver, tmp=tmp_path)
            billing.start()
            receiver.mode = "refuse"
            started = await charge_and_stop(svc, billing, evse, room="102")
            key = started.session.key
            await wait_for(lambda: svc.journal.posting_rows(key=key)
                           and svc.journal.posting_rows(key=key)[0]["status"] == "failed", timeout=30)
            att = svc.attendant_login("2468", name="Anna")
            assert await billing.desk.counts() == {"delivered": 0, "waiting": 0, "failed": 1}
            receiver.mode = "ok"
            pid = (await billing.desk.postings(att, status="failed"))[0].id
            await billing.desk.resend(att, pid)
            await wait_for(lambda: receiver.snapshot()["accepted"] == 1, timeout=30)
            # the desk corrects the amount: the original is reversed, a new amount posted
            ids = await billing.desk.correct(att, pid, "goodwill", Decimal("5.00"))
            await wait_for(lambda: receiver.snapshot()["accepted"] == 3, timeout=30)
            kinds = [b["type"] for b in receiver.payloads()]
            assert kinds == ["charge", "reversal", "correction"] and ids[0].endswith("_rev")
            assert bill_total(receiver, key) == Decimal("5.00")
            charge = json.loads(svc.journal.posting_row(pid)["payload"])
            assert charge["guest_price"]["incl_vat"] == receiver.payloads()[0]["guest_price"]["incl_vat"]  # unedited
            assert any(e.action == "billing.correction" and e.actor == "Anna" for e in svc.audit_log(att))
            await billing.aclose()
            await svc.aclose()

    env.run(scenario, timeout=90)


def test_cdr_that_never_comes_posts_the_estimate_then_the_final_cost_replaces_it(charge_env, receiver, tmp_path,
                                                                              monkeypatch):
    import kiosk.sim.state as simstate

    env = charge_env()
    evse = env.evses()[2]
    monkeypatch.setattr(simstate, "CDR_S", 10_000_000.0)      # the CDR does not come

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, receiver=receiver, tmp=tmp_path, cdr_wait_s=0.5,
                                   policy=PricePolicy(mode="margin_percent", margin="10"))
            billing.start()
            started = await charge_and_stop(svc, billing, evse, room="103")
            key = started.session.key
            await wait_for(lambda: receiver.snapshot()["accepted"] == 1, timeout=30)
            first = receiver.payloads()[0]
            assert first["basis"] == "estimate" and first["operator_cost"]["estimate"] is True
            rec = svc.receipt(key, code=started.code)
            assert rec.guest_basis == "estimate" and not rec.final and rec.kiosk_receipt_number
            number = rec.kiosk_receipt_number
            monkeypatch.setattr(simstate, "CDR_S", 1.0)           # late, but it comes
            await wait_for(lambda: svc.receipt(key, code=started.code).guest_basis == "final", timeout=30)
            rec = svc.receipt(key, code=started.code)
            assert rec.final and rec.kiosk_receipt_number == number          # the number stays
            await wait_for(lambda: not svc.journal.posting_rows(status="waiting"), timeout=30)
            # the bill ends at the final price: the estimate stays, reversed when it differed
            assert bill_total(receiver, key) == rec.guest_total_incl_vat
            kinds = [b["type"] for b in receiver.payloads()]
            assert kinds in (["charge"], ["charge", "reversal", "correction"])
            await billing.aclose()
            await svc.aclose()

    env.run(scenario, timeout=90)
