"""Rooms that exist, over the simulator: a room not on the PMS list is refused with a clear
message in four languages (and nothing reaches the wallet), the list is read again when the
file changes, a look-up URL that is down is refused or accepted-and-flagged as the venue
decides, each stay gets its own payment reference, and the surname initial and the
reference are gone once the stay is over (also when the guest checked out while charging:
the desk is told)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.i18n import current_language, set_language
from kiosk.services.billing import RoomRefused
from tests.billing.conftest import make_billing
from tests.plugins.sessions import wait_for


def write_rooms(path, rows):
    path.write_text("room,initial\n" + "".join(f"{r},{i}\n" for r, i in rows), encoding="utf-8")


async def refs(client):
    return sorted(w.external_payment_method_id for w in await client.wallet()
                  if (w.external_payment_method_id or "").startswith("room-"))


def test_room_not_on_the_list_is_refused_in_four_languages_and_the_list_reloads(charge_env, tmp_path):
    env = charge_env()
    rooms = tmp_path / "rooms.csv"
    write_rooms(rooms, [("101", ""), ("102", "")])

    async def scenario():
        from kiosk.services.venue import VenueService

        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, rooms_file=rooms)
            venue = VenueService(client, location_ids=[], room_payment=True)
            venue.rooms = billing.rooms
            before = await refs(client)
            with pytest.raises(RoomRefused) as err:
                await venue.room_payment_method("103")
            assert err.value.reason == "unknown_room" and not err.value.retryable
            texts = {}
            lang = current_language()
            try:
                for lang_ in ("en", "nl", "de", "fr"):
                    set_language(lang_)
                    texts[lang_] = str(err.value)
            finally:
                set_language(lang)
            assert all("103" in t for t in texts.values()) and len(set(texts.values())) == 4
            assert "front desk" in texts["en"] and "receptie" in texts["nl"] and "Rezeption" in texts["de"] \
                and "accueil" in texts["fr"]
            assert await refs(client) == before            # nothing added for a refused room
            # the PMS writes a new export: read again without a restart
            write_rooms(rooms, [("101", ""), ("102", ""), ("103", "")])
            pm = await venue.room_payment_method(" 103 ")
            assert pm and await venue.room_payment_method("103") == pm      # one reference per stay
            assert [r for r in await refs(client) if r.startswith("room-103-")]
            # JSON exports work the same
            js = tmp_path / "rooms.json"
            js.write_text(json.dumps({"rooms": [{"room": "201", "surname": "Martin"}]}))
            b2 = make_billing(env, svc, rooms_file=js)
            assert (await b2.rooms.check("201")).initial == "M"
            with pytest.raises(RoomRefused):
                await b2.rooms.check("202")
            await billing.aclose()
            await b2.aclose()
            await svc.aclose()

    env.run(scenario)


class Lookup:
    """A PMS look-up URL on loopback: yes for the rooms in ``occupied``."""

    def __init__(self, occupied):
        self.occupied = occupied
        me = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):  # noqa: N802
                room = self.path.rsplit("/", 1)[-1]
                body = json.dumps({"occupied": room in me.occupied}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/rooms/{{room}}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.mark.parametrize("when_down", ["refuse", "accept"])
def test_lookup_url_down_the_venue_decides(charge_env, when_down):
    env = charge_env()
    lookup = Lookup({"301"})

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, rooms_url=lookup.url, rooms_when_down=when_down)
            assert await billing.rooms.payment_method("301")
            with pytest.raises(RoomRefused) as err:
                await billing.rooms.payment_method("302")
            assert err.value.reason == "unknown_room"
            lookup.stop()                                   # the PMS is down
            flags = await svc.io.call(svc.journal.flag_rows)
            assert flags == []
            if when_down == "refuse":
                with pytest.raises(RoomRefused) as err:
                    await billing.rooms.payment_method("302")
                assert err.value.reason == "lookup_down" and err.value.retryable
                assert "cannot be checked" in str(err.value)
            else:
                assert await billing.rooms.payment_method("302")
                flags = await svc.io.call(svc.journal.flag_rows)
                assert [(f["kind"], f["room"]) for f in flags] == [("room_unverified", "302")]
                stay = (await svc.io.call(svc.journal.stay_rows, room="302"))[0]
                assert stay["verified"] == 0
            await billing.aclose()
            await svc.aclose()

    env.run(scenario)


def test_initials_confirm_the_room_and_are_deleted_when_the_stay_ends(charge_env, tmp_path):
    env = charge_env()
    evse = env.evses()[0]
    rooms = tmp_path / "rooms.csv"
    write_rooms(rooms, [("401", "M"), ("402", "K")])

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            billing = make_billing(env, svc, rooms_file=rooms, rooms_initial=True)
            with pytest.raises(RoomRefused) as err:
                await billing.rooms.payment_method("401")
            assert err.value.reason == "initial_needed"
            with pytest.raises(RoomRefused) as err:
                await billing.rooms.payment_method("401X")
            assert err.value.reason == "initial_mismatch"
            pm401 = await billing.rooms.payment_method("401m")
            pm402 = await billing.rooms.payment_method("402K")
            stays = {s["room"]: s for s in await svc.io.call(svc.journal.stay_rows)}
            assert stays["401"]["initial"] == "M" and stays["402"]["initial"] == "K"
            # the guest of 402 charges; then both check out (the PMS export no longer lists them)
            started = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, pm402, tag="402")
            await wait_for(lambda: svc.attach_known(started.code).state == "CHARGING", timeout=20)
            write_rooms(rooms, [("403", "")])
            out = await billing.rooms.sweep()
            assert out["ended"] == 2 and out["flagged"] == 1
            flags = await svc.io.call(svc.journal.flag_rows)
            assert [(f["kind"], f["room"], f["session_key"]) for f in flags] == [
                ("checked_out_charging", "402", started.session.key)]
            # no initial is kept once the stay is over
            rows = await svc.io.call(svc.journal.stay_rows, open_only=False)
            assert all(r["initial"] is None and r["ended_at"] for r in rows)
            # the ended stay of 401 lost its wallet entry; 402's stays while its session runs
            wallet = {w.id for w in await client.wallet()}
            assert pm401 not in wallet and pm402 in wallet
            await svc.stop(started.code)
            await wait_for(lambda: svc.attach_known(started.code).is_final, timeout=30)
            await billing.rooms.sweep()
            assert pm402 not in {w.id for w in await client.wallet()}
            # a new guest in 401 gets a new stay and a new reference
            write_rooms(rooms, [("401", "B")])
            pm_new = await billing.rooms.payment_method("401B")
            assert pm_new != pm401
            await billing.aclose()
            await svc.aclose()

    env.run(scenario, timeout=90)
