"""Cookies between neutral and native shapes.

The neutral request carries cookies in one `cookie` header (RFC 6265: `a=1; b=2`); the neutral
response carries complete Set-Cookie values in `HttpResponse.cookies`. Platforms differ: some
send request cookies as a list, some want Set-Cookie values in a separate list, some folded.
"""

from __future__ import annotations

from collections.abc import Iterable


def join_cookies(cookies: Iterable[object]) -> str:
    """Request cookies given as a list (`["a=1", "b=2"]`) as one Cookie header value."""
    return "; ".join(str(c) for c in cookies if c is not None and str(c))


def split_cookie_header(value: str) -> dict[str, str]:
    """A Cookie header as name -> value (the first of repeated names wins, as browsers send)."""
    found: dict[str, str] = {}
    for part in value.split(";"):
        name, sep, cookie_value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = cookie_value
    return found


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
