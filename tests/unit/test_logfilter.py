"""No personal data reaches a log line: 12-digit runs (individual numbers) and personal keys' values are
masked by the filter that `station run` installs on the root handlers."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from station.logfilter import MASK_NUMBER, PersonalDataFilter, install, mask_text


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    root = logging.getLogger("logfilter-test-root")
    root.propagate = False
    root.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    install(root)
    yield root, out
    root.removeHandler(handler)


@pytest.mark.parametrize("text", [
    "number 123456789012 given", "123456789012", "番号は１２３４５６７８９０１２です", "1234-5678-9012",
    "1234 5678 9012", "x=123456789012;",
])
def test_twelve_digits_are_masked(text: str) -> None:
    masked = mask_text(text)
    assert MASK_NUMBER in masked
    assert "5678" not in masked and "５６７８" not in masked


@pytest.mark.parametrize("text", [
    "application 12345678901234567890123", "ticket 42 at counter 3", "at 2026-12-01T10:00:00", "seq 12345678901",
    "1234567890123",
])
def test_other_numbers_stay(text: str) -> None:
    assert mask_text(text) == text


@pytest.mark.parametrize("text,secret", [
    ("name=山田太郎 counter=2", "山田太郎"),
    ("birth_date: 1980-01-02 ok", "1980-01-02"),
    ('{"name_kana": "ヤマダ タロウ", "id": 5}', "ヤマダ タロウ"),
    ("{'address': '札幌市中央区北1条', 'x': 1}", "札幌市中央区北1条"),
    ("氏名=佐藤花子", "佐藤花子"),
    ("Phone=011-222-3333", "011-222-3333"),
])
def test_personal_keys_values_are_masked(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked and "***" in masked


def test_through_a_logger_with_args_dict_args_and_an_exception(log: tuple[logging.Logger, io.StringIO]) -> None:
    _logger, out = log
    child = logging.getLogger("logfilter-test-root.child")  # propagated records are filtered at the handler
    child.warning("card read for %s, number %s", "name=鈴木一郎", 987654321098)
    child.info("%(name)s called at %(counter)s", {"name": "高橋", "counter": 3})
    try:
        raise ValueError("bad row: my_number=111122223333 name_kana='タカハシ'")
    except ValueError:
        child.exception("import failed")
    text = out.getvalue()
    for secret in ("鈴木一郎", "987654321098", "高橋", "111122223333", "タカハシ"):
        assert secret not in text
    assert "called at 3" in text and "import failed" in text and "ValueError" in text
    assert text.count("\n") >= 3  # nothing was dropped


def test_install_is_idempotent_and_on_handlers() -> None:
    logger = logging.getLogger("logfilter-test-idem")
    h = logging.StreamHandler(io.StringIO())
    logger.addHandler(h)
    try:
        install(logger)
        install(logger)
        assert sum(isinstance(f, PersonalDataFilter) for f in h.filters) == 1
    finally:
        logger.removeHandler(h)
