"""The deadline watchdog: fires each entry at its deadline, never a finished call, and works
in a forked child (django-q2 forks its workers)."""

from __future__ import annotations

import os
import socket
import time

from integrations.http.addresses import Destinations
from integrations.http.connect import Call
from integrations.http.watchdog import WATCHDOG


class Entry:
    def __init__(self, in_s: float):
        self.real_deadline = time.monotonic() + in_s
        self.fired_at: float | None = None

    def fire(self) -> None:
        self.fired_at = time.monotonic()


def test_entries__fire_at_their_deadlines_in_order():
    late, early = Entry(0.2), Entry(0.05)
    WATCHDOG.arm(late)
    WATCHDOG.arm(early)  # earlier than the one the watchdog sleeps for: it wakes
    time.sleep(0.35)
    assert early.fired_at and late.fired_at and early.fired_at < late.fired_at
    assert late.fired_at - late.real_deadline < 0.1


def test_call__finished_before_its_deadline__is_not_cut():
    left, right = socket.socketpair()
    with left, right:
        call = Call(Destinations(), deadline_at=time.monotonic() + 0.05)
        call.watch(left)
        assert call.finish() is False
        time.sleep(0.15)
        right.sendall(b"x")
        assert left.recv(1) == b"x"  # still connected


def test_call__past_its_deadline__is_cut():
    left, right = socket.socketpair()
    with left, right:
        left.settimeout(2.0)
        call = Call(Destinations(), deadline_at=time.monotonic() + 0.05)
        call.watch(left)
        started = time.monotonic()
        assert left.recv(1) == b""  # the cut ends the blocked read
        assert time.monotonic() - started < 0.5 and call.finish() is True


def test_forked_child__has_a_working_watchdog():
    WATCHDOG.arm(Entry(0.0))  # the parent's thread runs
    time.sleep(0.05)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        entry = Entry(0.05)
        WATCHDOG.arm(entry)
        time.sleep(0.3)
        os.write(write_end, b"1" if entry.fired_at else b"0")
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 1) == b"1"
    os.close(read_end)
