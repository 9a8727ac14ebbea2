"""Reading the TOML files the office edits, with one error type and one error style for all of them.

Why one module: the station settings (`station.toml`), the business calendar (`calendar.toml`) and the
procedures catalog (`procedures.toml`) used to have three loaders with three wordings. The person who
edits the file needs the same thing from each: which file, which line, which key, what is wrong. Every
problem is a `ConfigError` whose text is `FILE, line N: KEY: 日本語 / English`, the words coming from the
message catalog (`station/messages/*/config.json`).

The calendar's file reading lives here (`load_calendar`) so that `station.domain.calendar` stays pure: it
receives dates, never a path.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from station.domain.calendar import BusinessCalendar
from station.messages import text

_TOML_LINE = re.compile(r"at line (\d+)")


class ConfigError(ValueError):
    """A problem in a file the office edits, worded for the person who edits it (file, line, key, what)."""

    def __init__(self, path: Path | str | None, code: str, *, line: int | None = None, key: str = "",
                 details: Sequence[str] = (), **params: object) -> None:
        self.path = Path(path) if path is not None else None
        self.code, self.line, self.key, self.params = code, line, key, params
        self.details = tuple(details)
        super().__init__(self._render())

    def _render(self) -> str:
        where = str(self.path) if self.path is not None else "(defaults)"
        if self.line is not None:
            where += f", line {self.line}"
        head = f"{where}: {self.key + ': ' if self.key else ''}{words(self.code, **self.params)}"
        return "\n".join([head, *(f"  - {d}" for d in self.details)])


def words(code: str, **params: object) -> str:
    """`日本語 / English` for a config.* code: the one style of every configuration problem, also inside
    pydantic validators (whose message becomes one detail line of the ConfigError)."""
    return f"{text(code, 'ja', **params)} / {text(code, 'en', **params)}"


def read_toml(path: Path | str, error: type[ConfigError] = ConfigError) -> tuple[dict[str, Any], str]:
    """The parsed table and the file's text (kept to find the line of a key later)."""
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise error(p, "config.not_found") from e
    try:
        return tomllib.loads(source), source
    except tomllib.TOMLDecodeError as e:
        m = _TOML_LINE.search(str(e))
        raise error(p, "config.syntax", line=int(m.group(1)) if m else None, detail=str(e)) from e


def line_of(source: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line number (1-based) of a dotted key path in TOML text, or None.

    Follows the path through table headers (`[server]`, `[[counters]]` and their N-th repeat) and
    `key =` lines; good enough to point the editor at the right place, not a TOML parser.
    """
    lines = source.splitlines()
    pos, found, header = 0, None, ""
    for part in loc:
        if isinstance(part, int):
            if header:  # the N-th [[header]] from the first one
                seen = 0
                for i in range(pos, len(lines)):
                    if lines[i].strip() == header:
                        if seen == part:
                            pos, found = i, i
                            break
                        seen += 1
            continue
        key = re.compile(rf'^\s*("?){re.escape(part)}\1\s*=')
        for i in range(pos, len(lines)):
            stripped = lines[i].strip()
            if stripped.startswith("[") and part in stripped.strip("[]").replace('"', "").split("."):
                pos, found, header = i, i, stripped
                break
            if key.match(lines[i]):
                pos, found, header = i, i, ""
                break
        else:
            return found + 1 if found is not None else None
    return found + 1 if found is not None else None


def validation_error(path: Path | str | None, source: str, err: ValidationError,
                     error: type[ConfigError] = ConfigError) -> ConfigError:
    """One ConfigError listing every wrong key, each with its line when it can be found."""
    details = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        line = line_of(source, e["loc"]) if source and e["loc"] else None
        details.append(f"{key}{f' (line {line})' if line else ''}: {e['msg']}")
    return error(path, "config.invalid", details=details)


def load_calendar(path: Path, **hours: time) -> BusinessCalendar:
    """Read closed days and holiday openings from TOML; errors name the file, the line and the entry."""
    data, source = read_toml(path)
    national = data.get("national_holidays", True)
    year_end = data.get("year_end_closure", True)
    for key, value in (("national_holidays", national), ("year_end_closure", year_end)):
        if not isinstance(value, bool):
            raise ConfigError(path, "config.calendar.not_a_bool", line=line_of(source, [key]), key=key,
                              value=repr(value))
    return BusinessCalendar(
        closed_dates=frozenset(_dates(path, source, data, "closed")),
        holiday_openings=frozenset(_dates(path, source, data, "holiday_openings")),
        national_holiday=_national_holiday if national else None,
        year_end_closure=year_end,
        **hours,
    )


@cache
def _national_holiday(d: date) -> bool:
    """Japan's national holidays (国民の祝日, 振替休日, 国民の休日) for any year, computed by jpholiday."""
    import jpholiday

    return bool(jpholiday.is_holiday(d))


def _dates(path: Path, source: str, data: dict[str, Any], key: str) -> list[date]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise ConfigError(path, "config.calendar.not_a_list", line=line_of(source, [key]), key=key)
    out: list[date] = []
    for i, item in enumerate(raw):
        value = item.get("date") if isinstance(item, dict) else item
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ConfigError(path, "config.calendar.not_a_date", line=line_of(source, [key]), key=f"{key}[{i}]",
                              value=repr(value))
        out.append(value)
    return out
