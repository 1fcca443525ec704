"""Bounded nesting for data from outside (imported posts, JSON records, forge exports).

Python's parsers recurse once per `[`/`{` level: a few thousand levels end in a RecursionError,
and every later step that walks the value recurses again. Real front matter and records are a
handful of levels deep, so anything deeper than MAX_DEPTH is refused as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

MAX_DEPTH = 32
DEPTH_HINT = (
    f"fields are text, lists and tables at most {MAX_DEPTH} levels deep; this looks like a broken or hostile file"
)
T = TypeVar("T")


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_DEPTH} levels deep")


def depth(value: object) -> int:
    """How many lists/dicts deep `value` goes (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, tuple, dict)):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def bounded(parse: Callable[[str], T], text: str) -> T:
    """`parse(text)`, refused with TooDeep when the structure is deeper than MAX_DEPTH."""
    try:
        value = parse(text)
    except RecursionError:
        raise TooDeep() from None
    if depth(value[0] if isinstance(value, tuple) else value) > MAX_DEPTH:
        raise TooDeep()
    return value
