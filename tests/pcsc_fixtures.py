"""Fixtures for tests that go through pcscd + vpcd (import them in tests/conftest.py or a test module).

    from tests.pcsc_fixtures import (  # noqa: F401
        card_events, card_reader, pcscd_service, vpcd_card, vpcd_reader, vpcd_slot)

One pcscd per test session (started here if none runs, reused otherwise); one virtual card client per
test, always left with no card on the reader.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator

import pytest

from drivers.cardreader import CardReader
from simulators.card import VpcdCardClient
from simulators.pcscd import PcscdService, PcscdUnavailable, free_vpcd_slot, wait_reader_empty


class EventQueue:
    """Collects a driver's events; tests wait on it with a deadline instead of sleeping."""

    def __init__(self) -> None:
        self._q: queue.Queue[object] = queue.Queue()
        self.seen: list[object] = []

    def __call__(self, event: object) -> None:
        self._q.put(event)

    def wait_for(self, kind: type | tuple[type, ...], timeout: float = 5.0,
                 where: Callable[[object], bool] | None = None) -> object:
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} within {timeout} s; seen: {self.seen[-8:]}")
            try:
                event = self._q.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(event)
            if isinstance(event, kind) and (where is None or where(event)):
                return event

    def drain(self) -> list[object]:
        out = []
        while True:
            try:
                out.append(self._q.get_nowait())
            except queue.Empty:
                self.seen.extend(out)
                return out


_SERVICE = PcscdService()
"""One per process: pytest makes a separate session fixture for every module that imports these, and
they must all share the pcscd this process started (or they would see it as someone else's)."""


@pytest.fixture(scope="session")
def pcscd_service() -> Iterator[PcscdService]:
    service = _SERVICE
    try:
        service.start()
    except PcscdUnavailable as exc:
        pytest.fail(str(exc))  # never skip silently: the message names the package to install
    yield service
    service.stop()


@pytest.fixture(scope="session")
def vpcd_slot(pcscd_service: PcscdService) -> tuple[int, str]:
    """(port, reader name) of a vpcd slot no other session's virtual card is using."""
    return free_vpcd_slot()


@pytest.fixture(scope="session")
def vpcd_reader(vpcd_slot: tuple[int, str]) -> str:
    return vpcd_slot[1]


@pytest.fixture
def vpcd_card(vpcd_slot: tuple[int, str]) -> Iterator[VpcdCardClient]:
    """A virtual card client on our vpcd slot; the reader is empty again after the test."""
    client = VpcdCardClient(port=vpcd_slot[0])
    yield client
    client.close()
    wait_reader_empty(vpcd_slot[1])


@pytest.fixture
def card_events() -> EventQueue:
    return EventQueue()


@pytest.fixture
def card_reader(vpcd_reader: str, card_events: EventQueue) -> Iterator[CardReader]:
    """The real driver on our vpcd reader, started, with its events in `card_events`."""
    reader = CardReader(vpcd_reader, poll_ms=200)
    reader.start(card_events)
    yield reader
    reader.stop()
