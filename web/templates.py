"""The one Jinja2 environment every router renders with.

One object so the template globals (`csrf_token`, `current_user`) are installed once and no router can
forget them; routers import `templates` from here instead of building their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from station import messages
from station.domain import navigation
from station.domain.timezone import ja_datetime
from web import security

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
security.install_templates(templates)
# both("screen.ja_only") → (Japanese, English): for the few lines every visitor must read in both languages
templates.env.globals["both"] = messages.both
# {{ x.closed_at | jtime }} → 「2026年12月2日（水）8時48分」: every time a person reads is Tokyo, Japanese style
templates.env.filters["jtime"] = ja_datetime


def nav_menu(request: Request, lang: str = "ja") -> list[dict[str, Any]]:
    """The header menu for whoever is logged in (empty for the kiosk, display and visitors): one menu by role
    on every page that includes _topbar.html (issue 12)."""
    user = security.current_user(request)
    if user is None or user.via != "session":
        return []
    here = request.url.path
    return [{"href": i.path, "label": messages.text(f"nav.{i.code}", lang), "code": i.code,
             "current": here == i.path or (i.path != "/" and here.startswith(i.path + "/"))}
            for i in navigation.menu(user.role, user.counter_id)]


templates.env.globals["nav_menu"] = nav_menu
templates.env.globals["nav_text"] = messages.text
