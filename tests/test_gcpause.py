"""kiosk.gcpause: the cyclic collector off while the kiosk starts, and always back on."""

import gc
import time

import pytest

from kiosk import gcpause


@pytest.fixture(autouse=True)
def _collector_on():
    gcpause.end()
    gc.enable()
    yield
    gcpause.end()
    gc.enable()


def test_begin_pauses_and_end_resumes():
    gcpause.begin()
    assert not gc.isenabled() and gcpause.paused()
    gcpause.begin()                      # a second begin (run(), then build()) changes nothing
    gcpause.end()
    assert gc.isenabled() and not gcpause.paused()
    gcpause.end()                        # and a second end neither
    assert gc.isenabled()


def test_the_collector_comes_back_by_itself_after_the_limit():
    gcpause.begin(limit_s=0.2)
    assert not gc.isenabled()
    deadline = time.monotonic() + 5
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert gc.isenabled() and not gcpause.paused()


def test_a_host_that_turned_the_collector_off_keeps_it_off():
    gc.disable()
    gcpause.begin()
    gcpause.end()
    assert not gc.isenabled()
