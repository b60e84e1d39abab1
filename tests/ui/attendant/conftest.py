"""Attendant UI tests: collect garbage on the main thread after each test.

Autouse, so it is set up before (and torn down after) ``ui_loop``: a closed qasync loop
keeps QObjects (its timer, its executor's threads) in reference cycles; if Python's cyclic
GC later frees them on another thread (the simulator's request threads allocate a lot),
Qt deletes a QObject with live timers off its thread and a later timer event crashes
(seen as a segfault in QTimerInfoList::activateTimers under ``-n 2``)."""

import gc

import pytest


@pytest.fixture(autouse=True)
def _attendant_main_thread_gc():
    yield
    gc.collect()
