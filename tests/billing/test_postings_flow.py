"""A room guest's session over the simulator with hotel billing: the kiosk's receipt number,
the guest's price beside the operator's cost, and the posting delivered, signed, to a real
local receiver."""

from decimal import Decimal

from kiosk.core.pricing import PricePolicy
from tests.billing.conftest import make_billing
from tests.plugins.sessions import wait_for


def test_room_session_is_numbered_priced_and_posted(charge_env, receiver, tmp_path):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, policy=PricePolicy(mode="margin_percent", margin="10"),
                                   receiver=receiver, tmp=tmp_path, series="K7")
            billing.start()
            pm = await billing.rooms.payment_method("101")
            started = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, pm, tag="101")
            code = started.code
            await wait_for(lambda: (svc.attach_known(code).energy_kwh or 0) > 0)
            await svc.stop(code)
            await wait_for(lambda: receiver.snapshot()["accepted"] == 1, timeout=30)
            rec = svc.receipt(started.session.key, code=code)
            assert rec.final and rec.kiosk_receipt_number and rec.kiosk_receipt_number.startswith("K7-")
            assert rec.kiosk_receipt_number.endswith("-000001")
            op_excl = rec.total_incl_vat - rec.total_vat
            want_excl = (op_excl * Decimal("1.10")).quantize(Decimal("0.01"))
            assert rec.guest_total_excl_vat == want_excl
            assert rec.guest_total_incl_vat == (op_excl * Decimal("1.10") * Decimal("1.21")).quantize(Decimal("0.01"))
            body = receiver.payloads()[0]
            assert body["room"] == "101" and body["receipt_number"] == rec.kiosk_receipt_number
            assert body["guest_price"]["incl_vat"] == str(rec.guest_total_incl_vat)
            assert body["operator_cost"]["incl_vat"] == str(rec.total_incl_vat)
            assert Decimal(body["difference"]) == rec.guest_total_incl_vat - rec.total_incl_vat
            assert body["basis"] == "final"
            await billing.aclose()
            await svc.aclose()

    env.run(scenario)
