# ruff: noqa: F811  (pytest fixtures are imported by name and received as parameters)
"""pcscd dies and comes back during a run: the driver reports it and reads the next card by itself."""

from __future__ import annotations

import pytest

from drivers.base import DeviceStatus, Health
from drivers.cardreader import CardRead, CardReader
from simulators.card import VpcdCardClient
from simulators.pcscd import PcscdService
from tests.pcsc_fixtures import (  # noqa: F401
    EventQueue,
    card_events,
    card_reader,
    pcscd_service,
    vpcd_card,
    vpcd_reader,
    vpcd_slot,
)

pytestmark = pytest.mark.pcsc


def test_driver_reconnects_after_pcscd_restart(
    pcscd_service: PcscdService, card_reader: CardReader, card_events: EventQueue,
    vpcd_card: VpcdCardClient,
) -> None:
    if not pcscd_service.owned:
        pytest.skip("pcscd belongs to someone else (system service or another session); "
                    "not killing it — run with no pcscd running to exercise this")
    vpcd_card.insert("valid")
    card_events.wait_for(CardRead)
    pcscd_service.kill()
    card_events.wait_for(DeviceStatus, where=lambda e: e.health is Health.DOWN)  # type: ignore[attr-defined]
    pcscd_service.start()
    # The virtual card reconnects to the new vpcd by itself, like a card left on the reader.
    card_events.wait_for(DeviceStatus, timeout=10, where=lambda e: e.health is Health.OK)  # type: ignore[attr-defined]
    event = card_events.wait_for(CardRead, timeout=10)
    assert isinstance(event, CardRead) and event.info.is_my_number_card
    vpcd_card.remove()
    vpcd_card.insert("expired")
    event = card_events.wait_for(CardRead, timeout=10)
    assert isinstance(event, CardRead) and event.info.cert_not_after is not None
    assert card_reader.status.health is Health.OK
