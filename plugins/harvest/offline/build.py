"""Build the site for reading from a folder (file://): the MkDocs side of `harvest pack`.

The user's mkdocs.yml is loaded as for `harvest build`, then adjusted in memory only:
no directory URLs, Material's `offline` plugin on (search index inlined as a script),
the vendored polyfills listed so Material never fetches them from unpkg.com, and
SOURCE_DATE_EPOCH pinned (to the newest published story unless the user set it) so
the sitemap and every other dated output are the same on every run.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from mkdocs.config import base
from mkdocs.structure.files import File, Files, InclusionLevel

from harvest.core.problems import HarvestError, Problem
from harvest.site.context import FeaturePlugin

VENDOR_URI = "assets/harvest/vendor/"
# Package resource (under plugins/harvest/assets/vendor/) -> copied into the site; scripts are polyfills.
VENDORED = (
    "iframe-worker/shim/index.js",
    "iframe-worker/LICENSE",
    "resize-observer-polyfill/ResizeObserver.js",
    "resize-observer-polyfill/LICENSE",
)
POLYFILLS = (VENDOR_URI + "iframe-worker/shim/index.js", VENDOR_URI + "resize-observer-polyfill/ResizeObserver.js")
ZIP_EPOCH_MIN = 315532800  # 1980-01-01: the earliest time a zip entry can carry


class NoOptions(base.Config):
    pass


class OfflineAssets(FeaturePlugin[NoOptions]):
    """Added by `harvest pack` to the config it builds (not an entry point): ships the vendored
    scripts that keep Material from fetching them from unpkg.com."""

    def __init__(self):
        super().__init__()
        self.load_config({})

    def on_config(self, config):
        self.context = None
        return config

    def on_files(self, files: Files, *, config) -> Files:
        self.require_context()
        vendor = resources.files("harvest").joinpath("assets/vendor")
        for name in VENDORED:
            if files.get_file_from_path(VENDOR_URI + name) is not None:  # the core ships some in every build
                continue
            files.append(
                File.generated(
                    config,
                    VENDOR_URI + name,
                    content=vendor.joinpath(name).read_bytes(),
                    inclusion=InclusionLevel.NOT_IN_NAV,
                )
            )
        return files


@dataclass(frozen=True)
class OfflineBuild:
    epoch: int  # the archive's date: SOURCE_DATE_EPOCH, else the newest published story's day
    stories: int
    profile: str


def day_epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def epoch_from_env() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    if not value.strip().isdigit() or int(value) < ZIP_EPOCH_MIN:
        raise HarvestError(
            [
                Problem(
                    "SOURCE_DATE_EPOCH",
                    None,
                    "environment",
                    f"'{value}' is not usable",
                    "give seconds since 1970 from 1980 on (e.g. `date -d 2026-03-14 +%s`), "
                    "or unset it to use the newest story's date",
                )
            ]
        )
    return int(value)


@contextmanager
def _source_date_epoch(epoch: int):
    """SOURCE_DATE_EPOCH for MkDocs (its sitemap and page dates read it), during the build only."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def offline_config(config_file: Path, site_dir: Path, profile: str | None = None, federation: bool = False):
    """mkdocs.yml as the offline build sees it: every change made as plugin options, in memory."""
    from harvest.site.project import load_mkdocs_config, plugins_with

    listed = {next(iter(entry)) for entry in plugins_with(config_file, {})}
    # pack reads every page of its copy for outside requests: the build need not read some first
    # Peers' stories only when asked (`pack --federation`): a copy is ours unless we choose to carry theirs.
    options: dict[str, dict] = {
        "harvest": {"check_site": False, "federation": federation, **({"profile": profile} if profile else {})}
    }
    offline = next((name for name in ("material/offline", "offline") if name in listed), "material/offline")
    options[offline] = {"enabled": True}
    if "harvest-digests" in listed:
        # Feeds and email files are for feed readers and mail clients, which a USB copy has no use for
        # (and at 1,000 stories they would be a third of the zip); their links go with them.
        options["harvest-digests"] = {"feeds": False, "emails": False}
    config = load_mkdocs_config(config_file, options, strict=True, site_dir=str(site_dir), use_directory_urls=False)
    # Listed before Material's on_config runs, so it does not add https://unpkg.com/iframe-worker/shim.
    polyfills = [p for p in POLYFILLS if p not in config.extra.get("polyfills", [])]
    config.extra["polyfills"] = polyfills + list(config.extra.get("polyfills", []))
    config.plugins["harvest-offline-assets"] = OfflineAssets()
    return config


def build_offline(
    config_file: Path, site_dir: Path, profile: str | None = None, federation: bool = False
) -> OfflineBuild:
    """Build the site into `site_dir`, dated by SOURCE_DATE_EPOCH or the newest published story."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    from harvest.core.archive import load_archive
    from harvest.core.background import stop_all
    from harvest.site.project import settings_from_file

    epoch = epoch_from_env()  # a bad value fails before anything is built
    settings = replace(settings_from_file(config_file, profile), federation=federation)
    archive, _ = load_archive(settings)
    if not archive.stories:
        raise HarvestError(
            f"harvest pack: profile '{settings.profile}' publishes no stories, so there is nothing to pack"
        )
    if epoch is None:
        epoch = day_epoch(archive.stories[0].date)  # newest first
    config = offline_config(config_file, site_dir, profile, federation)
    with _source_date_epoch(epoch):
        try:
            build(config)
        except (MkDocsException, Abort) as error:
            raise HarvestError(f"harvest pack: the offline build failed: {error}") from None
        finally:  # (before the caller removes its folder) nothing may write into it afterwards
            stop_all()
    return OfflineBuild(epoch, len(archive.stories), settings.profile)
