"""The composition root: config → store → bus → devices → services → web, and their lifecycle.

Nothing else builds these objects, and nothing is built at import time, so a test can compose a
station with a manual clock and a throwaway database exactly as the daemon does.

One deliberate exception to the package rules (DESIGN.md): in simulator mode the daemon itself starts
the device simulators (simulators/rig.py), so this module imports `simulators` — lazily, and only
when `simulate=True`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from drivers.base import Device
from station.clock import Clock, SystemClock
from station.config import StationSettings
from station.config_files import load_calendar
from station.domain.calendar import BusinessCalendar
from station.events import EventBus
from station.services.auth import AuthService
from station.services.devices import DeviceManager
from station.services.printing import PrintSpooler
from station.services.queue import QueueService
from station.services.stock import StockService
from station.store.db import make_engine, make_session_factory, upgrade
from station.store.events_repo import event_transport_for
from station.store.uow import UnitOfWork

if TYPE_CHECKING:
    from drivers.printer import ReceiptPrinter
    from simulators.rig import SimulatorRig

log = logging.getLogger(__name__)


def load_business_calendar(settings: StationSettings) -> BusinessCalendar:
    c = settings.calendar
    return load_calendar(
        settings.calendar_path, open_time=c.open_time, close_time=c.close_time,
        long_close_time=c.long_close_time, holiday_open_time=c.holiday_open_time,
        holiday_close_time=c.holiday_close_time,
    )


class Station:
    """One counter daemon's parts, wired together."""

    def __init__(
        self,
        settings: StationSettings,
        *,
        clock: Clock | None = None,
        calendar: BusinessCalendar | None = None,
        simulate: bool = False,
        with_devices: bool = True,
    ) -> None:
        self.settings = settings
        self.simulated = simulate
        self.with_devices = with_devices
        self.calendar = calendar or load_business_calendar(settings)
        self.clock: Clock = clock or SystemClock()
        self.engine = make_engine(settings.effective_database_url)
        self.sessions = make_session_factory(self.engine)
        self.read_sessions = make_session_factory(self.engine, read_only=True)
        self.bus = EventBus()
        self.event_transport = event_transport_for(self.engine, self.bus)
        self.printer: ReceiptPrinter | None = None
        self.rig: SimulatorRig | None = None
        self.spooler = PrintSpooler(settings, self.sessions, self.clock, self.bus, lambda: self.printer)
        self.queue = QueueService(settings, self.calendar, self.sessions, self.clock, self.bus,
                                  on_issued=self.spooler.submit, reads=self.read_sessions, owe_print=self.spooler.owe)
        self.uow = UnitOfWork(self.sessions, self.bus)  # every write: change + audit + events together
        self.auth = AuthService(settings, self.sessions, self.clock, uow=self.uow)
        self.stock = StockService(settings, self.sessions, self.clock, self.bus, uow=self.uow)
        self.devices = DeviceManager(
            settings, self.clock, self.bus,
            on_button=lambda category: self.queue.issue(category, source="button"),
        )
        self.cases = build_case_service(self)
        self.devices.renew_within_months = self.cases.catalog.rules.renew_within_months  # D-INS-3 from the catalog
        self.cases.tickets = self.queue  # the visitor's case drives their ticket (issue 12)
        # phone desk, end of day, reports (issue 8), over the cases and the stock
        from station.services.endofday import EndOfDayService
        from station.services.phone import PhoneService
        from station.services.reports import ReportService

        self.phone = PhoneService(settings, self.sessions, self.clock, self.bus, self.cases, self.stock, self.uow)
        self.end_of_day = EndOfDayService(settings, self.sessions, self.clock, self.cases, self.phone, self.uow)
        from station.services.followup import FollowupService  # city staff's follow-through (issue 14)

        self.followup = FollowupService(self.sessions, self.clock, self.uow, self.cases, self.end_of_day)
        self.end_of_day.has_receipt = self.followup.has_receipt
        self.reports = ReportService(settings, self.sessions, self.clock, self.cases, self.phone, self.end_of_day)
        from station.services.period_reports import PeriodReportService  # any period (issue 17)

        self.period_reports = PeriodReportService(settings, self.sessions, self.clock, self.cases)
        from station.services.staffing import StaffingService  # what-if replay (issue 17)

        self.staffing = StaffingService(settings, self.sessions)
        from station.services.admin import AdminService  # live configuration (issue 5)

        self.admin = AdminService(settings, self.calendar, self.sessions, self.clock, self.bus, self._set_calendar)
        from station.services.reservations import build_reservations  # pick-up reservations (issue 15)

        self.reservations = build_reservations(self)
        from station.services.busy import BusyService  # busy-time mode (issue 14)

        self.busy = BusyService(settings, self.sessions, self.clock, self.uow, self.admin)
        from station.services.manual import build_manual  # the operating manual (issue 16)

        self.manual = build_manual(self)
        self._started = False

    # lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(self.engine)
        self.admin.reload()
        self.manual.ensure_starter()  # a new database starts with the shipped manual (written from the seed)
        if self.simulated:
            self.auth.ensure_demo_users()  # documented demo logins (README), simulator mode only
            if self.with_devices:  # the daemon (`station run --simulate`): the sample cards, ready to issue
                from station.config import REPO_CONFIG_DIR

                self.stock.seed_demo_ready(REPO_CONFIG_DIR / "samples" / "card_issuance_list_utf8.csv")
        if self.event_transport is not None:
            self.event_transport.start()
            self.bus.transport = self.event_transport
        # The print jobs owed from before this start (a stop, a crash), before any device can issue a new
        # ticket; the fresh ones wait in the queue until the printer is up (issue 19).
        self.spooler.recover(self.queue.get)
        if self.with_devices:
            if self.simulated:
                from simulators.rig import SimulatorRig

                d = self.settings.devices
                self.rig = SimulatorRig(
                    self.settings.data_dir / "sim", button_codes=d.button.codes, scanner_suffix=d.scanner.suffix,
                    printer_port=d.printer.port, now=self.clock.now,
                    with_card=d.card_reader.connection != "none",
                )
                self.rig.start()
            for device in self._build_devices():
                self.devices.add(device)
            self.printer = self.devices.devices.get("printer")  # type: ignore[assignment, call-overload]
            self.devices.start()
        self.spooler.start()
        self.reservations.start()
        self._started = True
        log.info("station started (counter %s, simulate=%s)", self.settings.counter_id, self.simulated)

    def stop(self) -> None:
        if not self._started:
            return
        self.reservations.stop()
        self.spooler.stop()
        self.devices.stop()
        if self.event_transport is not None:
            self.bus.transport = None
            self.event_transport.stop()
        if self.rig is not None:
            self.rig.stop()
            self.rig = None
        self.engine.dispose()
        self._started = False

    def _set_calendar(self, calendar: BusinessCalendar) -> None:
        """The admin changed a date: every part that decides by the calendar sees the new one."""
        self.calendar = calendar
        self.queue.calendar = calendar
        self.cases.calendar = calendar

    def wait_devices_ready(self, timeout: float = 10.0) -> bool:
        """Until every started device has reported its first status (its port opened, reader found).

        For simulator mode and tests: a press written before the driver opened its pty would be lost.
        """
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(dev.status.health != "unknown" for dev in self.devices.devices.values()):
                return True
            time.sleep(0.01)
        return False

    def _build_devices(self) -> list[Device]:
        from station.device_factory import build_devices

        overrides: dict[str, dict[str, Any]] = {}
        if self.rig:  # only devices configured as "simulator" are pointed at the rig
            d = self.settings.devices
            simulated = {k for k, v in (("printer", d.printer), ("button", d.button), ("scanner", d.scanner),
                                        ("card_reader", d.card_reader)) if v.connection == "simulator"}
            overrides = {k: v for k, v in self.rig.endpoints().items() if k in simulated}
        return build_devices(self.settings, overrides)

    def __enter__(self) -> Station:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_case_service(st: Station) -> Any:
    """Counter cases over the procedures catalog (beside the config file) and the card stock."""
    from station.procedures_catalog import catalog_path, load_catalog
    from station.services.card_lookup import MemoryCardLookup, StockCardLookup
    from station.services.cases import CaseService

    stock = getattr(st, "stock", None)
    lookup = StockCardLookup(stock) if stock is not None else MemoryCardLookup()
    return CaseService(st.settings, st.calendar, load_catalog(catalog_path(st.settings.config_file)), st.sessions,
                       st.clock, st.bus, lookup, printer=lambda: st.printer)

