"""The message catalogs: every language has the same codes and the same placeholders."""

from __future__ import annotations

import re
import string

from station.domain.messages import Msg
from station.messages import LANGS, both, catalog, text
from station.services.errors import Conflict

_FIELDS = string.Formatter()


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in _FIELDS.parse(template) if name}


def test_every_language_has_the_same_codes() -> None:
    codes = {lang: set(catalog(lang)) for lang in LANGS}
    assert codes["ja"], "the Japanese catalog is empty"
    for lang in LANGS:
        missing, extra = codes["ja"] - codes[lang], codes[lang] - codes["ja"]
        assert not missing and not extra, f"{lang}: missing {missing}, extra {extra}"


def test_every_translation_has_the_same_placeholders() -> None:
    ja = catalog("ja")
    for lang in LANGS:
        for code, template in catalog(lang).items():
            assert _placeholders(template) == _placeholders(ja[code]), f"{lang}:{code}"


def test_codes_are_stable_dotted_names() -> None:
    for code in catalog("ja"):
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", code), code


def test_english_has_no_japanese_and_no_doubled_words() -> None:
    for code, template in catalog("en").items():
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", template), f"Japanese in English {code}: {template}"
        assert not re.search(r"\b(\w+) \1\b", template, re.IGNORECASE), f"doubled word in {code}: {template}"


def test_text_fills_parameters_and_errors_carry_both_languages() -> None:
    assert text(Msg.of("common.invalid_input", problems="x"), "en") == "invalid input: x"
    assert both("common.invalid_input", problems="y")[0] == "入力内容に誤りがあります（y）"
    err = Conflict("common.invalid_input", params={"problems": "z"}, next_open="10:00")
    assert (err.message_ja, err.message_en, err.code, err.extra) == (
        "入力内容に誤りがあります（z）", "invalid input: z", "common.invalid_input", {"next_open": "10:00"})
