"""Which host a URL in a published page makes a reader's browser contact, judged as the browser reads it.

Browsers normalise a URL before they fetch it (WHATWG URL Standard): they drop tabs and
newlines anywhere, strip leading and trailing spaces and control characters, read `\\` as
`/` in http(s) and file URLs, lowercase the scheme, and resolve `https:host/x` against
the page (same host from an https page, `https://host/x` from a file:// page). Guessing
those rules with string tests let `/\\host/x.png` through, so the judgement is made by
ada (the WHATWG parser Node.js uses), for a page of the site on the web and for the same
page in the offline copy opened from disk. The sanitiser and the outside-request check
(`harvest pack`, `harvest check --offline`, every build) ask the same two functions.
"""

from __future__ import annotations

import re

from ada_url import URL

# A page of the site as a browser sees it: served over https, and opened from the unzipped copy.
# `.invalid` can never be a real host, so no absolute URL can pass for one of the site's own.
PAGE_BASES = ("https://archive.invalid/stories/page/", "file:///copy/site/stories/page/")
# Schemes that fetch nothing from a host when a page loads them (a `data:` image is inline).
HOSTLESS_SCHEMES = {"data:", "blob:", "about:", "javascript:", "mailto:", "tel:", "sms:"}
_PAGES = tuple((base, URL(base).protocol, URL(base).host) for base in PAGE_BASES)

# Fast path, same answer: a path-relative or path-absolute reference with no scheme (no `:`),
# no backslash, space or control character and not starting `//` cannot name a host; what
# follows `?` or `#` cannot either. Most URLs in a built site are of this kind.
_PLAIN_RELATIVE = re.compile(r"(?!//)[A-Za-z0-9._~%!$&'()*+,;=@/-]*(?:[?#].*)?", re.DOTALL)


def _resolve(url: str, base: str) -> URL | None:
    try:
        return URL(url, base=base)
    except ValueError:  # the browser cannot read it either
        return None


def outside_host(url: str) -> str | None:
    """The host (or, without one, the URL) that loading `url` from a page of the site would
    contact, from the web site or from the offline copy; None when it stays on the site or on
    the reader's own disk. A URL the browser cannot parse is reported rather than guessed at."""
    if _PLAIN_RELATIVE.fullmatch(url):
        return None
    for base, protocol, host in _PAGES:
        resolved = _resolve(url, base)
        if resolved is None:
            return url.strip() or url
        if resolved.protocol in HOSTLESS_SCHEMES:
            return None
        if resolved.protocol == protocol and resolved.host == host:
            continue
        if resolved.protocol == "file:" and resolved.host == "":
            continue  # the reader's own disk (a web page may not read it at all)
        return resolved.hostname or resolved.href
    return None


def stays_in_site(url: str) -> bool:
    """True when `url` is a reference to the site itself both on the web and from the offline
    copy: the only kind of URL a story may make the browser load (an image's src). Absolute
    URLs never pass (an https URL leaves the offline copy, a file URL the web site), and neither
    do `data:`, `javascript:` or any other scheme."""
    if _PLAIN_RELATIVE.fullmatch(url):
        return True
    for base, protocol, host in _PAGES:
        resolved = _resolve(url, base)
        if resolved is None or resolved.protocol != protocol or resolved.host != host:
            return False
    return True
