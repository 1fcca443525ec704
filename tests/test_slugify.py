"""`core.text.slugify`: the part of every URL and id made from a name (remembered per text)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from harvest.core.text import slugify

CASES = [
    ("Saltwick Yards", "saltwick-yards"),
    ("  Old Quay / North  ", "old-quay-north"),
    ("Café Münster", "cafe-munster"),
    ("Mutual care!", "mutual-care"),
    ("a" * 90, "a" * 80),
]


@pytest.mark.parametrize(("text", "slug"), CASES)
def test_slugs_by_hand(text, slug):
    assert slugify(text) == slug
    assert slugify(text) == slug  # remembered: the same answer again


def test_text_with_no_latin_letters_gets_a_digest_of_its_own():
    tokyo, osaka = slugify("東京"), slugify("大阪")
    assert tokyo.startswith("x") and len(tokyo) == 11 and tokyo != osaka


def test_text_marked_safe_and_other_values_slug_as_their_text():
    assert slugify(Markup("Saltwick Yards")) == "saltwick-yards"
    assert slugify(2026) == "2026"  # type: ignore[arg-type]
    assert slugify(["a"]) == "a"  # type: ignore[arg-type]  (unhashable: not remembered, still answered)
