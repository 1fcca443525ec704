"""Which top-level front-matter fields a story may have.

Unknown fields are errors, so a misspelt or invented privacy field (`Visibility: private`,
`draft: true`, `embargo: 2027-01-01`) can never be ignored while the story goes out public.
A project may allow a few extra fields in mkdocs.yml (`extra_fields:`), but never one whose name
sounds like it controls who sees the story: only `visibility` and `embargo_until` do that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from harvest.core.parse import key_form
from harvest.core.problems import Problem, did_you_mean

# Substrings of names that read as "who may see this" (checked on the name in lower case, with
# everything but letters removed: `is_private`, `Members-Only`, `embargo_date` all match).
PRIVACY_WORDS = (
    "privat",
    "privacy",
    "access",
    "hidden",
    "hide",
    "draft",
    "publish",
    "public",
    "embargo",
    "secret",
    "member",
    "visib",
    "confidential",
    "restrict",
    "redact",
    "unlisted",
    "internal",
    "sensitive",
    "protected",
    "consent",
    "anonym",
)
PRIVACY_HINT = (
    "who may see a story is set only by `visibility:` (e.g. `visibility: members`) and "
    "`embargo_until: YYYY-MM-DD`; how people are credited is set in the contributors registry"
)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def sounds_private(name: str) -> bool:
    letters = "".join(ch for ch in key_form(name) if ch.isalpha())
    return any(word in letters for word in PRIVACY_WORDS)


@lru_cache(maxsize=8)
def _by_form(known: tuple[str, ...]) -> dict[str, str]:
    """The known names by their loose form: the same for every story of a build."""
    return {key_form(name): name for name in known}


def field_name_problems(
    meta_keys: Iterable[str],
    known: Iterable[str],
    allowed_extras: Iterable[str],
    line_of: Callable[[str], int],
    path: str,
) -> list[Problem]:
    """Every top-level field that is neither in the schema nor an allowed extra is an error."""
    known = tuple(known)
    by_form = _by_form(known)
    allowed = set(allowed_extras)
    problems = []
    for name in meta_keys:
        if name in known:
            continue
        line = line_of(name)
        if key_form(name) in by_form:
            problems.append(
                Problem(
                    path,
                    line,
                    name,
                    "unknown field (field names are lowercase, without spaces)",
                    f"write it as `{by_form[key_form(name)]}:`",
                )
            )
        elif sounds_private(name):
            problems.append(
                Problem(
                    path,
                    line,
                    name,
                    "unknown field; it sounds like it should keep the story private, but Harvest would ignore it",
                    PRIVACY_HINT,
                )
            )
        elif name not in allowed:
            hint = did_you_mean(name, known)
            hint = hint if hint.startswith("did you mean") else "fields are: " + ", ".join(known)
            problems.append(
                Problem(
                    path,
                    line,
                    name,
                    "unknown field",
                    hint + "; a project can allow extra fields with `extra_fields:` under the "
                    "harvest plugin in mkdocs.yml",
                )
            )
    return problems


def extra_fields_config_problems(extras: Iterable[str], known: Iterable[str]) -> list[str]:
    """Mistakes in mkdocs.yml's `extra_fields:` (returned as config messages)."""
    problems = []
    for name in extras:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(f"extra_fields: {name!r} is not a field name (lowercase letters, digits and _)")
        elif name in known:
            problems.append(f"extra_fields: '{name}' is already a story field")
        elif sounds_private(name):
            problems.append(
                f"extra_fields: '{name}' sounds like it controls who may see a story, so it cannot "
                f"be an extra field; {PRIVACY_HINT}"
            )
    return problems
