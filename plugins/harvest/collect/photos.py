"""A contributor's photo, checked by decoding it and stored without its metadata.

The same checks as published images (`core.images`: a bounded decoder, verify + full load,
a pixel cap) run on arrival, and EXIF/GPS/XMP/comments are stripped before anything is
written to the inbox: a photo's location never rests on the maintainer's disk either.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harvest.core.images import ImageRefused, open_checked, strip_metadata

MAX_PHOTO_BYTES = 8_000_000
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


def clean_photo(data: bytes, workdir: Path, max_bytes: int = MAX_PHOTO_BYTES) -> tuple[bytes, str]:
    """-> (the image re-saved without metadata, its suffix). Raises ImageRefused.

    The upload's own file name and content type are never used: only the decoded content counts."""
    if len(data) > max_bytes:
        raise ImageRefused(
            f"is {len(data) / 1_000_000:.1f} MB, over the {max_bytes / 1_000_000:g} MB limit",
            "send a smaller photo (a phone's 'medium' size is plenty)",
        )
    fd, name = tempfile.mkstemp(dir=workdir, prefix="photo-", suffix=".upload")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with open_checked(Path(name)) as image:
            kind = image.format
        if kind not in SUFFIXES:
            raise ImageRefused("is not a JPEG, PNG, GIF or WebP image", "send a JPEG or PNG photo")
        return strip_metadata(Path(name)), SUFFIXES[kind]
    finally:
        os.unlink(name)
