"""Unit tests of the federation format helpers: a peer's manifest of any shape is refused with a
message, never a traceback; credits counts are whole numbers."""

import datetime as dt
import json

import pytest

from harvest.federation.bundle import BundleRefused, anonymous_count, parse_manifest
from harvest.federation.ledger import Ledger, ledger_text

GOOD = {
    "format": "harvest-federation/1",
    "archive": {"id": "0123456789abcdef0123456789abcdef", "name": "Riverside"},
    "sequence": 3,
    "date": "2026-01-02",
    "profile": "public",
    "stories": [{"id": "2026-01-kitchen", "path": "2026/kitchen.md", "sha256": "a" * 64}],
    "images": ["2026/kitchen.jpg"],
    "withdrawn": [],
}


def _manifest(**changes):
    return json.dumps({**GOOD, **changes}).encode("utf-8")


def test_a_good_manifest_is_read():
    manifest = parse_manifest(_manifest())
    assert (manifest.archive_name, manifest.sequence, manifest.date.isoformat()) == ("Riverside", 3, "2026-01-02")
    assert [(s.id, s.path) for s in manifest.stories] == [("2026-01-kitchen", "2026/kitchen.md")]
    assert manifest.images == ("2026/kitchen.jpg",)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"archive": "riverside"}, "archive id missing or malformed"),
        ({"archive": ["0123456789abcdef0123456789abcdef"]}, "archive id missing or malformed"),
        ({"archive": 7}, "archive id missing or malformed"),
        ({"stories": 5}, "the stories or images are not a list"),
        ({"stories": {"id": "x"}}, "the stories or images are not a list"),
        ({"images": 7}, "the stories or images are not a list"),
        ({"images": "2026/kitchen.jpg"}, "the stories or images are not a list"),
        ({"date": 20260102}, "export date missing or malformed"),
        ({"date": ["2026-01-02"]}, "export date missing or malformed"),
        ({"stories": [{"id": "2026-01-kitchen", "path": 12, "sha256": "a" * 64}]}, "path 12 is an empty path"),
        ({"images": [None]}, "image path None is an empty path"),
    ],
)
def test_a_malformed_manifest_is_refused_with_a_message(changes, message):
    with pytest.raises(BundleRefused) as refused:
        parse_manifest(_manifest(**changes))
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "value, count",
    [
        (2, 2),
        (0, 0),
        (True, 0),
        (False, 0),
        (-3, 0),
        (5000, 999),
        ("2", 0),
        (None, 0),
        (1.5, 0),
        ([1], 0),
    ],
)
def test_anonymous_count_is_a_whole_number(value, count):
    assert anonymous_count(value) == count


@pytest.mark.parametrize(
    "ledger, lines",
    [
        (Ledger("0123456789abcdef0123456789abcdef"), ["archive 0123456789abcdef0123456789abcdef"]),
        (
            Ledger("0123456789abcdef0123456789abcdef", 2, dt.date(2026, 3, 4), "ff", {"b", "a"}),
            ["archive 0123456789abcdef0123456789abcdef", "last 2 2026-03-04 ff", "exported a", "exported b"],
        ),
    ],
)
def test_ledger_text(ledger, lines):
    text = ledger_text(ledger)
    assert [line for line in text.split("\n") if line and not line.startswith("#")] == lines


ORIGIN = {"archive_id": "f" * 32, "archive": "Riverside", "id": "2026-01-kitchen", "digest": "b" * 64}


@pytest.mark.parametrize(
    "origin",
    [
        "riverside",
        {**ORIGIN, "archive_id": "x"},
        {**ORIGIN, "id": "../x"},
        {**ORIGIN, "digest": "b" * 63},
        {**ORIGIN, "archive": "a\nb"},
        {**ORIGIN, "extra": "1"},
        {k: v for k, v in ORIGIN.items() if k != "digest"},
    ],
)
def test_a_malformed_reshared_origin_is_refused(origin):
    stories = [
        {"id": "riverside--2026-01-kitchen", "path": "from-riverside/k.md", "sha256": "a" * 64, "origin": origin}
    ]
    with pytest.raises(BundleRefused) as refused:
        parse_manifest(_manifest(stories=stories, images=[]))
    assert "origin malformed" in str(refused.value)


def test_a_reshared_origin_is_read():
    stories = [
        {"id": "riverside--2026-01-kitchen", "path": "from-riverside/k.md", "sha256": "a" * 64, "origin": ORIGIN}
    ]
    manifest = parse_manifest(_manifest(stories=stories, images=[]))
    assert manifest.stories[0].origin == ORIGIN
