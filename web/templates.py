"""The one Jinja2 environment every router renders with.

One object so the template globals (`csrf_token`, `current_user`) are installed once and no router can
forget them; routers import `templates` from here instead of building their own.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from station import messages
from web import security

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
security.install_templates(templates)
# both("screen.ja_only") → (Japanese, English): for the few lines every visitor must read in both languages
templates.env.globals["both"] = messages.both
