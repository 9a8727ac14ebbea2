"""The printed manual (issue 16, item 5): every published article on A4, a table of contents with page
numbers, the edition and its date on the cover and in every page's footer — for the binder at the counter.

WeasyPrint lays it out from HTML; Japanese text uses the system's CJK fonts (fonts-noto-cjk, IPA Gothic,
installed by scripts/setup.sh). Imported only when a PDF is asked for: WeasyPrint is large.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from html import escape

from station.domain.manual import ArticleDoc
from station.domain.phone import BY_CODE as PHONE_CATEGORIES

CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-left { content: string(edition); font-size: 8pt; color: #555; }
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }
@page :first { @bottom-left { content: none; } @bottom-right { content: none; } }
html { font-family: "Noto Sans CJK JP", "IPAGothic", "IPAexGothic", sans-serif; font-size: 10.5pt; line-height: 1.6; }
.cover { page-break-after: always; padding-top: 60mm; text-align: center; }
.cover h1 { font-size: 26pt; margin: 0 0 8mm; }
.cover .edition { font-size: 13pt; string-set: edition content(); }
nav.toc { page-break-after: always; }
nav.toc ol { list-style: none; padding: 0; }
nav.toc li { margin: 1.5mm 0; }
nav.toc a { color: black; text-decoration: none; }
nav.toc a::after { content: leader('.') target-counter(attr(href), page); }
article { page-break-before: always; }
article h1 { font-size: 15pt; border-bottom: 1px solid #333; padding-bottom: 1mm; }
.meta { font-size: 8.5pt; color: #444; }
table { border-collapse: collapse; } td, th { border: 1px solid #888; padding: 1mm 2mm; }
"""


def manual_html(docs: Sequence[ArticleDoc], versions: Mapping[str, int], edition: int, day: date | None,
                render: Callable[[str], str]) -> str:
    dated = f"{day.year}年{day.month}月{day.day}日" if day else ""
    label = f"第{edition}版　{dated}"
    toc = "".join(f'<li><a href="#a-{escape(d.slug)}">{escape(d.title)}</a></li>' for d in docs)
    parts = [f"<!doctype html><html lang='ja'><head><meta charset='utf-8'><title>運営マニュアル {escape(label)}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<section class='cover'><h1>運営マニュアル</h1><p>マイナンバーカード窓口</p>"
             f"<p class='edition'>{escape(label)}</p><p>Operating manual — edition {edition}</p></section>",
             f"<nav class='toc'><h2>目次</h2><ol>{toc}</ol></nav>"]
    for d in docs:
        marks = "".join(PHONE_CATEGORIES[c].mark for c in d.categories if c in PHONE_CATEGORIES)
        meta = [f"第{versions.get(d.slug, 1)}版"]
        if marks:
            meta.append(f"電話区分 {marks}")
        if d.reviewed_on:
            meta.append(f"確認日 {d.reviewed_on.isoformat()}")
        sources = "".join(f"<li>{escape(s)}</li>" for s in d.sources)
        parts.append(f"<article id='a-{escape(d.slug)}'><h1>{escape(d.title)}</h1>"
                     f"<p class='meta'>{escape('　'.join(meta))}</p>{render(d.body)}"
                     + (f"<p class='meta'>参照</p><ul class='meta'>{sources}</ul>" if sources else "")
                     + "</article>")
    parts.append("</body></html>")
    return "".join(parts)


def manual_pdf(docs: Sequence[ArticleDoc], versions: Mapping[str, int], edition: int, day: date | None,
               render: Callable[[str], str]) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=manual_html(docs, versions, edition, day, render)).write_pdf())
