"""Images published with stories: only those a visible story shows, always without metadata.

EXIF/XMP/GPS and text chunks are dropped by re-saving the pixels alone with Pillow;
JPEGs keep their quantisation tables (`quality="keep"`) so nothing is re-compressed
more than needed.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.problems import Problem
from harvest.core.settings import Settings

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")  # the only decoders tried: no exotic format parser sees story files
MAX_IMAGE_PIXELS = 50_000_000  # 50 megapixels: far above any photo a page needs
MAX_IMAGE_BYTES = 25_000_000
IMAGE_HINT = "scale it down (a page needs about 2000 pixels on the long side) and save it as JPEG or PNG"
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)


def image_refs(markdown: str) -> list[str]:
    return _MD_IMAGE.findall(markdown) + _HTML_IMAGE.findall(markdown)


def _inline_refs(markdown: str) -> Iterator[tuple[str, int]]:
    """(reference, offset in the text) for every inline image, in the order image_refs lists them."""
    for pattern in (_MD_IMAGE, _HTML_IMAGE):
        for match in pattern.finditer(markdown):
            yield match.group(1), match.start()


def published_images(archive: Archive) -> dict[str, Path]:
    """src_uri (relative to the stories folder) -> source file, for images shown by visible stories
    (their published text: an image inside a withheld passage is not published)."""
    root = archive.settings.stories_dir.resolve()
    return {
        file.relative_to(root).as_posix(): file
        for story in archive.stories
        for _, file in story_image_files(archive.settings.stories_dir, story, root)
    }


GPS_IFD = 0x8825


def has_gps(file: Path) -> bool:
    """Does this image carry a GPS location in its EXIF? (Unreadable files: no.)"""
    try:
        with _bounded(), Image.open(file, formats=FORMATS) as image:
            return bool(image.getexif().get_ifd(GPS_IFD))
    except Exception:  # noqa: BLE001 - any unreadable image: `image_problems` reports it
        return False


def story_image_files(stories_dir: Path, story: Story, root: Path | None = None) -> list[tuple[str, Path]]:
    """(reference, file) for every existing local image a story shows, before any redaction.
    `root`: `stories_dir.resolve()`, when the caller has it (a path resolved is a system call
    per folder in it: once per story adds up at 5,000 stories)."""
    return [(ref, file) for ref, file, _ in _located(stories_dir, story, root)]


def _located(stories_dir: Path, story: Story, root: Path | None = None) -> list[tuple[str, Path, int | None]]:
    """(reference, file, offset in the body or None for front matter) for each local image file."""
    root = root or stories_dir.resolve()
    base = (stories_dir / story.path).parent
    found = []
    for ref, offset in (*((ref, None) for ref in story.images), *_inline_refs(story.markdown)):
        if "://" in ref or ref.startswith(("/", "data:", "#")):
            continue
        file = (base / ref.split("#")[0].split("?")[0]).resolve()
        if file.suffix.lower() in IMAGE_SUFFIXES and file.is_relative_to(root) and file.is_file():
            found.append((ref, file, offset))
    return found


# --- is it an image we can publish? ---------------------------------------------------------------


class ImageRefused(ValueError):
    """This file cannot be published as an image; the message says why (without naming the file)."""

    def __init__(self, message: str, hint: str = IMAGE_HINT):
        super().__init__(message)
        self.message, self.hint = message, hint


@contextmanager
def _bounded() -> Iterator[None]:
    # Pillow only warns between its own limit and twice that: here a warning is a refusal too.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def open_checked(file: Path) -> Image.Image:
    """The image, fully decoded, after checking its size, pixel count and integrity. Raises ImageRefused.

    Every failure of a decoder on a hostile file counts as "not a usable image", whatever it raises.
    """
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ImageRefused(f"cannot be read: {exc.strerror}", "check the file") from None
    if size > MAX_IMAGE_BYTES:
        raise ImageRefused(
            f"is {size / 1_000_000:.1f} MB, over the {MAX_IMAGE_BYTES // 1_000_000} MB limit for one image"
        )
    try:
        with _bounded():
            with Image.open(file, formats=FORMATS) as image:
                _check_pixels(image.size)
                image.verify()  # checksums and structure, without decoding
            image = Image.open(file, formats=FORMATS)
            try:
                image.load()  # every pixel: a cut-short file fails here, not in the build
            except BaseException:
                image.close()
                raise
            return image
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(f"has more than {MAX_IMAGE_PIXELS // 1_000_000} megapixels") from None
    except UnidentifiedImageError:
        raise ImageRefused(
            "is not a JPEG, PNG, GIF or WebP image",
            "save it again as JPEG or PNG; renaming a file to .jpg does not make it an image",
        ) from None
    except Exception as exc:  # noqa: BLE001 - see the docstring
        raise ImageRefused(f"is damaged or cut short ({exc})", "copy or export it again from the original") from None


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageRefused(f"is {width}×{height} pixels, over the limit of {MAX_IMAGE_PIXELS // 1_000_000} megapixels")


def inspect_image(file: Path) -> ImageRefused | None:
    """Why this image cannot be published, or None."""
    try:
        open_checked(file).close()
    except ImageRefused as refused:
        return refused
    return None


def image_problems(
    settings: Settings, stories: Iterable[Story], judge: Callable[[Path], ImageRefused | None] | None = None
) -> list[Problem]:
    """A Problem for every image a story shows that cannot be published, naming the story, the line
    (of `images:`, or of the inline image in the text) and the image. Each file is opened once."""
    if judge is None:
        verdicts: dict[Path, ImageRefused | None] = {}

        def judge(file: Path) -> ImageRefused | None:
            if file not in verdicts:
                verdicts[file] = inspect_image(file)
            return verdicts[file]

    problems = []
    root = settings.stories_dir.resolve()
    for story in stories:
        source = settings.stories_dir / story.path
        for ref, file, offset in _located(settings.stories_dir, story, root):
            refused = judge(file)
            if refused is None:
                continue
            if offset is None:
                line, field = _field_line(source, "images"), "images"
            else:
                line, field = story.body_line + story.markdown.count("\n", 0, offset), "body"
            problems.append(
                Problem(settings.display_path(source), line, field, f"image '{ref}' {refused.message}", refused.hint)
            )
    return problems


def _field_line(file: Path, name: str) -> int | None:
    """The line of a front-matter field, read from the file (only when a problem is reported)."""
    try:
        lines = file.read_text("utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"{re.escape(name)}\s*:")
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            break
        if pattern.match(line):
            return number
    return None


def publish_images(archive: Archive, stories: Iterable[Story]) -> tuple[dict[str, bytes], list[Problem]]:
    """src_uri -> the image without metadata, for every image the archive publishes; and the problems
    (as `harvest check` words them; `stories` are the unredacted stories, for line numbers)."""
    contents: dict[str, bytes] = {}
    failed: dict[Path, ImageRefused] = {}
    for uri, file in published_images(archive).items():
        try:
            contents[uri] = strip_metadata(file)
        except ImageRefused as refused:
            failed[file] = refused
    if not failed:
        return contents, []
    published = {story.id for story in archive.stories}
    problems = image_problems(archive.settings, [s for s in stories if s.id in published], failed.get)
    return contents, problems or [
        Problem(archive.settings.display_path(file), None, "images", refused.message, refused.hint)
        for file, refused in failed.items()
    ]


def strip_metadata(file: Path) -> bytes:
    """The image's pixels re-saved without EXIF, XMP, GPS, comments or text chunks. Raises ImageRefused."""
    try:
        with open_checked(file) as image:
            out = io.BytesIO()
            if image.format == "JPEG":
                image.save(out, format="JPEG", quality="keep", exif=b"", comment=b"")
                return _without_jpeg_app_segments(out.getvalue())
            # A fresh image from raw pixels carries no `info` at all, whatever the format.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            if image.mode in ("P", "PA") and (palette := image.getpalette()):
                clean.putpalette(palette)
            clean.save(out, format=image.format or "PNG")
            return out.getvalue()
    except ImageRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder or encoder failing on this file
        raise ImageRefused(
            f"cannot be re-saved without its metadata ({exc})", "copy or export it again from the original"
        ) from None


def _without_jpeg_app_segments(data: bytes) -> bytes:
    """Drop APP1..APP15 and COM segments (EXIF, XMP, comments) that an encoder may still carry."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, pos = bytearray(b"\xff\xd8"), 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out += data[pos : pos + 2 + length]
        pos += 2 + length
    return bytes(out + data[pos:])
