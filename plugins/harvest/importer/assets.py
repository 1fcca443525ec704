"""Images of imported posts: found where the old generator found them, copied next to the story
without their metadata.

Each image a post shows is looked up the way its generator did (see `oldsite.py`), decoded with
the archive's own bounds (`core.images`: JPEG, PNG, GIF, WebP only, pixel and byte caps) and
re-saved without EXIF/XMP/GPS into a staging folder; the run copies it into `<story id>/` next to
the story file only when the whole import succeeds. The story then shows it inline where the
post did (`![alt](<story id>/name.jpg)`).

Remote images are fetched only when asked (`--fetch-remote-images`): once per address per run,
http(s) only (redirects too), with a size cap and a deadline, and kept only if they decode as an
image. A re-import reuses the copy already next to the story instead of fetching it again.
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from harvest.core.images import IMAGE_SUFFIXES, ImageRefused, strip_metadata
from harvest.core.safepaths import leaves
from harvest.core.text import slugify
from harvest.importer.oldsite import OldSite

MAX_FETCH_BYTES = 10_000_000
FETCH_SECONDS = 20
_FORMATS = ((b"\xff\xd8", ".jpg"), (b"\x89PNG", ".png"), (b"GIF8", ".gif"))


@dataclass
class StagedImage:
    reference: str  # as the story writes it: <story id>/<name>
    staged: Path | None  # the clean copy to install; None when the copy next to the story is reused


class _HttpOnly(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.URLError(f"redirected to a non-web address ({urlsplit(newurl).scheme}:)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, limit: int = MAX_FETCH_BYTES, seconds: float = FETCH_SECONDS) -> bytes:
    """The bytes at `url` (http or https), at most `limit`, within `seconds`. Raises ValueError."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("only http and https addresses are fetched")
    opener = urllib.request.build_opener(_HttpOnly)
    request = urllib.request.Request(url, headers={"User-Agent": "harvest-import", "Accept": "image/*"})
    deadline = time.monotonic() + seconds
    try:
        with opener.open(request, timeout=seconds) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise ValueError(f"it is {int(length) // 1_000_000} MB, over the {limit // 1_000_000} MB limit")
            chunks, size = [], 0
            while chunk := response.read(65536):
                size += len(chunk)
                if size > limit:
                    raise ValueError(f"it is over the {limit // 1_000_000} MB limit")
                if time.monotonic() > deadline:
                    raise ValueError(f"it took over {seconds:.0f} seconds")
                chunks.append(chunk)
            return b"".join(chunks)
    except (urllib.error.URLError, OSError) as exc:
        raise ValueError(f"it could not be fetched ({getattr(exc, 'reason', exc)})") from None


def _suffix(data: bytes) -> str:
    for magic, suffix in _FORMATS:
        if data.startswith(magic):
            return suffix
    return ".webp" if data[8:12] == b"WEBP" else ".img"


class ImageFinder:
    """One per import: finds, cleans and stages images; each remote address is fetched once."""

    def __init__(self, site: OldSite | None, staging: Path, fetch_remote: bool = False, fetcher=fetch):
        self.site, self.staging, self.fetch_remote, self.fetcher = site, staging, fetch_remote, fetcher
        self._cleaned: dict[Path, Path | ImageRefused] = {}  # source file -> its clean copy in staging
        self._fetched: dict[str, Path | str] = {}  # address -> its clean copy, or why not

    def for_story(self, story_id: str, post_file: Path | None, existing_story: Path | None) -> StoryImages:
        return StoryImages(self, story_id, post_file, existing_story)

    def local_file(self, src: str, post_file: Path | None) -> Path | None:
        """The file an image reference named on the old site, or None."""
        site = self.site
        if site is None:
            return None
        parts = urlsplit(src)
        path = unquote(parts.path)
        site_path = site.site_path(src)
        candidates: list[tuple[Path, Path]] = []  # (file, the folder it must stay in)
        if site_path is not None:
            candidates += [(root / site_path.lstrip("/"), root) for root in site.image_roots]
        elif not (parts.scheme or parts.netloc):
            if post_file is not None:
                candidates.append((post_file.parent / path, site.boundary))
            candidates += [(root / path, root) for root in site.image_roots]
        for file, folder in candidates:
            if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file() and not leaves(file, folder):
                return file
        return None

    def _keep(self, data: bytes) -> Path:
        """Staged once per distinct image (held on disk, not in memory, until the run installs it)."""
        staged = self.staging / f"{len(self._cleaned) + len(self._fetched)}{_suffix(data)}"
        staged.write_bytes(data)
        return staged

    def cleaned(self, file: Path) -> Path | ImageRefused:
        """The local image's clean copy, or why it cannot be published."""
        if file not in self._cleaned:
            try:
                self._cleaned[file] = self._keep(strip_metadata(file))
            except ImageRefused as refused:
                self._cleaned[file] = refused
        return self._cleaned[file]

    def remote(self, url: str) -> Path | str:
        """The clean copy of the image at `url`, or why not."""
        if url not in self._fetched:
            download = self.staging / "download"
            try:
                download.write_bytes(self.fetcher(url))
                self._fetched[url] = self._keep(strip_metadata(download))  # decoding is the type check
            except ImageRefused as refused:  # before ValueError, which it is too
                self._fetched[url] = f"it {refused.message}"
            except ValueError as exc:
                self._fetched[url] = str(exc)
            finally:
                download.unlink(missing_ok=True)
        return self._fetched[url]


@dataclass
class StoryImages:
    finder: ImageFinder
    story_id: str
    post_file: Path | None
    existing_story: Path | None
    staged: list[StagedImage] = field(default_factory=list)
    _names: dict[object, str] = field(default_factory=dict)

    def place(self, src: str) -> tuple[str | None, str | None]:
        """(reference of the copy next to the story, None) or (None, why it was not copied) or
        (None, None) when the image is not this import's to copy (not found; remote, not fetched)."""
        src = src.strip()
        file = self.finder.local_file(src, self.post_file)
        if file is not None:
            clean = self.finder.cleaned(file)
            if isinstance(clean, ImageRefused):
                return None, f"image '{src}' not imported: it {clean.message}"
            return self._stage(file, Path(file.name).stem, clean), None
        external = urlsplit(src).scheme in ("http", "https") or src.startswith("//")
        if not (external and self.finder.fetch_remote):
            return None, None
        url = "https:" + src if src.startswith("//") else src
        if url in self._names:
            return f"{self.story_id}/{self._names[url]}", None
        stem = slugify(Path(unquote(urlsplit(url).path)).stem)[:40] or "image"
        name = f"{stem}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}"
        reused = self._reusable(name)
        if reused is not None:
            return self._remember(url, reused.name, None), None
        fetched = self.finder.remote(url)
        if isinstance(fetched, str):
            return None, f"remote image {src} not fetched: {fetched}"
        return self._stage(url, name, fetched, exact=True), None

    def _reusable(self, name: str) -> Path | None:
        """The copy a previous import fetched, next to the story (so it is fetched only once)."""
        if self.existing_story is None:
            return None
        folder = self.existing_story.parent / self.story_id
        return next((f for f in sorted(folder.glob(name + ".*")) if f.suffix in IMAGE_SUFFIXES), None)

    def _stage(self, origin: object, stem: str, clean: Path, exact: bool = False) -> str:
        if origin in self._names:
            return f"{self.story_id}/{self._names[origin]}"
        base, suffix = (stem if exact else (slugify(stem)[:60] or "image")), clean.suffix
        name, number = base + suffix, 1
        while name in self._names.values():
            number += 1
            name = f"{base}-{number}{suffix}"
        return self._remember(origin, name, clean)

    def _remember(self, origin: object, name: str, staged: Path | None) -> str:
        self._names[origin] = name
        reference = f"{self.story_id}/{name}"
        self.staged.append(StagedImage(reference, staged))
        return reference
