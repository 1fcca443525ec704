#!/usr/bin/env python3
"""Screenshots of the pages a reader and an organiser see, at phone, laptop and projector sizes.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--site SITE]

Builds the sample archive (a copy, in a temporary folder) unless --site names a built site, then
opens each page from file:// in headless Chromium (Debian's /usr/bin/chromium, or
$HARVEST_CHROMIUM) and writes <out>/<page>-<width>x<height>.png, full page. Requests to other
hosts are blocked and listed. Look at them before calling a layout change done.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = [(390, 844), (1440, 900), (1920, 1080)]
STORY = "2025/generator-pantry/"  # has a translation, a read-aloud view and answers
SESSION = "readings/2026-12-assembly/"  # a reading session: five stories read aloud in a row
# name -> (site-relative page, what to do once it is open)
PAGES = {
    "home": ("", None),
    "story": (STORY, None),
    "story-es": ("2025/generador-despensa/", None),
    "lesson": ("lessons/resources/", None),
    "lessons": ("lessons/", None),
    "answers": ("answers/missing/", None),
    "timeline": ("timeline/", None),
    "year": ("timeline/2025/", None),
    "digests": ("digests/", None),
    "digest": ("digests/2025-11/", None),
    "search": ("", "search:generator"),
    "search-none": ("", "search:generatr"),
    "readaloud-title": (STORY + "#read-aloud-1", None),
    "readaloud-middle": (STORY + "#read-aloud-2", None),
    "readaloud-closing": (STORY, "readaloud:last"),
    "readaloud-withheld": ("2025/rent-strike-phone-tree/", "readaloud:.harvest-ra-section:has(.harvest-ra-cue)"),
    "reading-title": (SESSION + "#read-aloud-1", None),
    "reading-closing": (SESSION, "readaloud:.harvest-ra-screen--closing"),  # thanks, and the next story
    "reading-end": (SESSION, "readaloud:last"),
}


def build_sample(folder: Path) -> Path:
    project = folder / "archive"
    project.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", project / "overrides")
    shutil.copytree(REPO / "stories", project / "stories", ignore=shutil.ignore_patterns("_inbox"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "harvest.cli", "build"], cwd=project, env=env, check=True, capture_output=True, text=True
    )
    return project / "site"


def shoot(site: Path, out: Path, only: list[str]) -> list[str]:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    chromium = os.environ.get("HARVEST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        for width, height in SIZES:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.route(
                lambda url: url.startswith(("http:", "https:")),
                lambda route: (outside.append(route.request.url), route.abort()),
            )
            tab = context.new_page()
            for name, (path, action) in PAGES.items():
                if only and name not in only:
                    continue
                uri, _, fragment = path.partition("#")
                tab.goto((site / uri / "index.html").as_uri() + (f"#{fragment}" if fragment else ""))
                tab.wait_for_timeout(150)
                full = True
                if action and action.startswith("search:"):
                    button = tab.locator(".harvest-search__button")
                    (button if button.is_visible() else tab.locator(".md-search__input")).click()
                    tab.locator(".md-search__input").fill(action.split(":", 1)[1])
                    tab.wait_for_timeout(800)
                    full = False
                elif action == "readaloud:last":
                    count = tab.locator(".harvest-ra-section").count()
                    tab.goto((site / uri / "index.html").as_uri() + f"#read-aloud-{count}")
                    tab.wait_for_timeout(150)
                    for _ in range(3):  # past the last part: the closing screen
                        tab.keyboard.press("ArrowRight")
                        tab.wait_for_timeout(100)
                elif action and action.startswith("readaloud:"):  # the first screen matching a CSS selector
                    target = tab.locator(action.split(":", 1)[1]).first.get_attribute("id")
                    tab.goto((site / uri / "index.html").as_uri() + f"#{target}")
                    tab.wait_for_timeout(150)
                if "#read-aloud" in path or (action or "").startswith("readaloud:"):
                    full = False
                tab.screenshot(path=str(out / f"{name}-{width}x{height}.png"), full_page=full)
            context.close()
        browser.close()
    return outside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="screenshots", help="folder for the PNG files (made if missing)")
    parser.add_argument("--site", help="a built site to use instead of building the sample")
    parser.add_argument("pages", nargs="*", help=f"only these pages ({', '.join(PAGES)})")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(args.site) if args.site else build_sample(Path(tmp))
        outside = shoot(site, out, args.pages)
    print(f"screenshots in {out}/ ({len(SIZES)} sizes)")
    if outside:
        print("requests to other hosts (blocked):", *sorted(set(outside)), sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
