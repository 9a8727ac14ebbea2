"""The screens' words: every `{{ t.key }}` in a template and `t("key")` in a page script has a catalog
code `screen.key` in both languages (Jinja renders a missing key as nothing, silently)."""

from __future__ import annotations

import re
from pathlib import Path

from web import i18n

WEB = Path(__file__).resolve().parents[2] / "web"
TEMPLATE_KEY = re.compile(r"\bt\.([a-z][a-z0-9_]*)\b")
SCRIPT_KEY = re.compile(r"""\b(?:S\.|Station\.)?t\(\s*"([a-z][a-z0-9_]*)"\s*[,)]""")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for f in (WEB / "templates").glob("*.html"):
        keys |= set(TEMPLATE_KEY.findall(f.read_text(encoding="utf-8")))
    for f in (WEB / "static" / "js").glob("*.js"):
        keys |= set(SCRIPT_KEY.findall(f.read_text(encoding="utf-8")))
    return keys - {"format"}


def test_every_key_a_screen_uses_is_in_both_catalogs() -> None:
    for lang in i18n.LANGS:
        missing = _used_keys() - set(i18n.table(lang))
        assert not missing, f"{lang}: screens use words the catalog lacks: {sorted(missing)}"


def test_the_language_switch_is_named_in_its_own_language() -> None:
    assert (i18n.table("ja")["lang_switch"], i18n.table("en")["lang_switch"]) == ("English", "日本語")
