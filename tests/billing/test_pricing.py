"""Each guest price policy over the tariff engine: the arithmetic (margin on excl. VAT, VAT
after, one rounding), the venue's own tariff as an OCPI tariff, and, over the simulator,
the price shown before Start, the guest's live estimate and the receipt, with the
operator's cost kept beside it."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from kiosk.core.pricing import PolicyError, PricePolicy, from_operator, guest_final, guest_quote, price_lines
from kiosk.core.tariff import ChargingProfile, Period, from_charge_assist, from_ocpi, quote
from tests.billing.conftest import make_billing
from tests.plugins.sessions import wait_for

C = Decimal("0.01")


def cents(x: Decimal) -> Decimal:
    return x.quantize(C, rounding=ROUND_HALF_UP)


OPERATOR = {"tariff": {"currency": "EUR", "vatPercentage": 21, "isVatIncluded": False, "elements": [
    {"priceComponents": [{"type": "ENERGY", "price": 0.31, "stepSize": 1},
                         {"type": "FLAT", "price": 0.50, "stepSize": 1}]}]}}


def profile(minutes: int, kwh: str, parking_min: int = 0) -> ChargingProfile:
    t0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    t1 = t0 + dt.timedelta(minutes=minutes)
    periods = [Period(t0, t1, Decimal(kwh))]
    if parking_min:
        periods.append(Period(t1, t1 + dt.timedelta(minutes=parking_min), Decimal(0), parking=True))
    return ChargingProfile(periods)


@pytest.mark.parametrize("kwh", ["0.001", "7.333", "20", "41.237"])
def test_each_policy_over_the_operator_tariff(kwh):
    op_sched = from_charge_assist(OPERATOR)
    prof = profile(95, kwh)
    op = quote(op_sched, prof)
    free = guest_quote(PricePolicy(mode="free"), prof, op_sched)
    assert free.incl_vat == 0 and free.operator_incl_vat == op.incl_vat
    same = guest_quote(PricePolicy(mode="operator"), prof, op_sched)
    assert (same.excl_vat, same.incl_vat) == (op.excl_vat, op.incl_vat) and same.difference == 0
    pct = guest_quote(PricePolicy(mode="margin_percent", margin="15", vat_percent="9"), prof, op_sched)
    excl = (Decimal(kwh) * Decimal("0.31") + Decimal("0.50")) * Decimal("1.15")
    assert pct.excl_vat == cents(excl) and pct.incl_vat == cents(excl * Decimal("1.09"))   # VAT after the margin
    assert pct.vat == pct.incl_vat - pct.excl_vat and pct.operator_incl_vat == op.incl_vat
    per = guest_quote(PricePolicy(mode="margin_per_kwh", margin="0.07"), prof, op_sched)
    excl = Decimal(kwh) * Decimal("0.38") + Decimal("0.50")
    assert per.excl_vat == cents(excl) and per.incl_vat == cents(excl * Decimal("1.21"))
    assert per.difference == per.incl_vat - op.incl_vat


def test_own_tariff_is_an_ocpi_tariff_the_engine_prices():
    pol = PricePolicy(mode="own", per_kwh="0.29", per_hour="1.20", per_session="0.75", parking_per_hour="3",
                      parking_after_min=60, vat_percent="21")
    t = from_ocpi(pol.own_tariff_json())        # the stored form reads back as any OCPI tariff
    assert t == pol.own_tariff()
    # 50 min charging 12 kWh, then 40 min parked (to minute 90): parking is charged from minute 60 (30 min)
    g = guest_quote(pol, profile(50, "12", parking_min=40), None)
    excl = Decimal("12") * Decimal("0.29") + Decimal("1.20") * 50 / 60 + Decimal("0.75") + Decimal(3) * 30 / 60
    assert g.excl_vat == cents(excl) and g.incl_vat == cents(excl * Decimal("1.21"))
    assert g.operator_incl_vat is None        # no operator price known: the own price does not need it
    lines = price_lines(pol.own_tariff(), "en")
    assert lines[0] == "€0.351 per kWh" and "€1.45 per hour of charging" in lines
    assert any("parking €3.63 per hour" in x and "1 hour" in x for x in lines)


def test_policies_that_need_the_operator_price_say_so_when_it_is_unknown():
    prof = profile(60, "10")
    for mode in ("operator", "margin_percent", "margin_per_kwh"):
        assert guest_quote(PricePolicy(mode=mode), prof, None) is None
    assert guest_quote(PricePolicy(mode="free"), prof, None).incl_vat == 0
    # at the end the operator's final cost is enough
    g = guest_final(PricePolicy(mode="margin_percent", margin="10"), total_costs=Decimal("12.10"),
                    total_vat=Decimal("2.10"), energy_kwh=Decimal(10), currency="EUR")
    assert (g.excl_vat, g.incl_vat) == (Decimal("11.00"), Decimal("13.31"))


@pytest.mark.parametrize("bad", [{"mode": "cheap"}, {"margin": "-1"}, {"vat_percent": "101"},
                                 {"currency": "EURO"}, {"parking_after_min": "x"}, {"colour": "red"}])
def test_a_bad_policy_is_refused_with_its_field(bad):
    with pytest.raises(PolicyError):
        PricePolicy.from_dict(bad)


def test_rounding_happens_once_at_the_end():
    # 0.0045 + 10 % = 0.00495 excl. (0.00 in cents); with 21 % VAT 0.0059895 incl. (0.01): the
    # VAT is added to the exact amount, not to an amount already rounded to cents
    g = from_operator(PricePolicy(mode="margin_percent", margin="10"), Decimal("0.0045"), Decimal("0.0054"),
                      Decimal("0.01"), "EUR")
    assert (g.excl_vat, g.incl_vat, g.vat) == (Decimal("0.00"), Decimal("0.01"), Decimal("0.01"))


POLICIES = [PricePolicy(mode="free"), PricePolicy(mode="operator"),
            PricePolicy(mode="margin_percent", margin="20"), PricePolicy(mode="margin_per_kwh", margin="0.10"),
            PricePolicy(mode="own", per_kwh="0.40", per_session="1.00", vat_percent="21")]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.mode)
def test_price_before_start_in_the_estimate_and_on_the_receipt(charge_env, tmp_path, policy):
    env = charge_env()
    evse = env.evses()[0]

    def expect(op_excl: Decimal, op_incl: Decimal, kwh: Decimal) -> tuple[Decimal, Decimal]:
        if policy.mode == "free":
            return Decimal(0), Decimal(0)
        if policy.mode == "operator":
            return op_excl, op_incl
        if policy.mode == "margin_percent":
            ex = op_excl * Decimal("1.20")
        elif policy.mode == "margin_per_kwh":
            ex = op_excl + Decimal("0.10") * kwh
        else:
            ex = kwh * Decimal("0.40") + Decimal("1.00")
        return cents(ex), cents(ex * Decimal("1.21"))

    async def scenario():
        from kiosk.services.venue import VenueService

        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, policy=policy, tmp=tmp_path)
            venue = VenueService(client, location_ids=[evse.location_id], payment_method_id=env.pm_id)
            venue.pricing = billing.pricing
            await venue.load()
            d = await venue.charger(evse.location_id, evse.evse_uid)
            offer = d.guest_offer
            assert offer is not None and not offer.unknown
            # before Start: the example is the guest's price of 2 h and 20 kWh
            sched = from_charge_assist(d.tariff_json)
            t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
            op = quote(sched, ChargingProfile([Period(t0, t0 + dt.timedelta(hours=2), Decimal(20))]))
            _ex, incl = expect(op.exact_excl_vat, op.exact_incl_vat, Decimal(20))
            from kiosk.core.money import format_money
            assert format_money(cents(incl), op.currency, "en") in offer.example("en")
            assert offer.lines("en") and (policy.mode != "free" or offer.lines("en") == ["Free of charge"])
            started = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id,
                                      tariff=d.tariff_json)
            code = started.code
            # the live estimate at the guest's price, the operator's beside it
            await wait_for(lambda: svc.attach_known(code).estimate is not None
                           and (svc.attach_known(code).energy_kwh or 0) > 0, timeout=30)
            await wait_for(lambda: svc.attach_known(code).operator_estimate is not None, timeout=30)
            v = svc.attach_known(code)
            if policy.mode in ("margin_percent", "operator", "free"):
                op_e = v.operator_estimate
                assert v.estimate.incl_vat == expect(op_e.excl_vat, op_e.incl_vat, v.energy_kwh)[1]
            await svc.stop(code)
            await wait_for(lambda: svc.receipt(started.session.key, code=code).kiosk_receipt_number is not None,
                           timeout=30)
            rec = svc.receipt(started.session.key, code=code)
            assert rec.final and rec.total_incl_vat is not None      # the operator's cost, kept
            ex, inc = expect(rec.total_incl_vat - rec.total_vat, rec.total_incl_vat, rec.energy_kwh)
            assert (rec.guest_total_excl_vat, rec.guest_total_incl_vat) == (ex, inc)
            assert rec.price_policy == policy.mode and rec.guest_basis == "final"
            await billing.aclose()
            await svc.aclose()

    env.run(scenario, timeout=90)
