"""The words people read, one catalog per language, keyed by stable codes.

Rules, services and drivers return a code and its parameters (`station.domain.messages.Msg`); only the
edges — the web layer, the slips, the CLI — turn them into sentences here. The catalog of a language is
the union of the JSON files in `station/messages/<lang>/` (one file per noun: `queue.json`, `cases.json`
…, so two people adding words to two nouns never edit the same file). Every language has exactly the same
codes and the same `{placeholders}`; `tests/unit/test_messages.py` fails otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources

from station.domain.messages import Msg

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """Every code of one language (read once per process)."""
    if lang not in LANGS:
        lang = DEFAULT_LANG
    merged: dict[str, str] = {}
    for entry in sorted(resources.files(__package__).joinpath(lang).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            for code, text in json.loads(entry.read_text(encoding="utf-8")).items():
                if code in merged:
                    raise ValueError(f"message code {code!r} defined twice ({lang}/{entry.name})")
                merged[code] = text
    return merged


def text(code: str | Msg, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The sentence for `code` in `lang`, its `{placeholders}` filled from `params` (or the Msg's)."""
    if isinstance(code, Msg):
        params = {**code.params, **params}
        code = code.code
    template = catalog(lang).get(code)
    if template is None:  # a missing word is a bug, but a clerk must still read something
        return code
    # A parameter that is itself a message (the name of an action, a step) is worded in the same language.
    params = {k: text(v, lang) if isinstance(v, Msg) else _side(v, lang) for k, v in params.items()}
    return template.format(**params) if params else template


def _side(v: object, lang: str) -> object:
    """A parameter that has both languages (`Words`, a catalog `DocName`): the side of this language."""
    if hasattr(v, "ja") and hasattr(v, "en") and not isinstance(v, str):
        return getattr(v, "en" if lang == "en" else "ja")
    return v


def both(code: str | Msg, /, **params: object) -> tuple[str, str]:
    """(Japanese, English) — for API answers that carry `message_ja` and `message_en`."""
    return text(code, "ja", **params), text(code, "en", **params)


def table(lang: str, prefix: str = "") -> dict[str, str]:
    """The codes under `prefix` (e.g. "screen.") for one language: handed to page scripts as JSON."""
    return {k: v for k, v in catalog(lang).items() if k.startswith(prefix)}
