"""Short-link HTML pages: no script, and a policy that allows only their own inline style."""

from __future__ import annotations

import base64
import hashlib
import re

from aiohttp import web

from gateway import pages


def policy_of(page: web.Response) -> dict[str, str]:
    text = page.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in text.split(";"))


def every_page() -> list[web.Response]:
    return [pages.message(404, "This QR code is not known."), pages.password_form("ab1234567"),
            pages.password_form("ab1234567", wrong=True),
            pages.unlocked("https://example.com/a?b=c&d='e'")]


def test_every_page_forbids_script_frames_and_foreign_forms() -> None:
    for page in every_page():
        policy = policy_of(page)
        assert policy["default-src"] == "'none'" and "script-src" not in policy
        assert policy["form-action"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script" not in (page.text or "")


def test_the_style_allowed_is_the_one_inline_style() -> None:
    for page in every_page():
        [style] = re.findall(r"<style>(.*?)</style>", page.text or "")
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert policy_of(page)["style-src"] == f"'sha256-{digest}'"
        assert " style=" not in (page.text or "")


def test_the_unlocked_page_moves_on_without_script() -> None:
    page = pages.unlocked("https://example.com/a?b=c&d='e'")
    assert page.status == 200 and page.headers["Refresh"] == "0;url=https://example.com/a?b=c&d='e'"
    assert "content='0;url=https://example.com/a?b=c&amp;d=&#x27;e&#x27;'" in (page.text or "")
