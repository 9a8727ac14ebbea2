"""The operating manual in a real browser (issue 16): a clerk finds an answer by typing, with the matched words
marked; on the phone desk a category key brings up its articles; a proposal sent from the phone desk and
accepted by city staff is the version the counter then reads, the diff shows the change, and the printed
manual carries it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Daemon


def test_a_clerk_finds_an_answer(user: Any, daemon: Daemon) -> None:
    page = user("clerk1", "demo-clerk")
    page.goto(daemon.url + "/manual")
    page.keyboard.press("/")  # search from anywhere on the page
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("ﾌﾟﾚﾌﾟﾘﾝﾄ")  # half-width, as a hurried clerk types it
    first = page.locator("#hits li").first
    expect(first.locator(".hit-title")).to_contain_text("申請書をなくした")
    expect(first.locator(".hit-title mark")).to_have_text("プレプリント")
    page.keyboard.press("Enter")
    expect(page.locator("#a-title")).to_have_text("申請書をなくした（申請書再発行・プレプリント）")
    expect(page.locator("#a-body")).to_contain_text("本人確認書類を預かり")
    expect(page.locator("#a-version")).to_contain_text("版")
    # no answer: the clerk is told, and the question is counted for the city's monthly list
    page.fill("#q", "ふるさと納税の返礼品")
    expect(page.locator("#hits-count")).to_contain_text("見つかりませんでした")
    assert page.js_errors == []  # type: ignore[attr-defined]
