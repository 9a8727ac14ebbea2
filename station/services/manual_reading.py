"""Kana readings of manual articles, so that a question typed in kana (「だいりにん」, an IME left unconverted)
finds text written in kanji (「代理人」) — issue 16's "kana/kanji variants".

Why a child process: the reading dictionary (pykakasi) costs about 130 MB once loaded, and a counter daemon
runs all day; readings are needed only when an article is published, so a short-lived child computes them
for a whole batch (one import, one accepted proposal) and exits. Without pykakasi installed, or if the child
fails, articles are published without readings and search still works on the written text.

Readings already known are not computed again: those of this process, and those shipped beside the starter
manual (config/manual/readings.json, so a new database's first edition needs no child at all). Refresh that
file after editing the starter manual: `python -m station.services.manual_reading --refresh config/manual`.

Run as a module it is that child: JSON list of texts on stdin, JSON list of hiragana readings on stdout.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)
TIMEOUT_S = 120
SHIPPED = Path(__file__).resolve().parent.parent.parent / "config" / "manual" / "readings.json"
_known: dict[str, str] = {}


def key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


@cache
def _shipped() -> dict[str, str]:
    try:
        return dict(json.loads(SHIPPED.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def available() -> bool:
    """pykakasi is installed (looked up without importing it)."""
    from importlib.util import find_spec

    return find_spec("pykakasi") is not None


def known(texts: Sequence[str]) -> list[str | None]:
    """The readings already known (shipped or computed by this process), None where a child is needed."""
    table = {**_shipped(), **_known}
    return [table.get(key(t)) for t in texts]


def readings(texts: Sequence[str]) -> list[str]:
    """The hiragana reading of each text ("" where it cannot be had); unknown ones from one child process."""
    keys = [key(t) for t in texts]
    known = {**_shipped(), **_known}
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
    if missing:
        for t, r in zip(missing, _compute(missing), strict=True):
            if r:
                _known[key(t)] = r
        known = {**known, **_known}
    return [known.get(k, "") for k in keys]


def _compute(texts: Sequence[str]) -> list[str]:
    if not texts or not available():
        return ["" for _ in texts]
    try:
        out = subprocess.run([sys.executable, "-m", "station.services.manual_reading"], input=json.dumps(list(texts)),
                             capture_output=True, text=True, timeout=TIMEOUT_S, check=True,
                             env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        result = json.loads(out.stdout)
        if isinstance(result, list) and len(result) == len(texts):
            return [str(r) for r in result]
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        log.warning("manual readings not computed: %s", e)
    return ["" for _ in texts]


def _child() -> None:
    import pykakasi

    kks = pykakasi.kakasi()
    texts = json.load(sys.stdin)
    json.dump(["".join(part["hira"] for part in kks.convert(t)) for t in texts], sys.stdout, ensure_ascii=False)


def _refresh(folder: Path) -> None:
    """Write readings.json for the articles of `folder` (the shipped starter manual)."""
    from station.domain.manual import parse_file
    from station.services.manual import reading_text

    texts = [reading_text(parse_file(p.name, p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.md"))]
    table = {key(t): r for t, r in zip(texts, _compute(texts), strict=True)}
    (folder / "readings.json").write_text(json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                                          encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--refresh":
        _refresh(Path(sys.argv[2]))
    else:
        _child()
