"""`harvest pack` and `harvest verify`: a reproducible, verifiable zip that works from file://."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from conftest import copy_project, run_harvest
from digest_helpers import set_site_url
from harvest.core.archive import load_archive
from harvest.offline.pack import MANIFEST
from harvest.offline.verify import FAILED, OK, check_manifest, verify
from harvest.site.project import settings_from_file


def pack(project: Path, *args: str, env: dict | None = None) -> Path:
    result = run_harvest("pack", *args, cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    zips = sorted((project / "dist").glob("*.zip"))
    assert len(zips) == 1, zips
    return zips[0]


def newest_story_date(project: Path) -> dt.date:
    archive, _ = load_archive(settings_from_file(project / "mkdocs.yml"))
    return max(s.date for s in archive.stories)


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def rezip(source: Path, change) -> bytes:
    """The zip rebuilt entry by entry, each entry's bytes passed through change(name, data) (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def sha256sums_for(zip_path: Path) -> None:
    """Write SHA256SUMS to match the zip as it is now: only the manifest can catch what changed."""
    import hashlib

    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    (zip_path.parent / "SHA256SUMS").write_text(f"{digest}  {zip_path.name}\n")


@pytest.fixture(scope="module")
def packed(tmp_path_factory) -> Path:
    return pack(copy_project(tmp_path_factory.mktemp("pack") / "archive"))


# --- the zip ---------------------------------------------------------------------------------


def test_layout_name_date_and_fixed_metadata(packed):
    project = packed.parents[1]
    date = newest_story_date(project)
    assert packed.name == f"harvest-stories-from-our-movements-public-{date.isoformat()}.zip"
    with zipfile.ZipFile(packed) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert names[:3] == [MANIFEST, "README.txt", "START-HERE.html"]
        assert all(n.startswith("site/") for n in names[3:])
        for required in (
            "site/index.html",
            "site/search/manifest.js",
            "site/sitemap.xml",
            "site/assets/harvest/vendor/iframe-worker/shim/index.js",
            "site/assets/harvest/vendor/iframe-worker/LICENSE",
        ):
            assert required in names
        assert not [n for n in names if n.endswith(".map") or n.endswith("search_index.json")]  # unused offline
        assert {i.date_time for i in infos} == {(date.year, date.month, date.day, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        start = archive.read("START-HERE.html").decode()
        assert 'url=site/index.html"' in start and 'href="site/index.html"' in start
        readme = archive.read("README.txt").decode()
        assert "START-HERE.html" in readme and "sha256sum -c" in readme and "\r\n" in readme
        assert b"unpkg.com/iframe-worker" not in archive.read("site/index.html")


def test_withheld_stories_stay_out_of_the_zip(packed):
    project = packed.parents[1]
    archive, _ = load_archive(settings_from_file(project / "mkdocs.yml"))
    published = {s.path.removesuffix(".md") for s in archive.stories}
    with zipfile.ZipFile(packed) as zf:
        pages = {n.removeprefix("site/").removesuffix(".html") for n in zf.namelist() if re.match(r"site/\d{4}/", n)}
    assert pages == published


def test_two_packs_of_the_same_input_are_byte_identical(packed, tmp_path):
    time.sleep(1.1)  # another second, another folder, another time zone: nothing of that may show
    again = pack(copy_project(tmp_path / "elsewhere" / "archive"), env={"TZ": "Pacific/Kiritimati"})
    assert again.name == packed.name
    assert again.read_bytes() == packed.read_bytes()


def test_dates_come_from_source_date_epoch_or_the_newest_story_never_the_clock(tmp_path):
    project = copy_project(tmp_path / "archive")
    set_site_url(project, "https://archive.example.org/")
    newest = newest_story_date(project)
    assert newest != dt.date.today()
    zip_path = pack(project)
    with zipfile.ZipFile(zip_path) as archive:
        sitemap = archive.read("site/sitemap.xml").decode()
        gz = gzip.GzipFile(fileobj=io.BytesIO(archive.read("site/sitemap.xml.gz")))
        gz.read()
    assert set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap)) == {newest.isoformat()}
    assert gz.mtime == int(dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC).timestamp())

    zip_path.unlink()
    pinned = pack(project, env={"SOURCE_DATE_EPOCH": "1780000000"})  # 2026-05-28 20:26:40 UTC
    assert pinned.name.endswith("-public-2026-05-28.zip")
    with zipfile.ZipFile(pinned) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 5, 28, 20, 26, 40)}
        assert set(re.findall(r"<lastmod>([^<]+)</lastmod>", archive.read("site/sitemap.xml").decode())) == {
            "2026-05-28"
        }


def test_a_bad_source_date_epoch_is_a_clear_error(project):
    result = run_harvest("pack", cwd=project, env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert result.returncode == 1 and "SOURCE_DATE_EPOCH" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "dist").exists() or not list((project / "dist").glob("*.zip"))


def test_members_copy_says_who_may_read_it(project):
    zip_path = pack(project, "--profile", "members")
    assert "-members-" in zip_path.name
    with zipfile.ZipFile(zip_path) as archive:
        assert "Share it only with people who may read them" in archive.read("README.txt").decode()


# --- zero outside requests --------------------------------------------------------------------


def test_pack_refuses_a_site_that_loads_from_another_host(project):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "\nextra_javascript:\n  - https://cdn.example.org/widget.js\n")
    result = run_harvest("pack", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    # named once with the first page (not once per page), with the count of the others
    assert re.search(
        r"^site/2025/[\w-]+\.html:\d+: offline: <script src> loads https://cdn\.example\.org/widget\.js "
        r"\(and in \d+ more files\)$",
        result.stderr,
        re.MULTILINE,
    ), result.stderr
    assert not list(project.glob("dist/*.zip"))


def test_a_story_cannot_make_material_load_mermaid(project):
    """The sanitiser drops the class that makes Material fetch Mermaid from unpkg.com, so the copy
    packs and loads nothing; the outside-request check still catches it anywhere else (unit tests)."""
    story = project / "stories" / "2026" / "flood-drill.md"
    story.write_text(story.read_text() + '\n<pre class="mermaid">graph TD; A-->B</pre>\n')
    result = run_harvest("pack", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    [copy] = (project / "dist").glob("*.zip")
    with zipfile.ZipFile(copy) as archive:
        page = archive.read("site/2026/flood-drill.html").decode()
    assert "graph TD" in page and "mermaid" not in page


# --- verify -----------------------------------------------------------------------------------


def test_verify_accepts_a_fresh_copy(packed):
    # unsigned: consistent, but nothing proves who made it, so exit 0 only when the reader accepts that
    result = run_harvest("verify", str(packed), "--allow-unsigned", cwd=packed.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK      digest" in result.stdout and "OK      manifest" in result.stdout
    assert "SKIPPED signature: the copy is not signed" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("NOT AUTHENTICATED: ")
    assert run_harvest("verify", str(packed), cwd=packed.parent).returncode == 1


def test_flipping_any_byte_of_the_zip_fails_verify(packed, tmp_path):
    data = packed.read_bytes()
    copy = tmp_path / packed.name
    (tmp_path / "SHA256SUMS").write_bytes((packed.parent / "SHA256SUMS").read_bytes())
    for at in (0, 31, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1):
        copy.write_bytes(flip(data, at))
        result = run_harvest("verify", str(copy), cwd=tmp_path)
        assert result.returncode == 1, at
        assert "FAILED  digest: the zip was changed" in result.stdout
        assert "NOT verified" in result.stdout


def test_verify_reports_damage_anywhere_in_the_zip_without_crashing(packed, tmp_path):
    """A flipped byte inside a compressed member once escaped as a zlib traceback: sweep the
    whole file, in process, and check the manifest check always answers."""
    data = packed.read_bytes()
    copy = tmp_path / packed.name
    for at in range(0, len(data), max(1, len(data) // 400)):
        copy.write_bytes(flip(data, at))
        checks = verify(copy, sums=packed.parent / "SHA256SUMS")  # raises nothing, whatever the damage
        assert any(c.status == FAILED for c in checks), at
        manifest = next(c for c in checks if c.name == "manifest")
        assert manifest.status in (OK, FAILED) and manifest.details, at


def test_flipping_a_byte_of_any_file_inside_fails_verify(packed, tmp_path):
    """Even when whoever changed the file also rewrote SHA256SUMS, the manifest names the file."""
    copy = tmp_path / packed.name
    with zipfile.ZipFile(packed) as archive:
        names = archive.namelist()
    for name in names:
        copy.write_bytes(rezip(packed, lambda n, d, name=name: flip(d, len(d) // 2) if n == name else d))
        check = check_manifest(copy)
        assert check.status == FAILED, name
        assert any(name in line or line.startswith(MANIFEST) for line in check.details), (name, check.details)
    sha256sums_for(copy)  # the last one through the real command, with a matching digest
    result = run_harvest("verify", str(copy), cwd=tmp_path)
    assert result.returncode == 1 and "OK      digest" in result.stdout and "FAILED  manifest" in result.stdout


def test_added_or_removed_files_fail_verify(packed, tmp_path):
    copy = tmp_path / packed.name
    copy.write_bytes(rezip(packed, lambda n, d: None if n == "site/index.html" else d))
    assert "site/index.html: listed in MANIFEST.sha256 but missing from the zip" in check_manifest(copy).details
    with zipfile.ZipFile(copy, "a") as archive:
        archive.writestr("site/extra.js", "alert(1)")
    assert "site/extra.js: not in MANIFEST.sha256 (added after packing)" in check_manifest(copy).details
    copy.write_bytes(b"not a zip at all")
    assert check_manifest(copy).details[0].startswith("not a readable zip")
    assert check_manifest(packed).status == OK


# --- signatures -------------------------------------------------------------------------------


@pytest.fixture
def key(tmp_path) -> Path:
    path = tmp_path / "keys" / "harvest_archive"
    path.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test key", "-f", str(path)], check=True)
    return path


def test_signature_verifies_with_ssh_keygen_and_fails_after_tampering(project, key, tmp_path):
    result = run_harvest("pack", "--sign-key", str(key), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    zip_path = next((project / "dist").glob("*.zip"))
    line = next(row.strip() for row in result.stdout.splitlines() if 'namespaces="harvest-archive"' in row)
    assert line.split()[0] == "harvest-stories-from-our-movements"
    (project / "dist" / "allowed_signers").write_text(line + "\n")

    with zipfile.ZipFile(zip_path) as archive:
        readme = archive.read("README.txt").decode()
    command = next(row.strip() for row in readme.splitlines() if row.strip().startswith("ssh-keygen -Y verify"))
    documented = subprocess.run(command, shell=True, cwd=project / "dist", capture_output=True, text=True)
    assert documented.returncode == 0, documented.stdout + documented.stderr
    assert 'Good "harvest-archive" signature' in documented.stdout + documented.stderr

    ours = run_harvest("verify", str(zip_path), "--allowed-signers", "dist/allowed_signers", cwd=project)
    assert ours.returncode == 0 and "OK      signature" in ours.stdout, ours.stdout

    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    stranger = tmp_path / "stranger_signers"
    stranger.write_text(
        "harvest-stories-from-our-movements " + " ".join(Path(f"{other}.pub").read_text().split()[:2]) + "\n"
    )
    result = run_harvest("verify", str(zip_path), "--allowed-signers", str(stranger), cwd=project)
    assert result.returncode == 1 and "FAILED  signature" in result.stdout

    zip_path.write_bytes(flip(zip_path.read_bytes(), 1000))
    tampered = subprocess.run(command, shell=True, cwd=project / "dist", capture_output=True, text=True)
    assert tampered.returncode != 0
    result = run_harvest("verify", str(zip_path), "--allowed-signers", "dist/allowed_signers", cwd=project)
    assert result.returncode == 1 and "FAILED  signature" in result.stdout and "FAILED  digest" in result.stdout


def test_the_private_key_is_never_written_into_the_zip_or_dist(project, key):
    result = run_harvest("pack", "--sign-key", str(key), cwd=project, env={})
    assert result.returncode == 0, result.stderr
    secret_lines = [row for row in key.read_text().splitlines() if "PRIVATE KEY" not in row]
    zip_path = next((project / "dist").glob("*.zip"))
    with zipfile.ZipFile(zip_path) as archive:
        contents = [archive.read(n) for n in archive.namelist()]
    for blob in contents + [f.read_bytes() for f in (project / "dist").iterdir()]:
        assert b"PRIVATE KEY" not in blob
        assert not any(line.encode() in blob for line in secret_lines)
    assert sorted(f.name for f in (project / "dist").iterdir()) == ["SHA256SUMS", zip_path.name, zip_path.name + ".sig"]
    # and the key comes from the environment just as well, for `make pack`
    again = run_harvest("pack", cwd=project, env={"HARVEST_SIGN_KEY": str(key)})
    assert again.returncode == 0 and "signed:" in again.stdout


@pytest.mark.parametrize("folder", ["overrides", "stories", "dist"])
def test_a_key_kept_where_it_would_be_published_is_refused(project, key, folder):
    inside = project / folder / "signing_key"
    inside.parent.mkdir(exist_ok=True)
    inside.write_bytes(key.read_bytes())
    result = run_harvest("pack", "--sign-key", str(inside), cwd=project)
    assert result.returncode == 1 and "move the key out of the archive folder" in result.stderr
    assert not list(project.glob("dist/*.zip"))


def test_any_private_key_that_would_land_in_the_site_stops_the_pack(project, key):
    (project / "overrides" / "assets").mkdir(parents=True)
    (project / "overrides" / "assets" / "id_ed25519").write_bytes(key.read_bytes())  # MkDocs copies overrides/
    result = run_harvest("pack", cwd=project)
    assert result.returncode == 1
    assert "site/assets/id_ed25519: file: holds a private key; nothing was written" in result.stderr
    assert not list(project.glob("dist/*.zip"))


# --- in a real browser, from file:// ------------------------------------------------------------


def test_the_unzipped_copy_works_from_file_urls_with_no_outside_request(tmp_path, page):
    from PIL import Image

    project = copy_project(tmp_path / "archive")
    Image.new("RGB", (40, 30), "navy").save(project / "stories" / "2026" / "flood-map.png")
    story = project / "stories" / "2026" / "flood-drill.md"
    story.write_text(story.read_text() + "\n![Map of the three streets](flood-map.png)\n")
    with zipfile.ZipFile(pack(project)) as archive:
        archive.extractall(tmp_path / "stick")
    page.goto((tmp_path / "stick" / "START-HERE.html").as_uri())
    page.wait_for_url("**/site/index.html")

    page.click("a.md-nav__link[href='lessons/index.html']")
    page.wait_for_url("**/site/lessons/index.html")
    page.click(".md-content a[href='safety.html']")
    page.wait_for_url("**/site/lessons/safety.html")
    assert page.locator("h1").first.inner_text() == "Safety"

    page.click(".md-content a[href$='flood-drill.html']")
    page.wait_for_url("**/site/2026/flood-drill.html")
    assert "flood drill" in page.locator("h1").first.inner_text()
    image = page.locator("img[alt='Map of the three streets']")
    image.wait_for()
    assert page.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=image.element_handle())

    page.click("input.md-search__input")
    page.keyboard.type("phone tree", delay=30)
    result = page.locator(".md-search-result__item a").first
    result.wait_for(timeout=15000)
    assert "rent-strike-phone-tree.html" in result.get_attribute("href")
    result.click()
    page.wait_for_url("**/site/2025/rent-strike-phone-tree.html*")

    assert page.request_log.urls, "the request log should have seen the local files"
    assert page.request_log.outside == []
