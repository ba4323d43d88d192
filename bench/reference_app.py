"""A bare Litestar + Jinja2 app: the baseline the portal is measured against.

One route, ``GET /``, renders a page shaped like the portal's home page (a base
layout with header, navigation, three small forms, main content and footer;
about the same HTML size) from an autoescaped Jinja environment. There is no
middleware at all: no compression, no CSRF, no locale, no database, no
security headers. Whatever the portal costs beyond this page is what its own
layers add.

Run it as uvicorn does in the benchmark::

    .venv/bin/python -m uvicorn bench.reference_app:app --port 8001 --no-access-log
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

TEMPLATES = Path(__file__).resolve().parent / "templates"

# A fixed stand-in for the CSRF token the portal prints four times per page (same length).
TOKEN = "0123456789abcdef" * 8

CONTEXT = {
    "locale": "fr",
    "site_name": "My health space",
    "description": "Your health documents, messages, treatments and appointments in one safe place.",
    "token": TOKEN,
    "nav": [("/", "Home"), ("/help", "Help")],
    "sizes": [("standard", "Normal"), ("large", "Large"), ("larger", "Very large")],
    "footer": [
        ("/help", "Help and contact"),
        ("/accessibility", "Accessibility: partially compliant"),
        ("/display?next=%2F", "Display settings"),
    ],
    "title": "Your health space",
    "lead": (
        "One safe place for your health: your documents, your messages with the people who care "
        "for you, your treatments and your appointments."
    ),
    "cards": [
        {
            "title": "Keep your health documents",
            "text": "Prescriptions, test results, letters from the hospital: find them all in one place, "
            "even years later.",
        },
        {
            "title": "Write to your care team",
            "text": "Send and receive messages with your doctor, nurse or pharmacist. "
            "Nobody else can read them.",
        },
        {
            "title": "Remember treatments and appointments",
            "text": "Write down what you take and when. Get a reminder before an appointment.",
        },
        {
            "title": "Choose who sees what",
            "text": "You decide which professionals and which apps may see your information. "
            "You can change your mind at any time.",
        },
    ],
    "steps": [
        "You receive a letter or an email with a personal code.",
        "You type this code and your date of birth.",
        "You choose a password. That is all.",
    ],
}


def template_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


@get("/", media_type="text/html")
async def show_page() -> Template:
    return Template(template_name="reference_page.html", context={**CONTEXT, "here": "/"})


app = Litestar(
    route_handlers=[show_page],
    template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(template_environment())),
    openapi_config=None,
    debug=False,
)
