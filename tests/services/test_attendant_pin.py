"""Changing the attendant PIN (kiosk.services.attendant.PinChange) on a real SessionService
and journal: the rules for a new PIN, the current PIN checked under the login lockout, and
the audit without the PIN."""

import asyncio

import pytest

from kiosk.services.attendant import PinChange, PinChangeError, is_trivial_pin, pin_problem
from kiosk.services.sessions import SessionService, WrongPin

PIN = "2468"
NEW = "50917263"


@pytest.mark.parametrize("pin", ["0000", "7777777", "1234", "4321", "0123", "9876543", "7890", "8901", "3210"])
def test_trivial_pins(pin):
    assert is_trivial_pin(pin)
    assert "too easy" in pin_problem(pin)


@pytest.mark.parametrize("pin", ["2468", "1357", "1243", "50917263", "1122", "9731"])
def test_acceptable_pins(pin):
    assert not is_trivial_pin(pin)
    assert pin_problem(pin, current_pin="0852") is None


@pytest.mark.parametrize(("pin", "words"), [
    ("123", "at least 4"), ("", "digits only"), ("12a4", "digits only"), ("１２３４５", "digits only"),
    ("²²²²", "digits only"), ("1234567890123", "at most 12"), ("2468", "current PIN"),
])
def test_refused_pins_say_why(pin, words):
    assert words in pin_problem(pin, current_pin="2468")


def _service(tmp_path):
    return SessionService(None, tmp_path / "journal.sqlite3", attendant_pin=PIN)


@pytest.fixture
def svc(tmp_path):
    service = _service(tmp_path)
    yield service
    service.journal.close()


def test_change_in_three_steps_then_only_the_new_pin_logs_in(svc, tmp_path):
    anna = svc.attendant_login(PIN, name="desk-anna")

    async def scenario():
        change = PinChange(svc, anna)
        steps = [await change.submit(PIN)]
        for bad in ("1111", "1234", PIN, "12"):
            with pytest.raises(PinChangeError):
                await change.submit(bad)
            assert change.step == PinChange.NEW
        steps.append(await change.submit(NEW))
        with pytest.raises(PinChangeError, match="not the same"):
            await change.submit(NEW[:-1] + "0")
        steps.append(change.step)            # a mismatch starts the new PIN over
        steps.append(await change.submit(NEW))
        steps.append(await change.submit(NEW))
        return steps

    steps = asyncio.run(scenario())
    assert steps == ["new", "repeat", "new", "repeat", "done"]
    assert svc.attendant_login(NEW, name="desk-bob").name == "desk-bob"
    with pytest.raises(WrongPin):
        svc.attendant_login(PIN)
    entries = svc.journal.audit_entries(50)
    changes = [e for e in entries if e.action == "attendant.pin_change"]
    assert len(changes) == 1 and changes[0].actor == "desk-anna"
    assert not any(NEW in (e.detail or "") or PIN in (e.detail or "") for e in entries)
    # a restart with the configuration's PIN keeps the changed one
    svc.journal.close()
    again = _service(tmp_path)
    assert again.attendant_login(NEW).name == "attendant"
    again.journal.close()


def test_wrong_current_pin_counts_towards_the_lockout(svc):
    anna = svc.attendant_login(PIN, name="desk-anna")

    async def scenario():
        change = PinChange(svc, anna)
        messages = []
        for _ in range(3):
            with pytest.raises(PinChangeError) as err:
                await change.submit("1357")
            messages.append(str(err.value))
        # locked now: even the right current PIN is refused, and the PIN screen is locked too
        with pytest.raises(PinChangeError, match="Too many wrong PINs"):
            await change.submit(PIN)
        return messages, change.step

    messages, step = asyncio.run(scenario())
    assert "Wrong PIN" in messages[0] and "Too many wrong PINs" in messages[2]
    assert step == PinChange.CURRENT
    assert svc.lockout_remaining() > 0
    failed = [e for e in svc.journal.audit_entries(50) if e.action == "attendant.pin_failed"]
    assert len(failed) == 3


def test_the_desk_logged_out_meanwhile_cannot_change_the_pin(svc):
    anna = svc.attendant_login(PIN, name="desk-anna")

    async def scenario():
        change = PinChange(svc, anna)
        await change.submit(PIN)
        await change.submit(NEW)
        svc.attendant_logout(anna)         # idle timeout / guest reset while typing
        with pytest.raises(PinChangeError, match="attendant PIN first"):
            await change.submit(NEW)
        return change.step

    assert asyncio.run(scenario()) == PinChange.CURRENT
    assert svc.attendant_login(PIN).name == "attendant"
    assert not any(e.action == "attendant.pin_change" for e in svc.journal.audit_entries(50))


def test_staff_members_log_in_with_their_own_pin_and_the_audit_names_them(tmp_path):
    svc = _service(tmp_path)
    try:
        boss = svc.attendant_login(PIN, name="manager")
        svc.add_staff(boss, "Anna de Vries", "3859")
        svc.add_staff(boss, "Bob", "7316")
        with pytest.raises(Exception, match="already used"):
            svc.add_staff(boss, "Carl", "3859")          # a PIN alone must say who
        assert svc.staff_names() == ["Anna de Vries", "Bob"]
        # by name (the desktop's login) only that member's PIN counts
        assert svc.attendant_login("3859", name="Anna de Vries").name == "Anna de Vries"
        with pytest.raises(WrongPin):
            svc.attendant_login("7316", name="Anna de Vries")
        # the PIN alone (the kiosk's keypad) finds who it is
        assert svc.attendant_login("7316", name=None).name == "Bob"
        assert svc.attendant_login("7316").name == "Bob"
        # the shared PIN still opens the desk under the name given
        assert svc.attendant_login(PIN, name="night desk").name == "night desk"
        bob = svc.attendant_login("7316")
        svc.audit(bob.name, "session.stop", None, "reason: test")
        actions = [(e.actor, e.action) for e in svc.journal.audit_entries(20)]
        assert ("Bob", "session.stop") in actions and ("manager", "staff.pin_set") in actions
        assert not any("3859" in e.detail or "7316" in e.detail for e in svc.journal.audit_entries(50))
        # a restart keeps them (hashed in the journal); removing one ends their PIN
        svc.journal.close()
        svc = _service(tmp_path)
        boss = svc.attendant_login(PIN, name="manager")
        svc.remove_staff(boss, "Bob")
        with pytest.raises(WrongPin):
            svc.attendant_login("7316")
        assert svc.attendant_login("3859").name == "Anna de Vries"
    finally:
        svc.journal.close()
