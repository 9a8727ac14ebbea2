"""Issue 12 item 13: a display PC started with the shipped Chromium flags (config/display-chromium.flags)
speaks with no one touching it; a browser that blocks autoplay shows so on the display."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Daemon

FLAGS = Path(__file__).resolve().parents[2] / "config" / "display-chromium.flags"


def shipped_flags() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in FLAGS.read_text(encoding="utf-8").splitlines())
    return [f for f in lines if f and f != "--kiosk"]  # headless has no window to fill


def display_sound(browser: Browser, daemon: Daemon, args: list[str]) -> tuple[str, bool]:
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args], headless=True)
    try:
        page = b.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(daemon.url + "/display")
        expect(page.locator("body[data-sound]")).to_have_count(1)
        page.wait_for_timeout(700)  # the page re-reads the audio state 500 ms after load
        return page.locator("body").get_attribute("data-sound") or "", page.locator("#sound-blocked").is_visible()
    finally:
        b.close()


def test_shipped_flags_let_the_display_speak_unattended(browser: Browser, daemon: Daemon) -> None:
    assert "--autoplay-policy=no-user-gesture-required" in shipped_flags()
    assert display_sound(browser, daemon, shipped_flags()) == ("on", False)


def test_blocked_voice_is_shown_on_the_display(browser: Browser, daemon: Daemon) -> None:
    # Chromium's own default on a desktop: sound only after someone touched the page
    sound, banner = display_sound(browser, daemon, ["--autoplay-policy=document-user-activation-required"])
    assert sound == "blocked" and banner
