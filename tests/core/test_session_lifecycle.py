"""The session state machine: every API status, skipped states, stale answers, texts."""

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core.polling import PollPolicy
from kiosk.core.session import FINAL, Lifecycle, State, can_transition, describe_state, parse_state

API_STATUSES = ["REQUESTED", "STARTING", "CHARGING", "PARKING", "STOPPING", "COMPLETED", "CDR_AVAILABLE",
                "REJECTED", "TIMEOUT", "CANCELLED", "ERROR"]


@pytest.mark.parametrize("status", API_STATUSES)
def test_every_api_status_is_a_state_with_texts_in_every_language(status):
    st = parse_state(status)
    assert st is not None and st.value == status
    for lang in ("en", "nl", "de", "fr"):
        t = describe_state(st, lang=lang)
        assert t.title and t.explanation and t.next_step
    # the guest-facing text is really translated, not the English fallback
    assert describe_state(st, lang="nl").next_step != describe_state(st, lang="en").next_step


def test_happy_path_and_skipped_states():
    lc = Lifecycle()
    assert lc.apply("REQUESTED") and lc.state == State.REQUESTED
    assert lc.apply("CHARGING")  # STARTING skipped
    assert lc.apply("PARKING") and lc.apply("CHARGING")  # back and forth
    assert lc.apply("COMPLETED")  # STOPPING skipped
    assert lc.has_ended and not lc.is_final
    assert lc.apply("CDR_AVAILABLE") and lc.is_final


def test_stale_answers_do_not_move_backwards():
    lc = Lifecycle()
    lc.apply("CHARGING")
    assert not lc.apply("STARTING")
    assert lc.state == State.CHARGING
    lc.apply("COMPLETED")
    assert not lc.apply("CHARGING")
    assert lc.state == State.COMPLETED


def test_final_states_stay_final():
    for final in ("REJECTED", "TIMEOUT", "CANCELLED"):
        lc = Lifecycle()
        lc.apply("REQUESTED")
        assert lc.apply(final) and lc.is_final
        assert not lc.apply("CHARGING")
        assert lc.state.value == final


def test_unknown_while_unreachable_then_back():
    lc = Lifecycle()
    lc.apply("CHARGING")
    assert lc.unreachable() and lc.state == State.UNKNOWN and lc.known == State.CHARGING
    # back in touch with the same state
    assert lc.apply("CHARGING") and lc.state == State.CHARGING
    lc.unreachable()
    # back with a stale state: keep the last known one
    lc.apply("STARTING")
    assert lc.state == State.CHARGING
    lc.unreachable()
    assert lc.apply("COMPLETED") and lc.state == State.COMPLETED


def test_unknown_status_value_is_ignored():
    lc = Lifecycle()
    lc.apply("CHARGING")
    assert not lc.apply("SOMETHING_NEW")
    assert lc.state == State.CHARGING


def test_transition_table():
    assert can_transition(State.PENDING, State.CDR_AVAILABLE)
    assert not can_transition(State.CDR_AVAILABLE, State.ERROR)
    assert can_transition(State.ERROR, State.CDR_AVAILABLE)
    assert all(not can_transition(f, State.UNKNOWN) for f in FINAL)


T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_poll_startup_every_few_seconds_scaled():
    p = PollPolicy(time_scale=50)
    for st in (State.PENDING, State.REQUESTED, State.STARTING):
        assert p.server_delay(st) == 4.0
        assert p.delay(st) == pytest.approx(4.0 / 50)


def test_poll_follows_next_status_call_relative_to_server_date():
    p = PollPolicy()
    # the kiosk clock is irrelevant: only server_time and nextStatusCall count
    assert p.server_delay(State.CHARGING, server_time=T0, next_status_call=T0 + timedelta(seconds=30)) == 30
    assert p.server_delay(State.CHARGING, server_time=T0, next_status_call=T0 + timedelta(hours=5)) == 120
    assert p.server_delay(State.CHARGING, server_time=T0, next_status_call=T0 - timedelta(minutes=3)) == 5
    assert p.server_delay(State.PARKING) == 15  # no guidance: fallback
    assert p.delay(State.CDR_AVAILABLE) is None


def test_poll_backoff_while_unreachable_grows_and_is_capped():
    p = PollPolicy(rand=lambda: 0.5)
    d = [p.server_delay(State.CHARGING, failures=n) for n in range(1, 10)]
    assert d[0] == 2 and d[1] == 4 and d[2] == 8
    assert max(d) == 60
    assert d == sorted(d)


def test_poll_policy_rejects_bad_values():
    with pytest.raises(ValueError):
        PollPolicy(startup_s=1)
    with pytest.raises(ValueError):
        PollPolicy(time_scale=0)
