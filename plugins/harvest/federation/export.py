"""`harvest export`: our exchange bundle, made from what one profile may show (default public).

The stories go through `archive.publish` (the privacy choke point: visibility, embargo,
redactions, HTML comments) and `images.publish_images` (metadata stripped), exactly as for our
own site. Contributors travel as the names our profile shows (never handles: a handle may be a
real name given without consent).

A peer's stories are re-shared only when federation.yml says `reshare: true` for that peer, and
then only those public at their origin (a public story in a public bundle): they travel under
`from-<peer>/`, with the credit their archive gave and their provenance (origin archive id and
name, origin id, digest) in `federation.origin`, and the manifest says the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import yaml

from harvest.core.archive import Archive, publish, scan
from harvest.core.fileio import staged_file
from harvest.core.images import publish_images
from harvest.core.model import Story
from harvest.core.problems import HarvestError, Problem
from harvest.core.safepaths import published_folders, refuse_output
from harvest.core.storyfile import dump_story
from harvest.federation.bundle import (
    BUNDLE_NAME,
    LESSONS,
    MANIFEST_JSON,
    NAMESPACE,
    STORIES,
    BundleManifest,
    SharedStory,
)
from harvest.federation.ledger import read_ledger, write_ledger
from harvest.offline import pack as packing

EXPORTED_FIELDS = (
    "id",
    "title",
    "date",
    "event",
    "place",
    "lessons",
    "summary",
    "lang",
    "visibility",
    "images",
    "translation_of",
)


@dataclasses.dataclass
class Exported:
    zip_path: Path
    sha256: str
    manifest: BundleManifest
    signature: Path | None = None
    key_line: str | None = None
    fingerprint: str | None = None


def export(config_file: Path, out_dir: Path, profile: str | None = None, sign_key: Path | None = None) -> Exported:
    from harvest.site.project import load_project

    config, settings = load_project(Path(config_file), profile)
    if settings.profile_level == settings.top_level:
        raise HarvestError(
            [
                Problem(
                    Path(config_file).name,
                    None,
                    "--profile",
                    f"profile '{settings.profile}' shows {settings.top_level} stories; "
                    "a bundle leaves the archive, so it never carries them",
                    "export the public profile (the default), or members for trusted peers",
                )
            ]
        )
    refuse_output(
        Path(out_dir), "--out", [*published_folders(config), (Path(config.site_dir), "the site folder (site_dir)")]
    )
    if sign_key is not None:
        packing._check_key_location(
            Path(sign_key),
            settings,
            [Path(config.docs_dir), Path(out_dir), Path(config.theme.custom_dir or config.docs_dir)],
        )
    from harvest.federation.peers import load_peers

    peers, _ = load_peers(settings)  # (its problems stop the scan below, which reads it too)
    resharing = settings.federation and any(peer.reshare for peer in peers.values())
    collection = scan(dataclasses.replace(settings, federation=resharing))
    if collection.errors:
        raise HarvestError(collection.problems)
    archive = publish(collection)
    archive = dataclasses.replace(archive, stories=[s for s in archive.stories if may_share(s, settings)])
    images, image_errors = publish_images(archive, collection.stories)
    if image_errors:
        raise HarvestError(image_errors)
    entries: dict[str, bytes] = {}
    shared: list[SharedStory] = []
    paths: set[str] = set()  # casefolded: a peer's `from-x/A.md` and our `from-x/a.md` are one file on some disks
    for story in sorted(archive.stories, key=lambda s: s.id):
        data = story_file(archive, story).encode("utf-8")
        path = bundle_path(story.path)
        if path.casefold() in paths:
            raise HarvestError([_collision(settings, story, path)])
        paths.add(path.casefold())
        entries[STORIES + path] = data
        shared.append(
            SharedStory(story.id, path, hashlib.sha256(data).hexdigest(), origin_of(story) if story.origin else None)
        )
    for uri, content in sorted(images.items()):
        entries[STORIES + bundle_path(uri)] = content
    entries[LESSONS] = lessons_file(archive).encode("utf-8")

    ledger = read_ledger(settings)
    shared_ids = {s.id for s in shared}
    withdrawn = tuple(sorted(ledger.exported - shared_ids))
    digest = _content_digest(settings.site_name, settings.profile, entries, withdrawn)
    if digest != ledger.digest or ledger.date is None:
        ledger.sequence, ledger.date, ledger.digest = ledger.sequence + 1, settings.today, digest
    ledger.exported |= shared_ids
    manifest = BundleManifest(
        ledger.archive_id,
        settings.site_name,
        ledger.sequence,
        ledger.date,
        settings.profile,
        tuple(shared),
        tuple(sorted(images)),
        withdrawn,
    )
    entries[MANIFEST_JSON] = manifest.to_json()
    packing._refuse_private_keys(entries)

    target = Path(out_dir) / BUNDLE_NAME
    signature = target.with_name(target.name + ".sig")
    epoch = packing_epoch(manifest)
    # Zip, signature and ledger change together or not at all (the ledger last: a sequence number
    # is never given to two different bundles).
    with staged_file(target) as zip_tmp:
        packing._write_zip(entries, epoch, zip_tmp)
        sha = packing.sha256_file(zip_tmp)
        if sign_key is not None:
            with staged_file(signature) as sig_tmp:
                packing._sign(zip_tmp, Path(sign_key), sig_tmp, NAMESPACE)
        write_ledger(settings, ledger)
    if sign_key is None and signature.exists():
        signature.unlink()  # an earlier bundle's signature would only be refused
    exported = Exported(target, sha, manifest)
    if sign_key is not None:
        exported.signature = signature
        line, exported.fingerprint = packing._public_key(Path(sign_key), "peer", NAMESPACE)
        exported.key_line = " ".join(line.split()[2:4]) if line else None
    return exported


RESHARED = "from-"  # a re-shared peer story's folder in our bundle: from-<peer>/<its path>


def may_share(story: Story, settings) -> bool:
    """Ours: yes (the profile decided). A peer's: only with `reshare: true`, and only a story public
    at its origin, in a bundle made for the public (never more than public, whatever our profile)."""
    if story.origin is None:
        return True
    lowest = settings.visibility_levels[0]
    return story.origin.reshare and story.visibility == lowest and story.origin.profile == lowest


def bundle_path(path: str) -> str:
    """A story's or image's path in our bundle: a peer's (`_federation/<peer>/…`) moves to
    `from-<peer>/…` (a bundle never holds `_` folders; its images move with it)."""
    from harvest.federation.pull import FEDERATION_DIR

    if path.startswith(FEDERATION_DIR + "/"):
        return RESHARED + path.removeprefix(FEDERATION_DIR + "/")
    return path


def origin_of(story: Story) -> dict[str, str]:
    """Where a re-shared story first came from: kept through every later re-share."""
    assert story.origin is not None
    first = story.origin.first
    if first is not None:
        return dict(first)
    return {
        "archive_id": story.origin.archive_id,
        "archive": story.origin.archive_name,
        "id": story.origin.origin_id,
        "digest": story.origin.digest,
    }


def _collision(settings, story: Story, path: str) -> Problem:
    return Problem(
        settings.display_path(settings.stories_dir / story.path),
        None,
        "path",
        f"would be '{path}' in the bundle, where one of our own stories already is",
        f"move our story out of the `{path.split('/', 1)[0]}/` folder (`{RESHARED}<peer>/` holds re-shared stories)",
    )


def packing_epoch(manifest: BundleManifest) -> int:
    from harvest.offline.build import ZIP_EPOCH_MIN, day_epoch

    return max(day_epoch(manifest.date), ZIP_EPOCH_MIN)


def story_file(archive: Archive, story: Story) -> str:
    """The published story as a file: the profile's view, with credit as names (`federation:`)."""
    meta = {name: getattr(story, name) for name in EXPORTED_FIELDS}
    meta["date"] = story.date.isoformat()
    meta["lessons"] = list(story.lessons)
    meta["images"] = list(story.images)
    meta["contributors"] = []
    if story.origin is None:
        people, anonymous = archive.people_of(story)
        meta["federation"] = {"credits": [p.label for p in people], "anonymous": anonymous}
    else:  # re-shared: the credit its archive gave, and where it first came from
        meta["federation"] = {
            "credits": list(story.origin.credits),
            "anonymous": story.origin.anonymous,
            "origin": origin_of(story),
        }
    return dump_story(meta, story.markdown)


def lessons_file(archive: Archive) -> str:
    """Only the lessons the shared stories use (a lesson only hidden stories use could name them)."""
    used = {lesson for story in archive.stories for lesson in story.lessons}
    data = {
        key: {"title": lesson.title, "description": lesson.description}
        for key, lesson in sorted(archive.lessons.items())
        if key in used
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=1000)


def _content_digest(name: str, profile: str, entries: dict[str, bytes], withdrawn: tuple[str, ...]) -> str:
    digest = hashlib.sha256(json.dumps([name, profile, list(withdrawn)]).encode("utf-8"))
    for entry, data in sorted(entries.items()):
        digest.update(f"{entry}\0{hashlib.sha256(data).hexdigest()}\n".encode())
    return digest.hexdigest()
