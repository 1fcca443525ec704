"""Images published with stories: only those a visible story shows, always without metadata.

EXIF/XMP/GPS and text chunks are dropped by re-saving the pixels alone with Pillow;
JPEGs keep their quantisation tables (`quality="keep"`) so nothing is re-compressed
more than needed.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from harvest.core.archive import Archive

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)


def image_refs(markdown: str) -> list[str]:
    return _MD_IMAGE.findall(markdown) + _HTML_IMAGE.findall(markdown)


def published_images(archive: Archive) -> dict[str, Path]:
    """src_uri (relative to the stories folder) -> source file, for images shown by visible stories
    (their published text: an image inside a withheld passage is not published)."""
    root = archive.settings.stories_dir.resolve()
    return {file.relative_to(root).as_posix(): file
            for story in archive.stories for _, file in story_image_files(archive.settings.stories_dir, story)}


GPS_IFD = 0x8825


def has_gps(file: Path) -> bool:
    """Does this image carry a GPS location in its EXIF? (Unreadable files: no.)"""
    try:
        with Image.open(file) as image:
            return bool(image.getexif().get_ifd(GPS_IFD))
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def story_image_files(stories_dir: Path, story) -> list[tuple[str, Path]]:
    """(reference, file) for every existing local image a story shows, before any redaction."""
    root = stories_dir.resolve()
    base = (stories_dir / story.path).parent
    found = []
    for ref in (*story.images, *image_refs(story.markdown)):
        if "://" in ref or ref.startswith(("/", "data:", "#")):
            continue
        file = (base / ref.split("#")[0].split("?")[0]).resolve()
        if file.suffix.lower() in IMAGE_SUFFIXES and file.is_relative_to(root) and file.is_file():
            found.append((ref, file))
    return found


def strip_metadata(file: Path) -> bytes:
    """The image's pixels re-saved without EXIF, XMP, GPS, comments or text chunks."""
    try:
        with Image.open(file) as image:
            image.load()
            out = io.BytesIO()
            if image.format == "JPEG":
                image.save(out, format="JPEG", quality="keep", exif=b"", comment=b"")
                return _without_jpeg_app_segments(out.getvalue())
            # A fresh image from raw pixels carries no `info` at all, whatever the format.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            if image.mode in ("P", "PA") and image.getpalette():
                clean.putpalette(image.getpalette())
            clean.save(out, format=image.format or "PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValueError(f"{file.name}: not a readable image ({exc})") from exc


def _without_jpeg_app_segments(data: bytes) -> bytes:
    """Drop APP1..APP15 and COM segments (EXIF, XMP, comments) that an encoder may still carry."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, pos = bytearray(b"\xff\xd8"), 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out += data[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out + data[pos:])
