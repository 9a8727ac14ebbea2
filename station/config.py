"""Station configuration: one TOML file plus `STATION_*` environment overrides.

Why pydantic-settings: the office edits a TOML file, the installer or a container sets environment
variables, and both must be validated the same way with an error that names the file and the key.
Environment wins over the file (`STATION_SERVER__PORT=8001` overrides `[server] port`).

This file is over 400 lines because every `[section]` of station.toml is one pydantic model here, next to
the others it is validated with (cross-section checks such as counters naming known categories).
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from station.config_files import ConfigError, read_toml, validation_error, words

REPO_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


class OfficeSettings(BaseModel):
    name: str = "マイナンバーカード交付窓口"
    name_en: str = "My Number Card counter"
    # Base URL printed in the ticket's QR code (the visitor's phone opens it on the office Wi-Fi).
    public_url: str = "http://127.0.0.1:8000"
    # Printed on every guidance slip under お問い合わせ (empty: the line is left out).
    address: str = ""
    phone: str = ""


class ServerSettings(BaseModel):
    # 127.0.0.1 unless the office configures the LAN on purpose.
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Client networks allowed to connect (checked on every request; others get 403). Add the office
    # LAN, e.g. "192.168.10.0/24", when host is a LAN address. Non-IP transports (a Unix socket) pass.
    allow_networks: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])
    # Worker threads for API calls that touch the database or a device (live event streams need none).
    # One counter PC's clerks, kiosk and displays never keep more busy; more only cost memory and tail latency.
    worker_threads: int = Field(12, ge=2, le=200)
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks).
    # Empty (the default): no forwarded header is believed from anyone, loopback included, so the client
    # address used by the allow-list, the login and ticket rate limits and the audit log is the socket's.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Request bodies larger than this are refused with 413 before they are read: every JSON call is small.
    max_json_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    # The card issuance list CSV upload (POST /api/stock/import): the office's largest daily list fits easily.
    max_import_bytes: int = Field(8 * 1024 * 1024, ge=64 * 1024, le=512 * 1024 * 1024)

    @field_validator("allow_networks", "trusted_proxies")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        import ipaddress

        for net in v:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError as e:
                raise ValueError(words("config.not_a_network", net=repr(net))) from e
        return v


class SecuritySettings(BaseModel):
    # Logins, roles and CSRF on the panel and API. False only for tests that are not about security.
    require_login: bool = True
    # A login lasts one working day at most (server-side session, absolute expiry).
    session_minutes: int = Field(720, ge=5, le=7 * 24 * 60)
    # Failed logins per user name and client within the window before 429.
    login_max_failures: int = Field(5, ge=1, le=100)
    login_window_minutes: int = Field(5, ge=1, le=24 * 60)
    # Tickets per minute one anonymous client (the kiosk) may take over HTTP before 429; 0 = no limit.
    # The dispenser button and logged-in staff are never limited.
    ticket_rate_per_minute: int = Field(30, ge=0, le=10_000)


class DatabaseSettings(BaseModel):
    # Empty: SQLite file `station.db` in the data directory.
    url: str = ""


class CategorySettings(BaseModel):
    code: str = Field(min_length=1, max_length=8, pattern=r"^[A-Za-z0-9_-]+$")
    name_ja: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    prefix: str = Field(min_length=1, max_length=3, pattern=r"^[A-Z]+$")
    description_ja: str = ""
    description_en: str = ""
    # Minutes before closing when the dispenser stops issuing for this category; None = office default.
    cutoff_minutes: int | None = Field(None, ge=0, le=240)
    # Service time assumed before today's first finished case gives a measured one.
    default_service_minutes: float = Field(10.0, gt=0)


class CounterSettings(BaseModel):
    id: int = Field(ge=1, le=999)
    name_ja: str = ""
    name_en: str = ""
    categories: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_names(self) -> CounterSettings:
        if not self.name_ja:
            self.name_ja = f"{self.id}番窓口"
        if not self.name_en:
            self.name_en = f"Counter {self.id}"
        return self


class CalendarSettings(BaseModel):
    # Business calendar data (closed days, holiday openings); relative paths are beside the config file.
    file: str = "calendar.toml"
    default_cutoff_minutes: int = Field(30, ge=0, le=240)
    open_time: time = time(8, 30)
    close_time: time = time(17, 0)
    long_close_time: time = time(19, 0)  # 1st and 3rd Thursday (D-CAL-1)
    holiday_open_time: time = time(9, 0)  # 休日開庁日 (D-CAL-2)
    holiday_close_time: time = time(12, 0)


class QueueSettings(BaseModel):
    # A called visitor who does not come may be marked no-show only after this many recalls.
    recalls_before_no_show: int = Field(2, ge=0, le=10)


class StockSettings(BaseModel):
    """Card stock (D-BO-3, D-BO-4, D-TEL-4)."""

    # Cards per storage box (shelved by manufacturing number; each delivery lot starts a new box).
    box_size: int = Field(100, ge=1, le=1000)
    # Receipt deadline written on the notice: mailing date + this many days (about three months).
    receipt_deadline_days: int = Field(90, ge=1, le=730)
    # An application this many days old whose notice is not mailed yet is probably an error (D-TEL-4).
    stale_application_days: int = Field(30, ge=1, le=365)


class BackOfficeSettings(BaseModel):
    """End of day and purge (D-BO-6, D-ALL-2)."""

    # `station purge`: personal data of business days older than this many days is purged (once handed over).
    retention_days: int = Field(7, ge=0, le=365)
    # City staff confirm receiving the day's collected papers (per kind and count) before the day is
    # handed over and purged (issue 14); false only for an office where staff sign the paper checklist.
    require_staff_receipt: bool = True


class BusySettings(BaseModel):
    """Busy-time mode (混雑時体制, D-OTH-5, D-APP-2): one switch applies this named preset."""

    name_ja: str = "混雑時体制"
    name_en: str = "Busy-time mode"
    # counter id → the categories it serves while the mode is on; empty = every counter serves every category.
    counters: dict[int, list[str]] = Field(default_factory=dict)
    # What the city runs while busy (D-APP-2): tablet-assisted applications and express issuance (特急発行).
    tablet_applications: bool = True
    express_issuance: bool = True


class ReservationSettings(BaseModel):
    """Pick-up reservations with priority (issue 15; rules in station/domain/reservation.py)."""

    # Categories that take bookings (PIN reset may take none: leave its category out).
    categories: list[str] = Field(default_factory=lambda: ["A", "B"])
    # Of those, the ones booked without an issuance notice (電子証明書更新: birth date only).
    no_notice_categories: list[str] = Field(default_factory=lambda: ["B"])
    days_ahead_max: int = Field(31, ge=1, le=365)
    days_ahead_min: int = Field(1, ge=0, le=60)
    cutoff_time: time = time(17, 0)  # on the day before (days_ahead_min), bookings close at this time
    slot_minutes: int = Field(30, ge=5, le=240)
    walkin_share: float = Field(0.3, ge=0.0, le=1.0)
    checkin_early_minutes: int = Field(15, ge=0, le=120)
    late_minutes: int = Field(5, ge=0, le=120)
    max_in_a_row: int = Field(2, ge=1, le=50)
    walkin_max_wait_minutes: int = Field(30, ge=0, le=600)
    # Wrong birth dates per client (and per notice or code) in 10 minutes before the page refuses.
    max_failures: int = Field(5, ge=1, le=100)
    # Booking-page requests per client and minute (identify, book, look up, cancel).
    rate_per_minute: int = Field(20, ge=1, le=10_000)
    # "Mail me when N are ahead" on the ticket status page, and the reminder's lead.
    notify_ahead: int = Field(3, ge=1, le=50)


class MailSettings(BaseModel):
    """The office's SMTP server for confirmations, reminders and turn-near mail; empty host = no mail."""

    host: str = ""
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    username: str = ""
    password: str = ""
    sender: str = "noreply@example.invalid"
    timeout_s: float = Field(10.0, gt=0)
    max_attempts: int = Field(5, ge=1, le=50)
    office_address: str = ""
    office_phone: str = ""


class PrinterSettings(BaseModel):
    connection: Literal["simulator", "network", "serial", "usb", "none"] = "simulator"
    # After a stop or a crash, a ticket not yet printed is printed on the next start only if it was issued
    # within this many minutes (the visitor may still be at the dispenser); older ones are listed for reprint.
    print_after_restart_minutes: int = Field(2, ge=0, le=24 * 60)
    host: str = "127.0.0.1"
    port: int = Field(9100, ge=0, le=65535)
    device: str = "/dev/ttyUSB0"
    baudrate: int = 38400
    usb_vendor_id: int = 0x04B8
    usb_product_id: int = 0x0E15
    # False for printers without a Kanji ROM: Japanese text is printed as a raster image.
    kanji_mode: bool = True
    timeout_s: float = Field(3.0, gt=0)


class ButtonSettings(BaseModel):
    connection: Literal["simulator", "serial", "evdev", "none"] = "simulator"
    device: str = "/dev/ttyUSB1"
    baudrate: int = 9600
    # What each button sends → category code. Serial: one byte or one line; evdev: key name (KEY_1).
    codes: dict[str, str] = Field(default_factory=lambda: {"1": "A", "2": "B", "3": "C", "4": "D"})
    debounce_ms: int = Field(300, ge=0, le=5000)


class CardReaderSettings(BaseModel):
    connection: Literal["simulator", "pcsc", "none"] = "simulator"
    # Empty: the first reader pcscd reports.
    reader_name: str = ""


class ScannerSettings(BaseModel):
    connection: Literal["simulator", "serial", "evdev", "none"] = "simulator"
    device: str = "/dev/ttyACM0"
    baudrate: int = 9600
    suffix: Literal["CR", "LF", "CRLF"] = "CR"
    aim_prefix: bool = False


class DeviceSettings(BaseModel):
    printer: PrinterSettings = PrinterSettings()
    button: ButtonSettings = ButtonSettings()
    card_reader: CardReaderSettings = CardReaderSettings()
    scanner: ScannerSettings = ScannerSettings()


def default_categories() -> list[CategorySettings]:
    return [
        CategorySettings(
            code="A", prefix="A", name_ja="交付", name_en="Card receipt",
            description_ja="交付通知書が届いた方の、カードの受け取り",
            description_en="Pick up your card (you received the notice)",
        ),
        CategorySettings(
            code="B", prefix="B", name_ja="電子証明書・暗証番号", name_en="Certificates / PIN",
            description_ja="電子証明書の更新、暗証番号の再設定、カードの廃止",
            description_en="Certificate renewal, PIN reset, card cancellation",
        ),
        CategorySettings(
            code="C", prefix="C", name_ja="申請・変更・その他", name_en="Applications / changes / other",
            description_ja="申請のお手伝い、記載事項の変更、申請書の再発行、お問い合わせ",
            description_en="Application help, changes, form reissue, questions",
        ),
        CategorySettings(
            code="D", prefix="D", name_ja="保険証・公金受取口座", name_en="Health insurance / public-funds account",
            description_ja="健康保険証としての利用登録、公金受取口座の登録",
            description_en="Use as health insurance card, register public-funds account",
        ),
    ]


def default_counters() -> list[CounterSettings]:
    return [
        CounterSettings(id=1, categories=["A", "B"]),
        CounterSettings(id=2, categories=["A", "C"]),
        CounterSettings(id=3, categories=["B", "C", "D"]),
    ]


class StationSettings(BaseSettings):
    """Everything a counter daemon and the commands beside it need to know."""

    model_config = SettingsConfigDict(
        env_prefix="STATION_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    office: OfficeSettings = OfficeSettings()
    server: ServerSettings = ServerSettings()
    security: SecuritySettings = SecuritySettings()
    database: DatabaseSettings = DatabaseSettings()
    calendar: CalendarSettings = CalendarSettings()
    queue: QueueSettings = QueueSettings()
    stock: StockSettings = StockSettings()
    backoffice: BackOfficeSettings = BackOfficeSettings()
    reservations: ReservationSettings = ReservationSettings()
    mail: MailSettings = MailSettings()
    busy: BusySettings = BusySettings()
    devices: DeviceSettings = DeviceSettings()
    categories: list[CategorySettings] = Field(default_factory=default_categories)
    counters: list[CounterSettings] = Field(default_factory=default_counters)
    # The counter this daemon's own devices belong to.
    counter_id: int = 1
    data_dir: Path = Path("data")
    database_url: str = ""  # STATION_DATABASE_URL; wins over [database] url
    # Where this file was read from; relative paths in it are resolved against its folder.
    config_file: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings() already merged the environment over the file (deeply); env_settings stays as
        # a fallback for keys the file does not mention.
        return (init_settings, env_settings)

    @field_validator("categories")
    @classmethod
    def _unique_categories(cls, v: list[CategorySettings]) -> list[CategorySettings]:
        codes = [c.code for c in v]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise ValueError(words("config.duplicate_category", codes=sorted(dup)))
        prefixes = [c.prefix for c in v]
        dup = {p for p in prefixes if prefixes.count(p) > 1}
        if dup:
            raise ValueError(words("config.duplicate_prefix", prefixes=sorted(dup)))
        if not v:
            raise ValueError(words("config.no_category"))
        return v

    @model_validator(mode="after")
    def _counters_serve_known_categories(self) -> StationSettings:
        known = {c.code for c in self.categories}
        ids = [c.id for c in self.counters]
        if len(ids) != len(set(ids)):
            raise ValueError(words("config.duplicate_counter"))
        for i, counter in enumerate(self.counters):
            unknown = [c for c in counter.categories if c not in known]
            if unknown:
                raise ValueError(words("config.unknown_category", where=f"counters.{i}.categories", codes=unknown))
        if self.counters and self.counter_id not in ids:
            raise ValueError(words("config.counter_not_listed", counter=self.counter_id))
        return self

    # --- derived -----------------------------------------------------------------------------------
    @property
    def effective_database_url(self) -> str:
        url = self.database_url or self.database.url
        return url or f"sqlite:///{(self.data_dir / 'station.db').resolve()}"

    @property
    def calendar_path(self) -> Path:
        p = Path(self.calendar.file)
        if p.is_absolute():
            return p
        base = self.config_file.parent if self.config_file else REPO_CONFIG_DIR
        return base / p

    def category(self, code: str) -> CategorySettings | None:
        return next((c for c in self.categories if c.code == code), None)

    def counter(self, counter_id: int) -> CounterSettings | None:
        return next((c for c in self.counters if c.id == counter_id), None)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_settings(
    config_file: Path | str | None = None,
    data_dir: Path | str | None = None,
    **overrides: Any,
) -> StationSettings:
    """Read the TOML file (if any), apply env overrides and explicit overrides, validate.

    `config_file` falls back to `STATION_CONFIG`; `data_dir` to `STATION_DATA_DIR`. Raises ConfigError
    with the file, the key and what is wrong.
    """
    path_str = config_file or os.environ.get("STATION_CONFIG")
    data: dict[str, Any] = {}
    path: Path | None = None
    source = ""
    if path_str:
        path = Path(path_str).resolve()
        data, source = read_toml(path)
        data["config_file"] = path
    dd = data_dir or os.environ.get("STATION_DATA_DIR")
    if dd:
        data["data_dir"] = Path(dd)
    try:
        env = EnvSettingsSource(StationSettings)()
    except Exception as e:  # a malformed STATION_* value
        raise ConfigError(None, "config.env_invalid", detail=str(e)) from e
    data = _deep_merge(data, env)
    data.update(overrides)
    try:
        settings = StationSettings(**data)
    except ValidationError as e:
        raise validation_error(path, source, e) from e
    if dd:  # an explicit --data-dir beats the environment's copy of the file's value
        settings.data_dir = Path(dd)
    return settings
