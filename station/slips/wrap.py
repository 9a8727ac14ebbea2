"""Line breaking for printed Japanese: BudouX phrases, then 禁則 (kinsoku), counted in printer columns.

Why not break at the last character that fits: a slip read at the counter must not split a word
(「パスポートな / どの」), start a line with 。、）」 or end one with （「, or cut a weekday out of its date
(「12月4日（金」 / 「）」). BudouX (Google's phrase segmenter, a small model shipped inside the package)
gives the phrases; a few patterns that BudouX splits but a reader takes as one (dates with their weekday,
times, phone numbers, ASCII runs) are kept whole; punctuation is glued to the phrase before it. Only a
single phrase longer than the line is broken by characters, still never before a closing mark.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# 行頭禁則: never at the start of a line.
NO_START = set("、。，．,.）)」』】〕〉》］]｝}・：:；;！!？?ー～ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々ゝゞ%％")
# 行末禁則: never at the end of a line.
NO_END = set("（(「『【〔〈《［[｛{")
# Read as one word although BudouX may split them.
ATOMIC = re.compile(
    r"\d{1,4}年\d{1,2}月\d{1,2}日(?:（[月火水木金土日]）)?"
    r"|\d{1,2}月\d{1,2}日(?:（[月火水木金土日]）)?"
    r"|\d{1,2}時\d{2}分(?:[～〜-]\d{1,2}時\d{2}分)?"
    r"|\d{1,2}:\d{2}(?:[～〜-]\d{1,2}:\d{2})?"
    r"|[0-9０-９][0-9０-９\-－()（）]{5,}[0-9０-９]"
    r"|[A-Za-z0-9][A-Za-z0-9@._/:\-]*"
    r"|（[^（）]{1,8}）"  # a short aside: （原本）, （あと30日）, （金）
)


def width(text: str) -> int:
    """Printer columns of a text: a full-width (or ambiguous) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


@cache
def _parser() -> object:
    import budoux

    return budoux.load_default_japanese_parser()


def phrases(text: str) -> list[str]:
    """The units a line may break between: BudouX phrases, atomic spans kept whole, marks glued on."""
    if not text:
        return []
    raw: list[str] = _parser().parse(text)  # type: ignore[attr-defined]
    # Break positions BudouX proposes, minus those inside an atomic span.
    cuts: set[int] = set()
    pos = 0
    for ph in raw[:-1]:
        pos += len(ph)
        cuts.add(pos)
    # A space or a colon is a break BudouX does not propose (it joins 「開庁日: 12月4日」).
    cuts |= {i + 1 for i, ch in enumerate(text[:-1]) if ch in " 　:："
             and i > 0 and text[i - 1] not in " 　" and text[i + 1] not in " 　"}
    for m in ATOMIC.finditer(text):
        cuts -= set(range(m.start() + 1, m.end()))
    # 禁則 at phrase level: no cut before a closing mark, none after an opening one.
    cuts = {c for c in cuts if text[c] not in NO_START and text[c - 1] not in NO_END}
    out: list[str] = []
    start = 0
    for c in sorted(cuts):
        out.append(text[start:c])
        start = c
    out.append(text[start:])
    return [p for p in out if p]


def _break_long(phrase: str, room: int, columns: int) -> list[str]:
    """A phrase wider than a line: by characters, but never a line starting with a closing mark."""
    pieces: list[str] = []
    cur = ""
    limit = room
    for ch in phrase:
        if width(cur + ch) > limit and cur:
            if ch in NO_START and len(cur) > 1:  # 追い出し: carry the last character down with the mark
                pieces.append(cur[:-1])
                cur = cur[-1]
            else:
                pieces.append(cur)
                cur = ""
            limit = columns
        cur += ch
    pieces.append(cur)
    return pieces


def wrap(text: str, columns: int, indent: str = "") -> list[str]:
    """Break `text` into lines of at most `columns` printer columns; continuation lines start with `indent`."""
    lines: list[str] = []
    cur = ""
    for ph in phrases(text):
        if width(cur + ph) <= columns:
            cur += ph
            continue
        if cur.strip():
            lines.append(cur.rstrip(" "))
            cur = indent
            ph = ph.lstrip(" ")
        if width(cur + ph) <= columns:
            cur += ph
            continue
        pieces = _break_long(ph, columns - width(cur), columns - width(indent))
        for piece in pieces[:-1]:
            lines.append(cur + piece)
            cur = indent
        cur += pieces[-1]
    if cur.strip():
        lines.append(cur)
    return lines


def bad_breaks(lines: list[str]) -> list[str]:
    """What a reader would trip over in printed lines (for tests and the slip check): empty if none."""
    found: list[str] = []
    for i, line in enumerate(lines):
        body = line.lstrip("　 ")
        bullet = body[:1] == "・" and body == line  # 「・」 opening an unindented line is a list bullet
        if body and body[0] in NO_START and not bullet:
            found.append(f"line {i + 1} starts with {body[0]!r}: {line!r}")
        if line and line.rstrip()[-1:] in NO_END:
            found.append(f"line {i + 1} ends with {line.rstrip()[-1]!r}: {line!r}")
    return found
