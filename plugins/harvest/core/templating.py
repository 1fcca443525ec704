"""Harvest's templates rendered outside MkDocs' page pipeline: digest emails and feeds, the
offline copy's START-HERE page.

One Jinja environment per process (compiled templates are kept), autoescaped: the values are
contributors' text, never markup unless a template is handed `Markup` (HTML already cleaned).
Site pages are rendered by MkDocs' own environment from the same folder, after the user's
overrides/.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2


@lru_cache(maxsize=1)
def template_env() -> jinja2.Environment:
    folder = str(resources.files("harvest").joinpath("templates"))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, **context: object) -> str:
    """`harvest/<name>` from Harvest's templates folder, autoescaped."""
    return template_env().get_template(name).render(**context)
