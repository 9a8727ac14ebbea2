"""How a request picks its language, and the screen words it gets.

Japanese is the default everywhere; `?lang=en` switches (and is remembered in a cookie so the
switch survives navigation), `?lang=ja` switches back. The words themselves live in the message
catalogs (`station/messages/{ja,en}/screen*.json`, codes `screen.<key>`), where
`tests/unit/test_messages.py` checks both languages carry the same codes; a page gets its table with
the `screen.` prefix taken off, so templates say `{{ t.key }}` and scripts `Station.t("key")`.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request, Response

from station import messages

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
COOKIE = "station_lang"


def lang_of(request: Request) -> str:
    """The language the visitor asked for: the query wins over the remembered cookie."""
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get(COOKIE)
    return c if c in LANGS else DEFAULT_LANG


def remember(request: Request, response: Response) -> None:
    """Keep an explicit ?lang= choice for the next pages (a year; it is not personal data)."""
    q = request.query_params.get("lang")
    if q in LANGS:
        response.set_cookie(COOKIE, q, max_age=365 * 24 * 3600, samesite="lax")


PREFIX = "screen."


def table(lang: str) -> dict[str, str]:
    """Every screen word of `lang`, keyed without the `screen.` prefix (handed to templates and scripts).

    `lang_switch`, the link to the other language, is that language's own name ("English" / "日本語"):
    it is the one label written in the other language, so it comes from the other catalog."""
    words = {k.removeprefix(PREFIX): v for k, v in messages.table(lang, PREFIX).items()}
    words["lang_switch"] = messages.text(PREFIX + "lang_name", other(lang))
    return words


def other(lang: str) -> str:
    return "ja" if lang == "en" else "en"


def fmt(strings: Mapping[str, str], key: str, **kw: object) -> str:
    return strings[key].format(**kw)
