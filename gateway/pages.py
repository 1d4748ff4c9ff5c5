"""The small HTML pages a short link can answer with: a message, or the password form."""

from __future__ import annotations

from html import escape

from aiohttp import web

STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;"
         "padding:0 1rem}input,button{font:inherit;padding:.5rem;margin:.25rem 0}"
         ".error{color:#a00}")


def _page(status: int, title: str, body: str) -> web.Response:
    html = (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>")
    return web.Response(status=status, text=html, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


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
