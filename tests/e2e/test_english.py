"""Every screen in English mode (?lang=en), in a real browser after its scripts ran: no Japanese left in
the visible text and no doubled words ("Now calling Now calling"), except on the back-office pages that
say plainly, in both languages, that they are Japanese only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO, Daemon, login

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]+")
DOUBLED = re.compile(r"\b([A-Za-z]{2,})[ \t]+\1\b", re.IGNORECASE)
JA_ONLY_NOTICE = "This screen is in Japanese only"

# path, who logs in (None: nobody), Japanese-only back-office page
PAGES: list[tuple[str, str | None, bool]] = [
    ("/", None, False), ("/kiosk", None, False), ("/display", None, False), ("status", None, False),
    ("/login", None, False), ("/t/no-such-ticket", None, False), ("/sim", None, False),
    ("/counter/1", "clerk1", False), ("/admin", "supervisor", False), ("/audit", "supervisor", False),
    ("/stock", "supervisor", False),
    ("/counter/1/case", "clerk1", True), ("/staff", "staff", True), ("/phone", "clerk1", True),
    ("/reports", "supervisor", True), ("/reports/print", "supervisor", True), ("/end-of-day", "supervisor", True),
]

# pages whose script marks the first paint done (body[data-ready])
READY = {"/kiosk", "/display", "/counter/1", "/admin", "/sim", "/counter/1/case", "/staff"}


# The visible text nodes, leaving out what is marked lang="ja" on purpose (the 日本語 switch back).
VISIBLE_TEXT_JS = """() => {
  const out = [document.title];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim() || el.closest('[lang="ja"], script, style, [hidden]')) continue;
    if (el.checkVisibility && !el.checkVisibility()) continue;
    out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('input[placeholder], [aria-label], [title]')) {
    if (el.closest('[lang="ja"]')) continue;
    out.push(el.getAttribute('placeholder') || '', el.getAttribute('aria-label') || '', el.getAttribute('title') || '');
  }
  return out.join("\\n");
}"""

# the text of every label-like element, each on its own: "Now calling Now calling" is one heading
LABELS_JS = """() => [...document.querySelectorAll('title, h1, h2, h3, h4, label, legend, button, a, th, dt, p')]
  .filter((el) => !el.closest('[hidden]')).map((el) => el.textContent.replace(/\\s+/g, ' ').trim())"""


def visible_text(page: Page) -> str:
    """What a reader sees (and a screen reader says): visible text, titles, labels and placeholders."""
    return str(page.evaluate(VISIBLE_TEXT_JS))


@pytest.mark.parametrize(("path", "who", "ja_only"), PAGES, ids=[p[0] for p in PAGES])
def test_page_in_english(daemon: Daemon, new_page: Any, path: str, who: str | None, ja_only: bool) -> None:
    if path in ("status", "/display"):
        # a ticket called to a counter, so the display has a row and the status page a number
        ticket = daemon.api("POST", "/api/tickets", {"category": "D"})
        if path == "status":
            path = ticket["status_url"].removeprefix(daemon.url)
            READY.add(path)
    page = new_page()
    if who is not None:
        assert who in DEMO
        login(page, daemon.url, who)
    if path == "/display":
        assert any(daemon.api("POST", f"/api/counters/{c}/call-next") for c in (1, 2, 3)), "nobody to call"
    page.goto(daemon.url + path + "?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    if path in READY:
        expect(page.locator("body[data-ready]")).to_have_count(1)
    if path == "/reports":
        expect(page.locator("body[data-loaded]")).to_have_count(1)
    if path == "/display":
        expect(page.locator("#calls li").first).to_be_visible()
    text = visible_text(page)
    if ja_only:
        assert JA_ONLY_NOTICE in text, f"{path}: neither English nor marked Japanese only"
        return
    assert JA_ONLY_NOTICE not in text
    assert JAPANESE.findall(text) == [], f"{path}: Japanese in English mode:\n{text}"
    assert DOUBLED.findall(text) == [], f"{path}: doubled words"
    twice = [x for x in page.evaluate(LABELS_JS) if re.fullmatch(r"(\D{3,}?)\s*\1", x)]
    assert twice == [], f"{path}: a label says the same thing twice (a heading and its own translation?)"
    assert page.js_errors == []
