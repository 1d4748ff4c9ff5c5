"""The small HTML pages a short link can answer with, each under a strict security policy.

A message, the password form, or the way on after the right password.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from aiohttp import web

STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;"
         "padding:0 1rem}input,button{font:inherit;padding:.5rem;margin:.25rem 0}"
         ".error{color:#a00}")
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# No script, plugin, image, font or frame at all; only the one inline style above (by its
# hash); the form may post only to this origin; no page may frame these ones.
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def _page(status: int, title: str, body: str, head: str = "",
          headers: dict[str, str] | None = None) -> web.Response:
    html = (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'>{head}"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>")
    return web.Response(status=status, text=html, content_type="text/html",
                        headers=HEADERS | (headers or {}))


def message(status: int, text: str) -> web.Response:
    return _page(status, text, f"<p>{escape(text)}</p>")


def password_form(code: str, *, wrong: bool = False) -> web.Response:
    error = "<p class=error role=alert>That password is not right.</p>" if wrong else ""
    form = (f"<h1>This link is protected</h1>{error}"
            f"<form method=post action='/r/{escape(code)}'>"
            f"<label for=password>Password</label><br>"
            f"<input id=password name=password type=password required autofocus>"
            f"<br><button type=submit>Open</button></form>")
    return _page(401 if wrong else 200, "Password required", form)


def unlocked(location: str) -> web.Response:
    """The answer to a browser's right password: a page that moves on to `location` (an
    ASCII URL) by itself. Not a 302: Chrome and Safari apply `form-action 'self'` to the
    redirects that follow a form's POST too, and would stop one to another site."""
    target = escape(location)
    return _page(200, "Opening the link", f"<p><a href='{target}'>Open the link</a></p>",
                 head=f"<meta http-equiv=refresh content='0;url={target}'>",
                 headers={"Refresh": f"0;url={location}"})
