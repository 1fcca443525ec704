"""Exact fingerprints of what a page is made from: plain Python, no MkDocs.

A page may be reused from an earlier build only when everything its output depends on is the
same. `Fingerprinter.digest(value)` hashes a canonical form of a value as deep as it goes:
containers, dataclasses (every field), dates, paths, functions (a function with no parameters
is called and its result hashed, as the template would; any other by its code, defaults and
closure). When unsure, more goes in, never less: an object it cannot read raises
`Unhashable`, and the page is rendered.

The form is a Merkle tree written with `marshal` (format 0: no references, no interning
marks, so equal values give equal bytes; and what it writes reads back as the same types and
values, so unequal values give unequal bytes). A node -- a container, a dataclass -- is one
marshalled list of its items' forms: scalars of the exact types marshal knows (str, int, float,
bool, None, bytes) as themselves, anything else as a tagged tuple (a date as its type and ISO
text, a node as the hash of its own form). Genuine tuples never appear as themselves, so a tag
cannot be mistaken for a value. A node shared by many pages (a `Story`, the stories of a
lesson) is hashed once per build: the memo keeps it by identity (and alive, so its id is not
reused). One C call per node instead of a Python call per value is what makes keying 10,000
pages cheap.

Small values are written in place, inside the form of what holds them, not hashed as nodes of
their own: a list or tuple of at most `SHORT` items as the list of their forms, a dict of at
most `SHORT` items and a dataclass of a few short scalars (a credited person) as a tagged tuple
around theirs. A page holds thousands of them (its (story, answer) pairs, each story's lessons
and credits), and hashing each apart was a third of keying 5,000 stories' pages. In place, a
value is still written by its items' forms, as its node would be: it stays as distinct from
every other value. Its form is kept by identity too, as a node's hash is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import inspect
import marshal
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

MARSHAL = 0  # format 0: no back-references or interning flags (equal values, equal bytes)
SCALARS = frozenset({str, int, float, bool, type(None), bytes})  # exact types: marshal writes each its own way
# The objects of one build never change during it: hash each shared one once (by identity;
# the memo keeps it alive, so its id is not reused). Dataclasses too.
MEMO_TYPES = (dict, list, tuple)
SHORT = 8  # a list, tuple or dict of at most this many items is written in place (a story's lessons)
# A dataclass of scalars with more text than this is a node: its hash stands for it wherever it
# is shown again (a section's answer in its story and on the Answers pages), not its text.
RECORD_TEXT = 200
_DATES = (dt.date, dt.datetime, dt.time)
_FIELDS: dict[type, tuple[str, ...]] = {}  # dataclass type -> its field names (dataclasses.fields is slow)
# Tags of the tuples that stand for what is not a plain scalar (see the module's docstring).
NODE, DATE, PATH, TEXT, NUMBER, BYTES, MAP, RECORD = range(8)


class Unhashable(TypeError):
    """A value whose canonical form is unknown: its page is not reused."""


def _sized(value: object) -> bool:
    return type(value) is str or type(value) is bytes


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


class Fingerprinter:
    def __init__(self, fallback: Callable[[object], str] | None = None, root: str | None = None) -> None:
        self._memo: dict[int, tuple[object, object]] = {}  # id -> (value, its form as an item)
        # Paths under `root` (the project folder) count from it: a moved or copied archive still
        # has its pages (no page shows where the project lives).
        self._root = root.rstrip("/") if root else None
        # For settings objects of other libraries (MkDocs' config): e.g. `repr`. A repr that
        # names a memory address only makes the key differ every run: never reused, never stale.
        self._fallback = fallback

    def digest(self, value: object) -> str:
        return hashlib.blake2b(self._marshal([value]), digest_size=20).hexdigest()

    def _marshal(self, items) -> bytes:
        return marshal.dumps(self._forms(items), MARSHAL)

    def _forms(self, items) -> list:
        scalars = SCALARS
        out = [x if type(x) in scalars else self._item(x) for x in items]
        if self._root is not None:
            out = [self._relative(x) if type(x) is str else x for x in out]
        return out

    def _item(self, value: object) -> object:
        """`value` (not a plain scalar) as an item of its container."""
        found = self._memo.get(id(value))
        if found is not None and found[0] is value:  # (a story seen on another page)
            return found[1]
        kind = type(value)
        if kind is list or kind is tuple or kind is dict:
            if len(value) > SHORT:  # type: ignore[arg-type]
                return self._node(value)
            # In place, the form kept by identity as a node's is: an answer's (story, section)
            # pair stands on its Answers page once, and again for each of its lessons.
            if kind is dict:
                form: object = (MAP, self._forms([x for pair in value.items() for x in pair]))  # type: ignore[attr-defined]
            else:
                form = self._forms(value)  # the list of its items' forms
            self._memo[id(value)] = (value, form)
            return form
        if kind in _FIELDS:  # a dataclass seen before
            return self._record(value)
        if isinstance(value, _DATES):
            return (DATE, type(value).__name__, value.isoformat())
        if isinstance(value, PurePath):
            return (PATH, self._relative(str(value)))
        if isinstance(value, str):  # Markup: a page's text, marked safe
            return (TEXT, type(value).__qualname__, str(value))
        if isinstance(value, int | float) and not isinstance(value, enum.Enum):  # (bool is never subclassed)
            return (NUMBER, type(value).__qualname__, repr(value))
        if isinstance(value, bytes):
            return (BYTES, type(value).__qualname__, bytes(value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            _field_names(kind)
            return self._record(value)
        return self._node(value)

    def _record(self, value: object) -> object:
        """A dataclass instance: in place when its fields are all plain scalars and short, else a node."""
        kind = type(value)
        fields = [getattr(value, name) for name in _FIELDS[kind]]
        if not all(type(x) in SCALARS for x in fields) or sum(map(len, filter(_sized, fields))) > RECORD_TEXT:
            return self._node(value)
        form = (RECORD, f"{kind.__module__}.{kind.__qualname__}", self._forms(fields))
        self._memo[id(value)] = (value, form)
        return form

    def _node(self, value: object) -> tuple:
        """(NODE, the hash of `value`'s own form): kept by identity for the containers, dataclasses
        and functions by code (not called: the template passes them arguments), the same few on
        every page."""
        form = self._form(value)
        node = (NODE, hashlib.blake2b(form, digest_size=20).digest())
        if isinstance(value, MEMO_TYPES) or type(value) in _FIELDS or form[:1] == b"f":
            self._memo[id(value)] = (value, node)
        return node

    def _form(self, value: object) -> bytes:
        # A kind's tag, then one marshalled list.
        if type(value) in _FIELDS or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            kind = type(value)
            names = _field_names(kind)
            return b"c" + self._marshal([f"{kind.__module__}.{kind.__qualname__}", *[getattr(value, n) for n in names]])
        if isinstance(value, list | tuple):
            return b"l" + self._marshal(value)
        if type(value) is dict:
            return b"m" + self._marshal([x for pair in value.items() for x in pair])
        if isinstance(value, Mapping):  # key order is kept: templates iterate in it
            return b"m" + self._marshal([x for pair in value.items() for x in pair])
        if isinstance(value, set | frozenset):
            return b"S" + marshal.dumps(sorted(self._marshal([x]) for x in value), MARSHAL)
        if isinstance(value, enum.Enum):
            return b"e" + self._marshal([type(value).__qualname__, value.value])
        if isinstance(value, functools.partial):
            return b"P" + self._marshal([value.func, value.args, value.keywords])
        if inspect.isfunction(value):
            return self._function(value)
        if self._fallback is not None:
            return b"?" + marshal.dumps([type(value).__qualname__, self._fallback(value)], MARSHAL)
        raise Unhashable(f"no canonical form for {type(value).__qualname__}")

    def _relative(self, text: str) -> str:
        root = self._root
        if root and text.startswith(root) and (len(text) == len(root) or text[len(root)] in "/\\"):
            return "<project>" + text[len(root) :]
        return text

    def _function(self, function: Callable[..., Any]) -> bytes:
        if not needs_arguments(function):
            return b"r" + self._marshal([function()])  # what the template gets when it calls it
        code = function.__code__
        cells = [cell.cell_contents for cell in (function.__closure__ or ())]
        return b"f" + self._marshal(
            [
                f"{function.__module__}.{function.__qualname__}",
                code_digest(code),
                function.__defaults__ or (),
                function.__kwdefaults__ or {},
                cells,
            ]
        )


def needs_arguments(function: Callable[..., Any]) -> bool:
    """Does calling `function` need an argument? From its code when it is a plain function (a
    lambda: no attributes), else as `inspect.signature` says (it follows `__wrapped__` and
    `__signature__`)."""
    if not vars(function):
        code = function.__code__
        required = code.co_argcount - len(function.__defaults__ or ())
        keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
        return required > 0 or any(name not in (function.__kwdefaults__ or {}) for name in keyword_only)
    signature = inspect.signature(function)
    return any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        for p in signature.parameters.values()
    )


@functools.lru_cache(maxsize=4096)
def code_digest(code) -> bytes:
    """A function's code: its bytecode and constants, nested functions' code included (their
    repr names a memory address). Remembered: a page's data holds the same few functions as
    every other page's (~25,000 calls a build at 5,000 stories), and code never changes; equal
    code objects (the memo's keys) have equal bytecode, constants and names."""
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
