"""Fail closed on files (issue 13, classes 4-7): a failed build or pack writes nothing, outputs never
land in what gets published, symlinks never lead out of their folder, and hostile images or deeply
nested imports are refused with one clear `path:line: field:` message, never a traceback.

Everything runs through the real `harvest` command on copies of the sample project.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from conftest import PROJECT, copy_project, run_harvest

FIXTURES = PROJECT / "tests" / "fixtures"


# --- helpers ---------------------------------------------------------------------------------------


def story_text(story_id: str, extra: str = "", body: str = "") -> str:
    # `images:` (when given in `extra`) is on line 10.
    return (
        f"---\nid: {story_id}\ntitle: Story {story_id}\ndate: 2025-05-01\nevent: action\n"
        f"place: Brambleford\ncontributors: []\nlessons: [safety]\nsummary: One sentence.\n{extra}---\n\n"
        f"We met on the corner.\n\n{body}"
    )


def add_story(project: Path, rel: str, story_id: str, extra: str = "", body: str = "") -> Path:
    path = project / "stories" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(story_text(story_id, extra, body), "utf-8")
    return path


def tree(folder: Path) -> dict[str, str]:
    """Every file (and folder) under `folder` with a digest of its bytes: the listing compared before/after."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
        for p in sorted(folder.rglob("*"))
    }


def refused(result, *expected: str) -> None:
    """Exit status 1, each expected text in the output, no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in output, output


def staging_leftovers(project: Path) -> list[str]:
    return [p.name for p in project.iterdir() if ".harvest-" in p.name]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample project with its site built once; tests copy it."""
    project = copy_project(tmp_path_factory.mktemp("built") / "archive")
    result = run_harvest("build", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture
def site_project(built, tmp_path) -> Path:
    project = tmp_path / "archive"
    shutil.copytree(built, project, symlinks=True)
    return project


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG file that claims to be width×height pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(size=(64, 48)) -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG")
    return out.getvalue()


def png_bytes(size=(64, 48)) -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "PNG")
    return out.getvalue()


def bmp_bytes() -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, "BMP")
    return out.getvalue()


# --- class 7: images a story shows are opened, bounded, in check and build ------------------------

BAD_IMAGES = [
    # (file name, bytes, what the message says)
    ("bomb.png", lambda: png_header(30000, 30000), "has more than 50 megapixels"),
    ("warn.png", lambda: png_header(10000, 10000), "has more than 50 megapixels"),  # Pillow only warns here
    ("big.png", lambda: png_header(8000, 7000), "is 8000×7000 pixels, over the limit of 50 megapixels"),
    ("text.jpg", lambda: b"hello, I am not a photo\n", "is not a JPEG, PNG, GIF or WebP image"),
    ("cut.jpg", lambda: jpeg_bytes()[:400], "is damaged or cut short"),
    ("cut.png", lambda: png_bytes()[:-30], "is damaged or cut short"),
    ("bitmap.png", bmp_bytes, "is not a JPEG, PNG, GIF or WebP image"),
    ("empty.jpg", lambda: b"", "is not a JPEG, PNG, GIF or WebP image"),
]
# How the story shows it -> (front matter / body, the field and line the problem names)
SHOWN = [
    ("front", lambda name: (f"images: [{name}]\n", ""), "images", 10),
    ("markdown", lambda name: ("", f"Before.\n\n![the corner]({name})\n"), "body", 16),
    ("html", lambda name: ("", f'Line one.\nLine two.\n\n<img src="{name}" alt="x">\n'), "body", 17),
]


@pytest.mark.parametrize("name,data,message", BAD_IMAGES, ids=[b[0] for b in BAD_IMAGES])
def test_check_opens_every_image(tmp_path, name, data, message):
    project = copy_project(tmp_path / "archive")
    for how, shown, _, _ in SHOWN:
        folder = project / "stories" / "2025" / how
        folder.mkdir()
        (folder / name).write_bytes(data())
        extra, body = shown(name)
        add_story(project, f"2025/{how}/shows-{how}.md", f"shows-{how}", extra, body)
    result = run_harvest("check", cwd=project)
    for how, _, field, line in SHOWN:
        refused(result, f"stories/2025/{how}/shows-{how}.md:{line}: {field}: image '{name}' {message}")


def test_oversized_image_file_is_refused(tmp_path):
    project = copy_project(tmp_path / "archive")
    (project / "stories" / "2025" / "huge.jpg").write_bytes(jpeg_bytes() + b"\0" * 26_000_000)
    add_story(project, "2025/huge.md", "huge", "images: [huge.jpg]\n")
    refused(
        run_harvest("check", cwd=project),
        "stories/2025/huge.md:10: images: image 'huge.jpg' is 26.",
        "over the 25 MB limit",
    )


@pytest.mark.parametrize(
    "name,data,message", [BAD_IMAGES[i] for i in (0, 2, 3, 4)], ids=[BAD_IMAGES[i][0] for i in (0, 2, 3, 4)]
)
@pytest.mark.parametrize("how", ["front", "markdown"])
def test_build_refuses_bad_images_with_checks_words_and_writes_nothing(site_project, name, data, message, how):
    _, shown, field, line = next(s for s in SHOWN if s[0] == how)
    (site_project / "stories" / "2025" / name).write_bytes(data())
    extra, body = shown(name)
    add_story(site_project, "2025/fresh.md", "fresh-story", extra, body)
    before = tree(site_project / "site")
    result = run_harvest("build", cwd=site_project)
    refused(result, f"stories/2025/fresh.md:{line}: {field}: image '{name}' {message}")
    assert tree(site_project / "site") == before
    assert staging_leftovers(site_project) == []


def test_good_images_still_pass_check_and_build(site_project):
    """Guard (passes on the old code too): real images still pass check and build."""
    (site_project / "stories" / "2025" / "ok.jpg").write_bytes(jpeg_bytes())
    (site_project / "stories" / "2025" / "ok.png").write_bytes(png_bytes())
    add_story(site_project, "2025/pictures.md", "pictures", "images: [ok.jpg]\n", "![x](ok.png)\n")
    assert run_harvest("check", cwd=site_project).returncode == 0
    result = run_harvest("build", cwd=site_project)
    assert result.returncode == 0, result.stderr
    assert (site_project / "site" / "2025" / "ok.jpg").is_file() and (
        site_project / "site" / "2025" / "ok.png"
    ).is_file()


# --- class 4: a failed build leaves the previous site (or nothing) --------------------------------


def _nav_warning(project: Path) -> None:
    """A strict-mode warning MkDocs only raises while building (a nav entry to a missing page)."""
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8") + "\nnav:\n  - Home: index.md\n  - Gone: no-such-page.md\n", "utf-8")


FAILURES = [
    ("strict-warning", _nav_warning),
    ("story-error", lambda p: add_story(p, "2025/broken.md", "broken", "visibility: secretive\n")),
    (
        "bomb-image",
        lambda p: (
            (p / "stories/2025/bomb.png").write_bytes(png_header(30000, 30000)),
            add_story(p, "2025/bomb.md", "bomb", "images: [bomb.png]\n"),
        ),
    ),
]


@pytest.mark.parametrize("name,break_it", FAILURES, ids=[f[0] for f in FAILURES])
def test_failed_build_keeps_the_previous_site(site_project, name, break_it):
    # A story the editor meant to keep out of this build: it must not reach the site.
    add_story(site_project, "2025/new-private.md", "new-private-story")
    break_it(site_project)
    before = tree(site_project / "site")
    result = run_harvest("build", cwd=site_project)
    refused(result)
    assert tree(site_project / "site") == before
    assert not (site_project / "site" / "stories" / "new-private-story").exists()
    assert staging_leftovers(site_project) == []


# A story error stops the build before MkDocs writes anything, also on the old code: not repeated here.
@pytest.mark.parametrize("name,break_it", FAILURES[::2], ids=[f[0] for f in FAILURES[::2]])
@pytest.mark.parametrize("where", ["default", "option", "config"])
def test_failed_first_build_writes_no_site(tmp_path, name, break_it, where):
    project = copy_project(tmp_path / "archive")
    args, site = (), project / "site"
    if where == "option":
        args, site = ("-d", "public_html"), project / "public_html"
    elif where == "config":
        config = project / "mkdocs.yml"
        config.write_text(config.read_text("utf-8") + "\nsite_dir: www\n", "utf-8")
        site = project / "www"
    break_it(project)
    result = run_harvest("build", *args, cwd=project)
    refused(result)
    assert not site.exists()
    assert staging_leftovers(project) == []


def test_successful_build_replaces_the_whole_site(site_project):
    """Guard for the swap (passes on the old code too): stale files go, a symlinked site folder stays a link."""
    real_site = site_project / "served"
    (site_project / "site").rename(real_site)
    (site_project / "site").symlink_to("served")
    (real_site / "stale.html").write_text("old page")
    result = run_harvest("build", cwd=site_project)
    assert result.returncode == 0, result.stderr
    assert (site_project / "site").is_symlink() and (site_project / "site" / "index.html").is_file()
    assert not (real_site / "stale.html").exists()
    assert oct(real_site.stat().st_mode & 0o777) == oct(0o777 & ~_umask())
    assert staging_leftovers(site_project) == []


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_pack_that_cannot_sign_writes_no_zip_and_no_sums(tmp_path):
    project = copy_project(tmp_path / "archive")
    key = tmp_path / "not-a-key"
    key.write_text("this is not an OpenSSH key\n")
    result = run_harvest("pack", "--sign-key", str(key), cwd=project)
    refused(result, "sign-key")
    assert not (project / "dist").exists() or tree(project / "dist") == {}


def test_pack_whose_build_fails_leaves_no_dist_folder(tmp_path):
    project = copy_project(tmp_path / "archive")
    add_story(project, "2025/broken.md", "broken", "visibility: secretive\n")
    refused(run_harvest("pack", cwd=project))
    assert not (project / "dist").exists()


# --- class 5: outputs never land in what gets published, nor eat the stories ---------------------


def _link(name: str, to: str, then: str = ""):
    def make(project: Path) -> str:
        (project / name).symlink_to(to)
        return name + then

    return make


OUTSIDE_OUTPUTS = [
    ("overrides", lambda p: "overrides/dl", "the theme overrides folder"),
    ("overrides-itself", lambda p: "overrides", "the theme overrides folder"),
    ("stories", lambda p: "stories/dl", "the stories folder"),
    ("inbox", lambda p: "stories/_inbox", "the stories folder"),
    ("dotdot", lambda p: "dist/../overrides/dl", "the theme overrides folder"),
    ("absolute", lambda p: str(p / "overrides" / "x"), "the theme overrides folder"),
    ("symlink", _link("out-link", "overrides", "/dl"), "the theme overrides folder"),
]


@pytest.mark.parametrize(
    "name,out,what",
    [*OUTSIDE_OUTPUTS, ("site", lambda p: "site/downloads", "the site folder")],
    ids=[o[0] for o in OUTSIDE_OUTPUTS] + ["site"],
)
@pytest.mark.parametrize("command", [("pack", "--profile", "archive", "--out"), ("digest", "2025-06", "--out")])
def test_outputs_inside_published_folders_are_refused(tmp_path, command, name, out, what):
    project = copy_project(tmp_path / "archive")
    (project / "site").mkdir()
    before = {folder: tree(project / folder) for folder in ("stories", "overrides", "site")}
    target = out(project)
    result = run_harvest(*command, target, cwd=project)
    refused(result, f"{target}: --out: is inside {what}")
    assert {folder: tree(project / folder) for folder in ("stories", "overrides", "site")} == before
    assert not list(project.rglob("*.zip")) and not list(project.rglob("*.eml"))


# MkDocs itself refuses a site_dir that is the stories folder, inside it or around it when the paths
# say so as written; these get past that check (links, the theme's folder) and must still be refused.
SITE_DIRS = [
    ("overrides", lambda p: "overrides", "is inside the theme overrides folder"),
    ("in-overrides", lambda p: "overrides/site", "is inside the theme overrides folder"),
    ("dotdot-overrides", lambda p: "stories/../overrides/site", "is inside the theme overrides folder"),
    ("symlink-overrides", _link("out-link", "overrides", "/dl"), "is inside the theme overrides folder"),
    ("symlink-stories", _link("story-link", "stories", "/site"), "is inside the stories folder"),
    ("symlink-project", _link("here", "."), "holds the project folder"),
    ("symlink-parent", _link("up", ".."), "holds the project folder"),
]


@pytest.mark.parametrize("name,site_dir,message", SITE_DIRS, ids=[s[0] for s in SITE_DIRS])
@pytest.mark.parametrize("how", ["option", "config"])
def test_site_dir_that_would_eat_or_publish_the_sources_is_refused(tmp_path, name, site_dir, message, how):
    project = copy_project(tmp_path / "archive")
    target = site_dir(project)
    args = ()
    if how == "option":
        args, option = ("--site-dir", target), "--site-dir"
    else:
        config = project / "mkdocs.yml"
        config.write_text(config.read_text("utf-8") + f"\nsite_dir: '{target}'\n", "utf-8")
        option = "site_dir"
    before = tree(project)
    result = run_harvest("build", *args, cwd=project)
    refused(result, f": {option}: {message}")
    assert tree(project) == before


@pytest.mark.parametrize("site_dir", [".", "..", "stories", "stories/2025/site"])
def test_site_dir_mkdocs_already_refuses_stays_refused(tmp_path, site_dir):
    """Guard (passes on the old code too: MkDocs' own check)."""
    project = copy_project(tmp_path / "archive")
    before = tree(project)
    refused(run_harvest("build", "-d", site_dir, cwd=project))
    assert tree(project) == before


def test_forms_output_inside_overrides_is_refused(tmp_path):
    project = copy_project(tmp_path / "archive")
    before = tree(project / "overrides")
    refused(
        run_harvest("forms", "-o", "overrides/issue.yml", cwd=project),
        "overrides/issue.yml: --output: is inside the theme overrides folder",
    )
    assert tree(project / "overrides") == before


# --- class 6: symlinks never lead out of their folder -----------------------------------------------


def _outside(project: Path) -> Path:
    folder = project.parent / "elsewhere"
    folder.mkdir(exist_ok=True)
    return folder


def link_story_out(project):
    (_outside(project) / "secret.md").write_text(story_text("secret-outside"))
    (project / "stories" / "2025" / "linked.md").symlink_to(_outside(project) / "secret.md")
    return "stories/2025/linked.md", "outside the stories folder"


def link_story_out_relative(project):
    (_outside(project) / "secret.md").write_text(story_text("secret-outside"))
    (project / "stories" / "2025" / "linked.md").symlink_to("../../../elsewhere/secret.md")
    return "stories/2025/linked.md", "outside the stories folder"


def link_folder_out(project):
    (_outside(project) / "more").mkdir()
    (_outside(project) / "more" / "secret.md").write_text(story_text("secret-outside"))
    (project / "stories" / "more").symlink_to(_outside(project) / "more")
    return "stories/more", "outside the stories folder"


def link_story_to_inbox(project):
    add_story(project, "_inbox/unreviewed.md", "secret-outside")
    (project / "stories" / "2025" / "linked.md").symlink_to("../_inbox/unreviewed.md")
    return "stories/2025/linked.md", "stories must be real files"


def link_readings_out(project):
    (_outside(project) / "session.yml").write_text("title: Not ours\n")
    (project / "stories" / "_readings" / "stolen.yml").symlink_to(_outside(project) / "session.yml")
    return "stories/_readings/stolen.yml", "outside the stories folder"


def link_vocabulary_out(name):
    def link(project):
        moved = _outside(project) / name
        (project / "stories" / name).rename(moved)
        (project / "stories" / name).symlink_to(moved)
        return f"stories/{name}", "outside its folder"

    return link


def link_inbox_out(project):
    (_outside(project) / "inbox").mkdir()
    (_outside(project) / "inbox" / "secret.md").write_text(story_text("secret-outside"))
    (project / "stories" / "_inbox").symlink_to(_outside(project) / "inbox")
    return "stories/_inbox", "outside the stories folder"


def link_image_out(how: str):
    def make(project):
        (_outside(project) / "photo.jpg").write_bytes(jpeg_bytes())
        (project / "stories" / "2025" / "photo.jpg").symlink_to(_outside(project) / "photo.jpg")
        extra, body = ("images: [photo.jpg]\n", "") if how == "front" else ("", "![the corner](photo.jpg)\n")
        add_story(project, "2025/pictured.md", "pictured", extra, body)
        return "stories/2025/photo.jpg", "outside the stories folder"

    return make


def link_digest_note_out(project):
    (_outside(project) / "note.md").write_text("A private note.\n")
    (project / "stories" / "_digests").mkdir(exist_ok=True)
    (project / "stories" / "_digests" / "2025-06.md").symlink_to(_outside(project) / "note.md")
    return "stories/_digests/2025-06.md", "outside the stories folder"


STORY_LINKS = [
    ("image-out-inline", link_image_out("inline")),
    ("image-out-front", link_image_out("front")),
    ("digest-note-out", link_digest_note_out),
    ("story-out", link_story_out),
    ("story-out-relative", link_story_out_relative),
    ("folder-out", link_folder_out),
    ("story-to-inbox", link_story_to_inbox),
    ("readings-out", link_readings_out),
    ("lessons-out", link_vocabulary_out("lessons.yml")),
    ("contributors-out", link_vocabulary_out("contributors.yml")),
    ("inbox-out", link_inbox_out),
]


@pytest.mark.parametrize("name,make", STORY_LINKS, ids=[s[0] for s in STORY_LINKS])
def test_check_refuses_symlinks_out_of_the_stories_folder(tmp_path, name, make):
    project = copy_project(tmp_path / "archive")
    path, why = make(project)
    refused(run_harvest("check", cwd=project), f"{path}: file: ", why)


@pytest.mark.parametrize(
    "name,make", [s for s in STORY_LINKS if s[0] != "inbox-out"], ids=[s[0] for s in STORY_LINKS if s[0] != "inbox-out"]
)
def test_build_refuses_symlinks_and_publishes_nothing(site_project, name, make):
    before = tree(site_project / "site")
    path, why = make(site_project)
    refused(run_harvest("build", cwd=site_project), f"{path}: file: ", why)
    assert tree(site_project / "site") == before
    assert "secret-outside" not in json.dumps(list(tree(site_project / "site")))
    assert not list((site_project / "site").rglob("photo.jpg"))


def test_inbox_link_refused_by_intake(tmp_path):
    project = copy_project(tmp_path / "archive")
    target = project / "stories" / "2025"
    (project / "stories" / "_inbox").symlink_to(target)  # inside, but straight into a published folder
    before = tree(target)
    refused(
        run_harvest("intake", str(FIXTURES / "intake" / "issue-body.md"), cwd=project),
        "stories/_inbox: file: the review inbox is a symbolic link",
    )
    assert tree(target) == before


def _jekyll_source(tmp_path: Path) -> Path:
    source = tmp_path / "blog"
    shutil.copytree(FIXTURES / "import" / "jekyll", source)
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "diary.md").write_text("---\ntitle: My private diary\ndate: 2020-02-02\ntags: safety\n---\n\nSecret.\n")
    return source


def import_post_out(tmp_path):
    source = _jekyll_source(tmp_path)
    (source / "_posts" / "2020-02-02-diary.md").symlink_to(tmp_path / "private" / "diary.md")
    return source, ("blog/_posts/2020-02-02-diary.md", "outside the folder being imported")


def import_post_out_relative(tmp_path):
    source = _jekyll_source(tmp_path)
    (source / "_posts" / "2020-02-02-diary.md").symlink_to("../../private/diary.md")
    return source, ("blog/_posts/2020-02-02-diary.md", "outside the folder being imported")


def import_folder_out(tmp_path):
    source = _jekyll_source(tmp_path)
    (source / "_posts" / "2020").symlink_to(tmp_path / "private")
    return source, ("blog/_posts/2020", "outside the folder being imported")


def import_named_file_out(tmp_path):
    source = _jekyll_source(tmp_path)
    (source / "_posts" / "2020-02-02-diary.md").symlink_to(tmp_path / "private" / "diary.md")
    return source / "_posts" / "2020-02-02-diary.md", ("SOURCE", "outside its folder")


def import_json_out(tmp_path):
    source = tmp_path / "records"
    source.mkdir()
    (tmp_path / "private").mkdir()
    shutil.copy(FIXTURES / "import" / "json" / "actions.json", tmp_path / "private" / "actions.json")
    (source / "actions.json").symlink_to(tmp_path / "private" / "actions.json")
    return source, ("records/actions.json", "outside the folder being imported")


def import_authors_out(tmp_path):
    source = tmp_path / "material"
    shutil.copytree(FIXTURES / "import" / "material", source)
    authors = source / "docs" / "blog" / ".authors.yml"
    (tmp_path / "private").mkdir()
    authors.rename(tmp_path / "private" / "authors.yml")
    authors.symlink_to(tmp_path / "private" / "authors.yml")
    return source / "docs", (".authors.yml", "outside the folder being imported")


IMPORT_LINKS = [
    ("post-out", import_post_out),
    ("post-out-relative", import_post_out_relative),
    ("folder-out", import_folder_out),
    ("named-file-out", import_named_file_out),
    ("json-out", import_json_out),
    ("authors-out", import_authors_out),
]


@pytest.mark.parametrize("name,make", IMPORT_LINKS, ids=[i[0] for i in IMPORT_LINKS])
def test_import_refuses_links_out_of_the_source_and_writes_nothing(tmp_path, name, make):
    project = copy_project(tmp_path / "archive")
    source, expected = make(tmp_path)
    before = tree(project / "stories")
    result = run_harvest("import", str(source), "--add-lessons", "--add-contributors", "--event", "action", cwd=project)
    refused(result, *expected)
    assert tree(project / "stories") == before


def test_import_follows_links_that_stay_inside_the_source(tmp_path):
    """Guard (passes on the old code too): a link within the source folder is read as usual."""
    project = copy_project(tmp_path / "archive")
    source = _jekyll_source(tmp_path)
    (source / "_posts" / "2020-03-03-again.md").symlink_to("2019-03-04-river-drill.md")
    result = run_harvest("import", str(source), "--add-lessons", "--event", "action", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_intake_refuses_an_input_file_linked_out_of_its_folder(tmp_path):
    project = copy_project(tmp_path / "archive")
    (tmp_path / "private").mkdir()
    shutil.copy(FIXTURES / "intake" / "issue-body.md", tmp_path / "private" / "body.md")
    (tmp_path / "incoming").mkdir()
    (tmp_path / "incoming" / "body.md").symlink_to(tmp_path / "private" / "body.md")
    refused(
        run_harvest("intake", str(tmp_path / "incoming" / "body.md"), cwd=project),
        "body.md: file: is a symbolic link to",
        "outside its folder",
    )
    assert not (project / "stories" / "_inbox").exists()


# --- class 7 (importer, intake): structures nested thousands deep --------------------------------

DEEP = 20_000
DEEP_POSTS = [
    ("yaml-list", "---\ntitle: Deep\ndate: 2020-01-01\ntags: " + "[" * DEEP + "]" * DEEP + "\n---\nbody\n"),
    ("yaml-map", "---\ntitle: Deep\ndate: 2020-01-01\nextra: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n---\nbody\n"),
    (
        "yaml-block",
        "---\ntitle: Deep\ndate: 2020-01-01\nextra:\n"
        + "".join(" " * i + "- \n" for i in range(1, 60))
        + "---\nbody\n",
    ),
    ("toml-array", '+++\ntitle = "Deep"\ndate = 2020-01-01\ntags = ' + "[" * DEEP + "]" * DEEP + "\n+++\nbody\n"),
    ("toml-inline", '+++\ntitle = "Deep"\nx = ' + "{a = " * 3000 + "1" + "}" * 3000 + "\n+++\nbody\n"),
    ("json-front", '{"title": "Deep", "date": "2020-01-01", "tags": ' + "[" * DEEP + "]" * DEEP + "}\nbody\n"),
]


@pytest.mark.parametrize("name,text", DEEP_POSTS, ids=[d[0] for d in DEEP_POSTS])
def test_import_refuses_deeply_nested_front_matter(tmp_path, name, text):
    project = copy_project(tmp_path / "archive")
    posts = tmp_path / "blog" / "_posts"
    posts.mkdir(parents=True)
    shutil.copy(FIXTURES / "import" / "jekyll" / "_posts" / "2019-03-04-river-drill.md", posts)
    (posts / "2020-01-01-deep.md").write_text(text)
    before = tree(project / "stories")
    result = run_harvest(
        "import", str(tmp_path / "blog"), "--kind", "jekyll", "--add-lessons", "--event", "action", cwd=project
    )
    refused(result, "_posts/2020-01-01-deep.md:1: file: nested more than 32 levels deep")
    assert tree(project / "stories") == before


@pytest.mark.parametrize(
    "records",
    [
        "[" * DEEP + "]" * DEEP,
        '[{"title": "x", "date": "2020-01-01", "tags": ' + "[" * DEEP + "]" * DEEP + "}]",
        '{"stories": [{"title": "x", "extra": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}]}",
        '[{"title": "x", "tags": ' + "[" * 40 + "]" * 40 + "}]",  # deep enough to refuse, not to crash
    ],
    ids=["bare", "field", "object", "forty"],
)
def test_import_refuses_deeply_nested_json_records(tmp_path, records):
    project = copy_project(tmp_path / "archive")
    (tmp_path / "data.json").write_text(records)
    before = tree(project / "stories")
    refused(
        run_harvest("import", str(tmp_path / "data.json"), cwd=project),
        "data.json:1: file: nested more than 32 levels deep",
    )
    assert tree(project / "stories") == before


@pytest.mark.parametrize(
    "payload", ["[" * DEEP + "]" * DEEP, '{"issue": ' + '{"a": ' * 5000 + "1" + "}" * 5001], ids=["list", "object"]
)
def test_intake_refuses_deeply_nested_json(tmp_path, payload):
    project = copy_project(tmp_path / "archive")
    (tmp_path / "issue.json").write_text(payload)
    result = run_harvest("intake", str(tmp_path / "issue.json"), cwd=project)
    refused(result, "nested more than 32 levels deep")
    assert not (project / "stories" / "_inbox").exists()
