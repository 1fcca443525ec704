"""Material's navigation sidebar rendered once per distinct nav, not once per page.

Every story page (most of a site) is outside the nav, and Material's `partials/nav.html` then
writes the same HTML for each of them: what it reads of the page is whether the page is in
the nav (none of its items is) and the page's address (its links are relative to it). Its
rendering was ~7% of a cold build at 1,000 stories. So the rendered partial is kept for the
build, keyed by everything the partial reads that differs between pages: each nav item's
title, address as written in this page (relative) and active state, and `base_url`.

Only Material's own templates qualify (9.x, whose reads are listed above): when a user's
`overrides/` replaces `partials/nav.html` or one of the partials it includes, which may read
anything of the page, every page renders its own. A page in the nav always renders its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# The nav partial and every template it includes or imports.
NAV_TEMPLATES = ("partials/nav.html", "partials/nav-item.html", "partials/logo.html", "partials/source.html")


def material_templates() -> Path | None:
    from importlib.util import find_spec

    spec = find_spec("material")
    if spec is None or spec.origin is None:
        return None
    return (Path(spec.origin).parent / "templates").resolve()


def install(env: Any) -> bool:
    """Memoise `partials/nav.html` in this build's Jinja environment. -> whether it was."""
    import jinja2

    home = material_templates()
    if home is None:
        return False
    try:
        templates = [env.get_template(name) for name in NAV_TEMPLATES]
    except jinja2.TemplateNotFound:
        return False
    if any(t.filename is None or not Path(t.filename).resolve().is_relative_to(home) for t in templates):
        return False  # a user's template: it may read anything of the page
    nav_template = templates[0]
    nav_template.root_render_func = memoised(nav_template.root_render_func)
    return True


def memoised(render: Callable[[Any], Iterator[str]]) -> Callable[[Any], Iterator[str]]:
    rendered: dict[tuple, str] = {}

    def render_nav(context: Any) -> Iterator[str]:
        key = nav_key(context)
        if key is None:
            yield from render(context)
            return
        html = rendered.get(key)
        if html is None:
            html = rendered[key] = "".join(render(context))
        yield html

    return render_nav


def nav_key(context: Any) -> tuple | None:
    """What the nav partial reads that differs between pages, or None when the page is in the nav
    (its item is marked, and may hold its table of contents)."""
    from mkdocs.utils import normalize_url

    page, nav = context.get("page"), context.get("nav")
    if page is None or nav is None or getattr(page, "parent", None) is not None:
        return None
    if any(item is page for item in nav.pages):
        return None
    base = context.get("base_url", "")
    homepage = getattr(nav, "homepage", None)
    extra = getattr(context.get("config"), "extra", None) or {}
    chosen = extra.get("homepage") if isinstance(extra, dict) else None  # Material's logo link, if set
    items: list[tuple] = [
        ("home", normalize_url(homepage.url, page, base) if homepage is not None else None),
        ("extra.homepage", normalize_url(str(chosen), page, base) if chosen else None),
    ]
    for item in _walk(nav.items):
        url = getattr(item, "url", None)
        items.append(
            (
                type(item).__name__,
                str(item.title),
                normalize_url(url, page, base) if url is not None else None,
                bool(item.active),
            )
        )
    return (base, tuple(items))


def _walk(items: list[Any]) -> Iterator[Any]:
    for item in items:
        yield item
        yield from _walk(getattr(item, "children", None) or [])
