"""A logging filter that keeps personal data out of every log line (issue 6, item 6).

Installed on the root logger's handlers by `station run`, so it covers every library's records, not only
ours. It rewrites each record's message before any handler formats it:

- every run of exactly 12 digits — the shape of an individual number (個人番号) — becomes `************`,
  also when written with full-width digits or grouped as 1234-5678-9012 / 1234 5678 9012; longer digit
  runs (a 23-digit application id, a timestamp) are left alone;
- the value of every known personal key (name, kana, birth date, address, phone, the individual number
  itself …) becomes `***`, whether it appears as `key=value`, `key: value`, a JSON or Python dict item, or
  a dict passed as the record's args.

Why a filter and not discipline alone: code here never logs personal data on purpose, but an exception
message from a library can quote the row or the request it failed on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

MASK_NUMBER = "*" * 12
MASK_VALUE = "***"

# Keys whose values are personal data wherever they appear (lower case; matched case-insensitively).
PERSONAL_KEYS = frozenset({
    "name", "name_kana", "name_kanji", "kana", "full_name", "holder_name", "caller_name", "guardian_name",
    "birth_date", "birthdate", "date_of_birth", "dob", "address", "phone", "phone_number", "tel", "email",
    "my_number", "mynumber", "individual_number", "kojin_bango", "個人番号", "氏名", "氏名（カナ）", "生年月日",
    "住所", "電話番号", "note", "notes", "content", "caller",
})

_DIGIT = r"[0-9０-９]"
_SEP = r"[ \-‐－ー　]?"
# 12 digits, optionally grouped 4-4-4, not part of a longer run of digits.
_TWELVE = re.compile(rf"(?<![0-9０-９])(?:{_DIGIT}{{4}}{_SEP}{_DIGIT}{{4}}{_SEP}{_DIGIT}{{4}})(?![0-9０-９])")
_KEYS = "|".join(sorted((re.escape(k) for k in PERSONAL_KEYS), key=len, reverse=True))
# key=value / key: value / "key": "value" / 'key': 'value' — the value up to the next separator.
_KEY_VALUE = re.compile(
    rf"""(?P<key>["']?(?<![\w])(?:{_KEYS})["']?\s*[:=]\s*)"""
    rf"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}}\])]+)""",
    re.IGNORECASE,
)


def mask_text(text: str) -> str:
    """The text with individual numbers and personal key values masked."""
    text = _KEY_VALUE.sub(_mask_value, text)
    return _TWELVE.sub(MASK_NUMBER, text)


def _mask_value(m: re.Match[str]) -> str:
    value = m.group("value")
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{m.group('key')}{quote}{MASK_VALUE}{quote}"


def _mask_arg(key: object, value: object) -> object:
    if isinstance(key, str) and key.lower() in PERSONAL_KEYS:
        return MASK_VALUE
    return _mask_any(value)


def _mask_any(value: object) -> object:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) == 12:
        return MASK_NUMBER
    if isinstance(value, Mapping):
        return {k: _mask_arg(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask_any(v) for v in value)
    return value


class PersonalDataFilter(logging.Filter):
    """Masks personal data in every record that passes (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # log.info("%(name)s …", {"name": …}): the key names the value
            record.args = {k: _mask_arg(k, v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_mask_any(a) for a in record.args)
        try:
            message = record.getMessage()
        except Exception:  # a record whose args do not fit its format: mask what is there
            message = f"{record.msg} {record.args!r}"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        masked = mask_text(message)
        record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> PersonalDataFilter:
    """Put the filter on every handler of `logger` (default: the root logger) — handlers, not the logger,
    so that records propagated from child loggers (uvicorn's, SQLAlchemy's) are filtered too."""
    logger = logger or logging.getLogger()
    f = PersonalDataFilter()
    for h in logger.handlers:
        if not any(isinstance(x, PersonalDataFilter) for x in h.filters):
            h.addFilter(f)
    return f
