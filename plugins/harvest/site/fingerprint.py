"""Exact fingerprints of what a page is made from: plain Python, no MkDocs.

A page may be reused from an earlier build only when everything its output depends on is the
same. `Fingerprinter.digest(value)` hashes a canonical form of a value as deep as it goes:
containers, dataclasses (every field), dates, paths, functions (a function with no parameters
is called and its result hashed, as the template would; any other by its code, defaults and
closure). A `Story` is hashed once per build (every field, its text included) and stands in
its pages' data by that hash. When unsure, more goes in, never less: an object it cannot read
raises `Unhashable`, and the page is rendered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import inspect
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

# The objects of one build never change during it: hash each shared one once (by identity;
# the memo keeps it alive, so its id is not reused).
MEMO_TYPES = (dict, list, tuple)


class Unhashable(TypeError):
    """A value whose canonical form is unknown: its page is not reused."""


class Fingerprinter:
    def __init__(self, fallback: Callable[[object], str] | None = None, root: str | None = None) -> None:
        self._memo: dict[int, tuple[object, bytes]] = {}
        # Paths under `root` (the project folder) count from it: a moved or copied archive still
        # has its pages (no page shows where the project lives).
        self._root = root.rstrip("/") if root else None
        # For settings objects of other libraries (MkDocs' config): e.g. `repr`. A repr that
        # names a memory address only makes the key differ every run: never reused, never stale.
        self._fallback = fallback

    def digest(self, value: object) -> str:
        return self._hash(value).hex()

    def _hash(self, value: object) -> bytes:
        key = id(value)
        found = self._memo.get(key)
        if found is not None and found[0] is value:
            return found[1]
        digest = hashlib.blake2b(self._canonical(value), digest_size=20).digest()
        if isinstance(value, MEMO_TYPES) or dataclasses.is_dataclass(value):
            self._memo[key] = (value, digest)
        return digest

    def _canonical(self, value: object) -> bytes:
        # Each kind gets its own tag, so no two values of different kinds share a form.
        if value is None or isinstance(value, bool):
            return repr(value).encode()
        if isinstance(value, str):  # Markup too: a page's text is the same text either way
            return b"s" + self._relative(value).encode("utf-8", "surrogatepass")
        if isinstance(value, bytes):
            return b"b" + value
        if isinstance(value, int | float):
            return b"n" + repr(value).encode()
        if isinstance(value, dt.date | dt.datetime | dt.time):
            return b"d" + type(value).__name__.encode() + value.isoformat().encode()
        if isinstance(value, enum.Enum):
            return b"e" + type(value).__qualname__.encode() + self._hash(value.value)
        if isinstance(value, PurePath):
            return b"p" + self._relative(str(value)).encode("utf-8", "surrogatepass")
        if isinstance(value, list | tuple):
            return b"l" + b"".join(self._hash(item) for item in value)
        if isinstance(value, set | frozenset):
            return b"S" + b"".join(sorted(self._hash(item) for item in value))
        if isinstance(value, Mapping):  # key order is kept: templates iterate in it
            return b"m" + b"".join(self._hash(k) + self._hash(v) for k, v in value.items())
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts = [type(value).__module__ + "." + type(value).__qualname__]
            return (
                b"c"
                + "\0".join(parts).encode()
                + b"".join(self._hash(getattr(value, f.name)) for f in dataclasses.fields(value))
            )
        if isinstance(value, functools.partial):
            return b"P" + self._hash(value.func) + self._hash(value.args) + self._hash(value.keywords)
        if inspect.isfunction(value):
            return self._function(value)
        if self._fallback is not None:
            return b"?" + type(value).__qualname__.encode() + self._fallback(value).encode("utf-8", "surrogatepass")
        raise Unhashable(f"no canonical form for {type(value).__qualname__}")

    def _relative(self, text: str) -> str:
        root = self._root
        if root and text.startswith(root) and (len(text) == len(root) or text[len(root)] in "/\\"):
            return "<project>" + text[len(root) :]
        return text

    def _function(self, function: Callable[..., Any]) -> bytes:
        signature = inspect.signature(function)
        if not any(
            p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            for p in signature.parameters.values()
        ):
            return b"r" + self._hash(function())  # what the template gets when it calls it
        code = function.__code__
        cells = [cell.cell_contents for cell in (function.__closure__ or ())]
        return (
            b"f"
            + f"{function.__module__}.{function.__qualname__}".encode()
            + code_digest(code)
            + self._hash(function.__defaults__ or ())
            + self._hash(function.__kwdefaults__ or {})
            + self._hash(cells)
        )


def code_digest(code) -> bytes:
    """A function's code: its bytecode and constants, nested functions' code included (their
    repr names a memory address)."""
    hasher = hashlib.blake2b(code.co_code, digest_size=20)
    for const in code.co_consts:
        hasher.update(code_digest(const) if inspect.iscode(const) else repr(const).encode("utf-8", "surrogatepass"))
    hasher.update(repr(code.co_names).encode())
    return hasher.digest()


def digest_bytes(*parts: bytes | str) -> str:
    """One hash of several parts (each length-prefixed, so no two splits collide)."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()
