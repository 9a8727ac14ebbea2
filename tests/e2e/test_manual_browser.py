"""The operating manual in a real browser (issue 16): a clerk finds an answer by typing, with the matched words
marked; on the phone desk a category key brings up its articles; a proposal sent from the phone desk and
accepted by city staff is the version the counter then reads, the diff shows the change, and the printed
manual carries it."""

from __future__ import annotations

import io
from typing import Any

import pytest
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


def test_phone_desk_proposal_accepted_by_city_staff_is_what_the_counter_reads(user: Any, daemon: Daemon) -> None:
    from pypdf import PdfReader

    added = "- 再発送の依頼は本市職員が受け付けます〔D-TEL-4〕。"
    phone = user("clerk1", "demo-clerk")
    phone.goto(daemon.url + "/phone")
    expect(phone.locator("#counts li")).to_have_count(10)
    phone.keyboard.press("4")  # ④ notice not arrived: its article is there as soon as the key is pressed
    panel = phone.locator("#manual-panel")
    expect(panel.locator("#mp-hits a").first).to_have_text("交付通知書が届かない")
    phone.locator("#content").click()  # ④ puts the cursor in the notice-number lookup first
    phone.keyboard.type("はがきが届かない")  # the caller's question, typed in the slip
    expect(panel.locator("#mp-hits li").first.locator("mark").first).to_be_visible()
    panel.locator("#mp-hits a").first.click()
    expect(panel.locator("#mp-article")).to_contain_text("おおむね1か月")
    panel.locator("#mp-propose").click()
    expect(panel.locator("#mp-question")).to_have_value("はがきが届かない")
    body = panel.locator("#mp-body")
    body.fill(body.input_value().rstrip() + "\n" + added + "\n")
    panel.locator("#mp-send").click()
    expect(panel.locator("#mp-toast")).to_contain_text("提案しました")
    pid = int(panel.locator("#mp-toast").inner_text().split("（")[1].split("番")[0])

    staff = user("staff", "demo-staff")
    staff.goto(daemon.url + "/manual/review")
    item = staff.locator(f'li.manual-proposal[data-id="{pid}"]')
    expect(item.locator(".diff-add")).to_contain_text(added)  # the diff shows what would change
    expect(item).to_contain_text("はがきが届かない")
    item.locator(".accept").click()
    expect(staff.locator("#r-toast")).to_contain_text("承認しました")

    counter = user("clerk2", "demo-clerk")
    counter.goto(daemon.url + "/manual#notice-not-arrived")
    expect(counter.locator("#a-body")).to_contain_text("再発送の依頼は本市職員が受け付けます")
    version = counter.locator("#a-version").inner_text()
    counter.locator("#show-history").click()
    expect(counter.locator("#diff .diff-add")).to_have_text("+ " + added)
    expect(counter.locator("#versions li")).to_have_count(int(version.strip("第版")))

    pdf = counter.context.request.get(daemon.url + "/api/manual/manual.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).replace("\n", "")
    assert "再発送の依頼は本市職員が受け付けます" in text
    for page in (phone, staff, counter):
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_the_case_step_shows_its_article(user: Any, daemon: Daemon) -> None:
    clerk = user("clerk2", "demo-clerk")
    clerk.goto(f"{daemon.url}/counter/2/case?procedure=insurance")
    expect(clerk.locator("body[data-ready]")).to_have_count(1)
    expect(clerk.locator("#step-name")).to_have_attribute("data-step", "card_tap")
    panel = clerk.locator("#manual-panel")
    expect(panel.locator("#mp-title")).to_have_text("健康保険証利用申込・公金受取口座登録")
    expect(panel.locator("#mp-article")).to_contain_text("有効期限が切れていない")
    panel.locator("#mp-q").fill("代理")  # typing in the panel does not drive the case (a, u, h, Enter)
    clerk.keyboard.press("Enter")
    expect(panel.locator("#mp-title")).to_have_text("代理人による受取")
    expect(clerk.locator("#step-name")).to_have_attribute("data-step", "card_tap")
    case_id = clerk.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    if case_id.isdigit():
        clerk.context.request.post(f"{daemon.url}/api/cases/{case_id}/cancel", data={})
    assert clerk.js_errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(("path", "who"), [("/manual", "clerk1"), ("/manual/review", "staff"), ("/phone", "clerk1")])
def test_manual_screens_are_accessible(user: Any, daemon: Daemon, path: str, who: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = user(who, {"clerk1": "demo-clerk", "staff": "demo-staff"}[who])
    page.goto(daemon.url + path)
    if path == "/phone":
        page.keyboard.press("2")
        expect(page.locator("#mp-hits a").first).to_be_visible()
    else:
        page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], bad
