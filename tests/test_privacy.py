"""Privacy: visibility, embargo, redaction, consent-based credit, photo metadata, raw HTML —
and a leak test over every output file of every profile.

The leak test plants a distinct canary in each sensitive place, builds every output
(`OUTPUT_COMMANDS`), then reads *every* file the commands produced (decompressing
zips, gzip and email parts) and asserts which canaries may and may not appear.
An output added later is scanned automatically if its command is listed here.
"""

from __future__ import annotations

import email
import gzip
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from conftest import build, copy_project, run_harvest
from harvest.core.images import has_gps
from harvest.core.privacy import Credits, RegistryEntry
from harvest.core.sanitize import clean_html
from harvest.core.settings import Settings

TODAY = "2026-11-21"
# canary -> the lowest profile allowed to contain it (None: no profile, ever)
CANARIES = {
    "privatestorycanary": "archive",
    "membersstorycanary": "members",
    "embargoedstorycanary": "archive",
    "redactprivatecanary": "archive",
    "redactmemberscanary": "members",
    "htmlcommentcanary": None,
    "anonymousrealnamecanary": "archive",
    "pseudonymrealnamecanary": "archive",
    "unregisteredhandlecanary": "archive",
    "exifcanary": None,
    "scriptcanary": None,
}
PROFILES = ("public", "members", "archive")
RANK = {p: i for i, p in enumerate(PROFILES)}
# Commands that write outputs, run for each profile; later outputs (pack, digests, index) add theirs.
OUTPUT_COMMANDS = [
    ("build", "--profile", "{profile}"),  # site/: pages, search index, sitemap, feeds, digests
    ("pack", "--profile", "{profile}"),  # dist/*.zip, SHA256SUMS
    ("digest", "2026-03", "--profile", "{profile}"),  # dist/digests/: .eml, .html, .txt
    ("index", "--profile", "{profile}"),  # .harvest/index/<profile>/: the whoosh index
]

META = "date: 2026-03-0{n}\nevent: action\nplace: Riverside\nlessons: [joy]\nsummary: One sentence.\n"


def canary_story(n: int, title: str, extra: str = "", body: str = "", contributors: str = "[hanne]") -> str:
    return (
        f"---\nid: canary-{n}\ntitle: {title}\n{META.format(n=n)}contributors: {contributors}\n{extra}---\n\n"
        f"{body or 'Opening words.'}\n\n## What surprised us?\n\nThe answer.\n\n"
        f"## What resource was missing?\n\nA van.\n"
    )


def plant_canaries(project: Path) -> None:
    stories = project / "stories" / "canary"
    stories.mkdir()
    registry = project / "stories" / "contributors.yml"
    registry.write_text(
        registry.read_text()
        + (
            "ghost:\n  name: Anonymousrealnamecanary Person\n  credit: anonymous\n"
            "masked:\n  name: Pseudonymrealnamecanary Person\n  credit: pseudonym\n  pseudonym: The Lanterns\n"
        )
    )
    (stories / "private.md").write_text(
        canary_story(1, "Privatestorycanary plans", "visibility: private\n", "The privatestorycanary route.")
    )
    (stories / "members.md").write_text(
        canary_story(2, "Membersstorycanary notes", "visibility: members\n", "The membersstorycanary list.")
    )
    (stories / "embargoed.md").write_text(
        canary_story(3, "Embargoedstorycanary news", "embargo_until: 2030-01-01\n", "The embargoedstorycanary plan.")
    )
    (stories / "public.md").write_text(
        canary_story(
            4,
            "A public story",
            "images: [gps.jpg]\n",
            "We met at [[redact]]redactprivatecanary hall[[/redact]] and [[redact members]]redactmemberscanary "
            "door[[/redact]]. <!-- htmlcommentcanary note --> <script>alert('scriptcanary')</script>"
            "<img src=x onerror=\"alert('scriptcanary')\">",
            contributors="[ghost, masked, unregisteredhandlecanary, hanne]",
        )
    )
    image = Image.new("RGB", (16, 16), (20, 120, 40))
    exif = Image.Exif()
    exif[0x010E] = "exifcanary"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 1.0)}
    image.save(stories / "gps.jpg", "JPEG", exif=exif.tobytes())


def output_texts(path: Path, name: str = ""):
    """(name, decoded bytes) for a file and everything inside it."""
    data = path.read_bytes() if isinstance(path, Path) else path
    name = name or str(path)
    yield name, data
    if data[:2] == b"\x1f\x8b":
        yield from output_texts(gzip.decompress(data), name + "!gunzip")
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                yield from output_texts(archive.read(entry), f"{name}!{entry}")
    elif name.endswith(".eml"):
        for part in email.message_from_bytes(data).walk():
            payload = part.get_payload(decode=True)
            if payload:
                yield f"{name}!{part.get_content_type()}", payload


# The story cache holds the stories folder's text as read, for every profile (it decides nothing:
# `publish` does, every run), owner-only, beside the stories like the stories themselves: an
# input, never published or packed (the site and zip scans here would find it). Not an output.
INPUTS = (".harvest/cache/",)


def produced_files(project: Path, before: set[Path]):
    return [
        p
        for p in project.rglob("*")
        if p.is_file() and p not in before and not p.relative_to(project).as_posix().startswith(INPUTS)
    ]


@pytest.fixture(scope="module")
def leak_outputs(tmp_path_factory):
    """profile -> list of (output name, bytes) for every file its commands produced."""
    results = {}
    for profile in PROFILES:
        project = copy_project(tmp_path_factory.mktemp(profile) / "archive")
        plant_canaries(project)
        before = set(p for p in project.rglob("*") if p.is_file())
        for command in OUTPUT_COMMANDS:
            args = [a.format(profile=profile) for a in command]
            result = run_harvest(*args, cwd=project, env={"HARVEST_TODAY": TODAY, "SOURCE_DATE_EPOCH": "1767225600"})
            assert result.returncode == 0, f"harvest {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        files = produced_files(project, before)
        assert files, "the commands produced nothing"
        results[profile] = [item for f in files for item in output_texts(f)]
    return results


@pytest.mark.parametrize("profile", PROFILES)
def test_no_canary_leaks_above_its_profile(leak_outputs, profile):
    leaks = []
    for name, data in leak_outputs[profile]:
        lowered = data.lower()
        for canary, lowest in CANARIES.items():
            if canary.encode() in lowered and (lowest is None or RANK[profile] < RANK[lowest]):
                leaks.append(f"{canary} in {name}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("profile", PROFILES)
def test_allowed_canaries_do_appear(leak_outputs, profile):
    """The leak test would pass vacuously if nothing were built: what the profile may show, it shows."""
    everything = b"\n".join(data.lower() for _, data in leak_outputs[profile])
    for canary, lowest in CANARIES.items():
        if lowest is not None and RANK[profile] >= RANK[lowest]:
            assert canary.encode() in everything, f"{canary} missing from the {profile} build"
    assert b"[withheld]" in everything or profile == "archive"
    names = [name for name, _ in leak_outputs[profile]]
    for inside in (
        ".zip!site/",
        ".eml!text/html",
        ".eml!text/plain",
        ".gz!gunzip",
        "/site/search/t/",
        "/site/search/d/",
        "/.harvest/index/",
    ):
        assert any(inside in name for name in names), f"the leak test did not read {inside}"
    # Each store must be readable by this byte scan, or a leak into it would go unseen.
    allowed = "privatestorycanary" if profile == "archive" else "redactmemberscanary" if profile == "members" else None
    for store in ("/.harvest/index/", "/site/search/", ".zip!site/"):
        if allowed:
            assert any(store in name and allowed.encode() in data.lower() for name, data in leak_outputs[profile]), (
                f"{allowed} not found in {store}: the scan cannot see into it"
            )


def test_published_images_have_no_metadata(leak_outputs, tmp_path):
    for profile in PROFILES:
        images = [data for name, data in leak_outputs[profile] if name.endswith("gps.jpg")]
        assert images, f"the story's image is not published in {profile}"
        for data in images:
            (tmp_path / "out.jpg").write_bytes(data)
            assert not has_gps(tmp_path / "out.jpg")
            assert not Image.open(tmp_path / "out.jpg").getexif()


def test_check_warns_about_gps_and_lists_what_public_withholds(tmp_path):
    project = copy_project(tmp_path / "archive")
    plant_canaries(project)
    result = run_harvest("check", "--profile", "public", cwd=project, env={"HARVEST_TODAY": TODAY})
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "'gps.jpg' carries a GPS location" in out
    for line in (
        "stories/canary/private.md: whole story withheld (visibility private)",
        "stories/canary/members.md: whole story withheld (visibility members)",
        "stories/canary/embargoed.md: whole story withheld (embargoed until 2030-01-01)",
        "passage withheld ([[redact private]])",
        "passage withheld ([[redact members]])",
        "contributor ghost: credit anonymous",
        "contributor masked: shown as 'The Lanterns'",
        "contributor unregisteredhandlecanary: not in the registry",
    ):
        assert line in out, out


# --- unit tests of the rules -----------------------------------------------------------------------

REGISTRY = {
    "ana": RegistryEntry("ana", "Ana Ruiz", "named"),
    "jo": RegistryEntry("jo", "Jo Bell", "pseudonym", "Kitchen Crew"),
    "sam": RegistryEntry("sam", "Sam Okafor", "pseudonym", "Kitchen Crew"),
    "lee": RegistryEntry("lee", "Lee Marsh", "anonymous"),
}


@pytest.mark.parametrize(
    "profile, handles, shown, anonymous",
    [
        ("public", ["ana"], ["Ana Ruiz"], 0),
        ("public", ["jo", "sam"], ["Kitchen Crew"], 0),  # a collective pseudonym is one credit
        ("public", ["lee", "nobody"], [], 2),  # anonymous, and unregistered
        ("members", ["jo", "lee", "ana"], ["Kitchen Crew", "Ana Ruiz"], 1),
        ("archive", ["jo", "lee", "nobody"], ["Jo Bell", "Lee Marsh", "nobody"], 0),
    ],
)
def test_credit_rules(tmp_path, profile, handles, shown, anonymous):
    settings = Settings.for_directory(tmp_path, profile=profile)
    people, hidden = Credits(REGISTRY, settings).people(handles)
    assert [p.label for p in people] == shown and hidden == anonymous


@pytest.mark.parametrize(
    "profile, visibility, embargo, visible",
    [
        ("public", "public", None, True),
        ("public", "members", None, False),
        ("members", "members", None, True),
        ("members", "private", None, False),
        ("archive", "private", None, True),
        ("public", "public", "2026-11-22", False),
        ("public", "public", "2026-11-21", True),  # the embargo ends on its date
        ("members", "members", "2027-01-01", False),
        ("archive", "public", "2099-01-01", True),  # archivists see embargoed stories
    ],
)
def test_visibility_and_embargo(tmp_path, profile, visibility, embargo, visible):
    import datetime as dt

    from harvest.core.privacy import is_visible

    settings = Settings.for_directory(tmp_path, profile=profile, today=dt.date(2026, 11, 21))
    assert is_visible(visibility, embargo and dt.date.fromisoformat(embargo), settings) is visible


@pytest.mark.parametrize(
    "html, forbidden",
    [
        ("<script>alert(1)</script><p>ok</p>", "<script"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<form action="https://evil.example"><input></form>', "<form"),
        ('<p style="background:url(https://evil.example/t.png)">x</p>', "url("),
        ('<img src="https://tracker.example/p.gif">', "tracker.example"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<link rel="stylesheet" href="https://cdn.example/x.css">', "cdn.example"),
        ("<!-- a private note -->", "private note"),
        ('<pre class="mermaid">graph TD; A-->B</pre>', "mermaid"),  # Material would fetch Mermaid
    ],
)
def test_sanitiser_removes_active_and_remote_content(html, forbidden):
    assert forbidden not in clean_html(html)


def test_public_site_makes_no_outside_request(sample_site):
    """The ordinary build, not only the offline copy, loads nothing from another host."""
    from harvest.offline.outside import scan_site

    report = scan_site(sample_site)
    assert not report.loads, [f.format() for f in report.loads]


def test_sanitiser_keeps_markdown_output():
    html = (
        '<h2 id="what">What?</h2><p><a href="../other/">link</a> <em>e</em> '
        '<mark class="harvest-redacted">kept</mark></p><img src="photo.jpg" alt="a">'
    )
    # ids are namespaced (issue 13: a story element may not take an id the theme looks up)
    assert clean_html(html).replace(' rel="noopener noreferrer"', "") == html.replace(
        'id="what"', 'id="user-content-what"'
    )


def test_markup_in_titles_and_fields_never_becomes_html(project):
    """Titles, places, summaries and lesson names are contributors' text: printed, never run."""
    hostile = "<img src=x onerror=alert(1)>"
    story = project / "stories" / "2026" / "hostile.md"
    story.write_text(
        f'---\ntitle: "Evil {hostile} title"\ndate: 2026-05-05\nevent: action\n'
        f'place: "Town {hostile}"\ncontributors: []\nlessons: [joy]\n'
        f'summary: "Sum {hostile}."\n---\n\nBody <script>alert(2)</script> text.\n'
    )
    lessons = project / "stories" / "lessons.yml"
    lessons.write_text(lessons.read_text().replace("title: Joy", f'title: "Joy {hostile}"'))
    site = build(project)
    for html_file in site.rglob("*.html"):
        text = html_file.read_text("utf-8")
        assert "<img src=x onerror" not in text and "<script>alert(2)" not in text, html_file
    page = (site / "2026" / "hostile" / "index.html").read_text("utf-8")
    assert "Evil &lt;img src=x onerror=alert(1)&gt; title" in page
