"""Cookies between neutral and native shapes.

The neutral request carries cookies in one `cookie` header (RFC 6265: `a=1; b=2`); the neutral
response carries complete Set-Cookie values in `HttpResponse.cookies`. Platforms differ: some
send request cookies as a list, some want Set-Cookie values in a separate list.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..http_types import HttpResponse

_SET_COOKIE = "set-cookie"


def join_cookies(cookies: Iterable[object]) -> str:
    """Request cookies given as a list (`["a=1", "b=2"]`) as one Cookie header value."""
    return "; ".join(str(c) for c in cookies if c is not None)


def split_cookies(response: HttpResponse) -> tuple[dict[str, str], list[str]]:
    """(headers without Set-Cookie, every Set-Cookie value), for platforms that want cookies
    apart from the headers. A Set-Cookie a handler put among its headers joins the cookie list."""
    if not response.cookies and _SET_COOKIE not in response.headers:
        return response.headers, []  # the common case: nothing to move
    plain: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in response.headers.items():
        if name.lower() == _SET_COOKIE:
            cookies.append(value)
        else:
            plain[name] = value
    cookies.extend(response.cookies)
    return plain, cookies


def split_set_cookie(value: str) -> list[str]:
    """A folded Set-Cookie header (`a=1; Path=/, b=2; Expires=Wed, 21 Oct 2026 ...`) as its
    complete values: a comma starts a new cookie only when a `name=` follows it."""
    cookies: list[str] = []
    current = ""
    for piece in value.split(","):
        head = piece.split(";", 1)[0]
        starts_cookie = "=" in head and " " not in head.strip() and current
        if starts_cookie:
            cookies.append(current.strip())
            current = piece
        else:
            current = f"{current},{piece}" if current else piece
    if current.strip():
        cookies.append(current.strip())
    return cookies
