"""End-to-end: `harvest import` on real fixture collections, then `harvest check` and the strict build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import build, run_harvest
from harvest.core.parse import FrontMatterLoader

FIXTURES = Path(__file__).parent / "fixtures" / "import"
STATUS = {
    "imported (new)": "imported",
    "updated": "updated",
    "unchanged": "unchanged",
    "kept (edited)": "kept",
    "skipped": "skipped",
    "total": "total",
}


def harvest_import(project: Path, *args) -> str:
    result = run_harvest("import", *map(str, args), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def counts(output: str) -> dict[str, int]:
    found = {}
    for label, key in STATUS.items():
        match = re.search(rf"^  {re.escape(label)}\s+(\d+)$", output, re.M)
        found[key] = int(match.group(1))
    return found


def story(folder: Path, name: str) -> tuple[dict, str, str]:
    """(front matter, body, whole text) of the one imported story whose file name starts with imp-<name>-."""
    files = list(folder.glob(f"imp-{name}-*.md"))
    assert len(files) == 1, (name, sorted(p.name for p in folder.iterdir()))
    text = files[0].read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    # Read as Harvest reads it: dates (written plain, `date: 2019-03-05`) stay text.
    return yaml.load(front, Loader=FrontMatterLoader), body, text


def test_jekyll_posts(project):
    out = harvest_import(project, FIXTURES / "jekyll", "--event", "crisis-sim")
    assert counts(out) == {"imported": 3, "updated": 0, "unchanged": 0, "kept": 0, "skipped": 3, "total": 6}
    assert "2019-05-01-bad-yaml.md:2: invalid YAML" in out
    assert "2019-06-01-no-front-matter.md:1: no front matter" in out
    assert "2019-08-01-unpublished.md:1: a draft" in out
    inbox = project / "stories" / "_inbox"

    meta, body, text = story(inbox, "river-drill")
    assert "\r" not in text
    assert meta["title"] == "The night the river drill went sideways"  # from `Title:`
    assert meta["date"] == "2019-03-05" and meta["event"] == "crisis-sim" and meta["place"] == ""  # not "Unknown"
    assert meta["contributors"] == ["ana-ruiz", "ben-okafor", "carla"]
    assert meta["lessons"] == ["logistics", "safety"]
    assert meta["summary"] == "We ran the flood drill at dusk."
    assert "river-drill.md:3: date: front matter says 2019-03-05 but the file name says 2019-03-04" in out
    assert "river-drill.md:11: body: Liquid tag `{% if … %}` removed" in out
    assert "river-drill.md:15: body: HTML <script> removed" in out
    for expected in (
        "## What surprised us?",
        "## Who stepped forward?",
        "### Background",
        "```bash",
        "`{{ kept }}`",
        "Read the plan or the earlier post.",
        '<div class="note">Bring a torch.</div>',
        "[map](https://tiles.example.com/map.png)",
    ):
        assert expected in body
    for unexpected in ("{%", "<script", "onclick", "track()", "Remember to remove", "!["):
        assert unexpected not in body
    assert "Tags that match no lesson: sandbags ×1, drill ×1" in out

    meta, body, _ = story(inbox, "cafe-solidario")
    assert meta["title"] == "Café solidario en la plaza" and meta["lang"] == "es-ES"
    assert "¡Qué mañana!" in body
    assert "cafe-solidario.md: file: not valid UTF-8 (byte 0xe9 on line 2); read as Windows-1252" in out

    meta, body, _ = story(inbox, "winter-festival")
    assert meta["contributors"] == ["marisol"]  # "Marisol Ibarra" is in the registry under that handle
    assert meta["event"] == "festival" and meta["lessons"] == ["joy", "outreach"]
    assert meta["summary"].startswith("We lit two hundred paper lanterns")


def test_hugo_site(project):
    out = harvest_import(project, FIXTURES / "hugo", "--event", "action", "--place", "Eastside")
    assert counts(out)["imported"] == 3 and counts(out)["skipped"] == 2
    assert "_index.md: a Hugo section page" in out
    assert "broken.md:2: invalid TOML front matter" in out
    inbox = project / "stories" / "_inbox"

    meta, body, _ = story(inbox, "soup-line")
    assert (meta["date"], meta["event"], meta["place"]) == ("2021-01-15", "mutual-aid", "Eastside")
    assert meta["lessons"] == ["mutual-care"] and meta["contributors"] == ["dele"]
    assert meta["summary"] == "Three pots, forty bowls and a queue round the block."
    assert "[Video on YouTube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in body
    assert "*(image: The queue at noon)*" in body and "See the rota for who cooks when." in body
    assert "Bring your own bowl if you can." in body
    assert '```go\nfmt.Println("{{< not a shortcode >}}")\n```' in body
    assert "## What was missing?\n\nLadles." in body
    assert "{{< note" not in body and "tweet" not in body
    assert "soup-line.md:16: body: Hugo shortcode `{{< note >}}` removed" in out
    assert "soup-line.md:22: body: Hugo shortcode `{{< tweet … >}}` removed" in out
    assert "Tags that match no lesson: Food bank ×1" in out

    files = sorted(inbox.glob("imp-assembly-*.md"))
    stories = [yaml.safe_load(f.read_text("utf-8").split("---\n")[1]) for f in files]
    english = next(s for s in stories if "lang" not in s)
    spanish = next(s for s in stories if s.get("lang") == "es")
    assert english["title"] == "Tenant assembly on the heating"  # `TITLE:`; the repeated `# ` heading is dropped
    assert (english["event"], english["place"]) == ("assembly", "Kestrel Row")
    assert spanish["translation_of"] == english["id"]
    english_text = next(f for f in files if english["id"] in f.name).read_text("utf-8")
    assert "# Tenant assembly" not in english_text.split("---\n", 2)[2]


def test_material_blog(project):
    out = harvest_import(project, FIXTURES / "material" / "docs", "--event", "action")
    assert counts(out)["imported"] == 2 and "planning.md:1: a draft" in out
    inbox = project / "stories" / "_inbox"
    meta, body, _ = story(inbox, "heatwave")
    assert meta["title"] == "Heatwave check-ins"  # the post's `# ` heading
    assert meta["date"] == "2023-07-20"  # date: {created: …}
    assert meta["contributors"] == ["rosa", "bike-1"]  # .authors.yml names matched to the registry
    assert meta["event"] == "crisis-sim" and meta["lessons"] == ["safety"]
    assert "## What was missing?" in body and "more" not in body
    meta, body, _ = story(inbox, "bike-relay")
    assert meta["event"] == "action" and "## What surprised us?\n\nDrivers waved" in body


def test_json_records_and_csv_rows(project):
    out = harvest_import(project, FIXTURES / "json" / "actions.json")
    assert counts(out) == {"imported": 2, "updated": 0, "unchanged": 0, "kept": 0, "skipped": 2, "total": 4}
    assert "actions.json (record 3): no date" in out and "actions.json (record 4): not a record" in out
    inbox = project / "stories" / "_inbox"
    meta, body, _ = story(inbox, "actions-101")
    assert (meta["event"], meta["place"], meta["date"]) == ("action", "Northgate", "2022-04-11")
    assert meta["contributors"] == ["ana-ruiz", "tomek"] and meta["lessons"] == ["communication", "outreach"]
    assert "## What surprised us?\n\nDrivers joined" in body and "## What resource was missing?\n\nA megaphone" in body
    meta, body, _ = story(inbox, "actions-102")
    assert meta["event"] == "crisis-sim" and meta["visibility"] == "members"
    assert "Forty calls in twenty minutes.\n\nTwo numbers were out of date." in body

    out = harvest_import(project, FIXTURES / "csv" / "garden.csv")
    assert counts(out)["imported"] == 2 and counts(out)["skipped"] == 1
    assert "garden.csv:5: date '18/03/2023' is not a date like 2019-03-04" in out
    meta, body, _ = story(inbox, "garden-1")
    assert meta["contributors"] == ["dele", "hanne"] and meta["place"] == "Lowmarsh Green"
    assert "cargo bike.\n\nWe stocked it" in body and "## What resource was missing?\n\nA second fridge." in body
    meta, body, _ = story(inbox, "garden-3")
    assert meta["lessons"] == ["joy"] and "Tags that match no lesson: seeds ×1" in out
    assert run_harvest("check", cwd=project).returncode == 0


def test_reimport_updates_instead_of_duplicating(project, tmp_path):
    source = tmp_path / "blog"
    shutil.copytree(FIXTURES / "jekyll", source)
    first = counts(harvest_import(project, source, "--event", "action"))
    inbox = project / "stories" / "_inbox"
    files = sorted(p.name for p in inbox.iterdir())
    assert first["imported"] == 3 and len(files) == 3

    again = counts(harvest_import(project, source, "--event", "action"))
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert sorted(p.name for p in inbox.iterdir()) == files

    post = source / "_posts" / "2020-01-10-winter-festival.md"
    post.write_text(post.read_text("utf-8").replace("by six", "by half past five"), "utf-8")
    cafe = next(inbox.glob("imp-cafe-solidario-*.md"))
    cafe.write_text(cafe.read_text("utf-8").replace("más de cien", "ciento veinte"), "utf-8")  # a reviewer's edit
    out = harvest_import(project, source, "--event", "action")
    assert (counts(out)["updated"], counts(out)["kept"], counts(out)["unchanged"]) == (1, 1, 1)
    assert "by half past five" in next(inbox.glob("imp-winter-festival-*.md")).read_text("utf-8")
    assert "ciento veinte" in cafe.read_text("utf-8")
    assert f"stories/_inbox/{cafe.name}" in out.split("Kept")[1]

    drill = next(inbox.glob("imp-river-drill-*.md"))
    (project / "stories" / "2019").mkdir()
    drill.rename(project / "stories" / "2019" / drill.name)  # reviewed and moved into the archive
    out = harvest_import(project, source, "--event", "action")
    assert f"already in the archive at stories/2019/{drill.name}" in out
    assert not list(inbox.glob("imp-river-drill-*.md"))
    assert sorted(p.name for p in inbox.iterdir()) == sorted(set(files) - {drill.name})
    assert not list(inbox.glob(".harvest-*"))


def test_dry_run_writes_nothing(project):
    stories = project / "stories"
    before = {p: p.read_bytes() for p in stories.rglob("*") if p.is_file()}
    out = harvest_import(
        project, FIXTURES / "jekyll", "--event", "action", "--dry-run", "--add-lessons", "--add-contributors"
    )
    assert out.startswith("dry run — nothing written")
    assert counts(out)["imported"] == 3
    assert "would be added to stories/lessons.yml: sandbags, drill" in out
    assert {p: p.read_bytes() for p in stories.rglob("*") if p.is_file()} == before
    assert not (stories / "_inbox").exists()


def test_add_lessons_and_contributors_keep_the_vocabularies_valid(project):
    out = harvest_import(project, FIXTURES / "jekyll", "--event", "action", "--add-lessons", "--add-contributors")
    lessons = yaml.safe_load((project / "stories" / "lessons.yml").read_text("utf-8"))
    assert lessons["sandbags"]["title"] == "Sandbags" and "\n" not in lessons["drill"]["description"]
    assert lessons["joy"]["title"] == "Joy"  # existing entries untouched
    registry = yaml.safe_load((project / "stories" / "contributors.yml").read_text("utf-8"))
    assert registry["carla"] == {"credit": "anonymous"} and registry["jose"] == {"credit": "anonymous"}
    assert registry["marisol"]["credit"] == "named"
    meta, _, _ = story(project / "stories" / "_inbox", "river-drill")
    assert meta["lessons"] == ["logistics", "safety", "sandbags", "drill"]
    result = run_harvest("check", cwd=project)
    assert result.returncode == 0 and "0 error(s), 0 warning(s)" in result.stdout, result.stdout
    assert "added as anonymous" in out


def test_mapping_file(project, tmp_path):
    mapping = tmp_path / "map.yml"
    mapping.write_text(
        """\
lessons:
  Sandbags: logistics
  drill: ~
events:
  Drill: crisis-sim
contributors:
  Ana Ruiz: ana
  carla: ~
event_default: assembly
place_default: Riverside
""",
        "utf-8",
    )
    out = harvest_import(project, FIXTURES / "jekyll", "--mapping", mapping)
    inbox = project / "stories" / "_inbox"
    meta, _, _ = story(inbox, "river-drill")
    assert (meta["event"], meta["place"]) == ("crisis-sim", "Riverside")
    assert meta["contributors"] == ["ana", "ben-okafor"] and meta["lessons"] == ["logistics", "safety"]
    assert story(inbox, "cafe-solidario")[0]["event"] == "assembly"
    assert "Tags that match no lesson" not in out

    records = tmp_path / "records.json"
    records.write_text(
        '[{"headline": "Seed library opens", "when": "2024-04-20", "text_body": "Ninety packets.",'
        ' "surprise": "Kids ran it."}]',
        "utf-8",
    )
    mapping.write_text(
        "fields: {title: headline, date: when, body: [text_body]}\nsections: {surprised: Surprise}\n"
        "lessons_default: [joy]\nevent_default: festival\n",
        "utf-8",
    )
    harvest_import(project, records, "--mapping", mapping, "--place", "Lowmarsh Green")
    meta, body, _ = story(inbox, "records-1")
    assert (meta["title"], meta["date"], meta["lessons"]) == ("Seed library opens", "2024-04-20", ["joy"])
    assert body.strip() == "Ninety packets.\n\n## What surprised us?\n\nKids ran it."


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["missing-folder"], 1, "missing-folder: SOURCE: not found"),
        (["{jekyll}", "--into", ".."], 1, "is outside the stories folder"),
        (["{jekyll}", "--into", "stories/lessons"], 1, "'lessons' is used by Harvest's own pages"),
        (["{jekyll}", "--event", "protest"], 1, "unknown event kind 'protest'"),
        (["{jekyll}", "--kind", "wordpress"], 2, "invalid choice: 'wordpress'"),
        (["{jekyll}", "--mapping", "{bad_mapping}"], 1, "map.yml:2: events: 'x': unknown event kind 'protest'"),
        (["{jekyll}", "--mapping", "{bad_mapping}"], 1, "map.yml:1: lesson: unknown mapping key"),
        (["{jekyll}", "--place", " "], 2, "--place needs a place name"),
    ],
)
def test_mistakes_are_reported_and_nothing_is_written(project, tmp_path, args, status, message):
    bad_mapping = tmp_path / "map.yml"
    bad_mapping.write_text("lesson: {}\nevents:\n  x: protest\n", "utf-8")
    args = [a.format(jekyll=FIXTURES / "jekyll", bad_mapping=bad_mapping) for a in args]
    result = run_harvest("import", *args, cwd=project)
    assert result.returncode == status, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "stories" / "_inbox").exists()


def test_imported_archive_passes_check_and_strict_build(project):
    into = project / "stories" / "imported"
    for source in ("jekyll", "hugo", "material/docs", "json/actions.json", "csv/garden.csv"):
        harvest_import(
            project,
            FIXTURES / source,
            "--into",
            "stories/imported",
            "--event",
            "action",
            "--add-lessons",
            "--add-contributors",
        )
    result = run_harvest("check", cwd=project)
    assert result.returncode == 0 and "0 error(s), 0 warning(s)" in result.stdout, result.stdout
    site = build(project)
    ids = [yaml.safe_load(p.read_text("utf-8").split("---\n")[1])["id"] for p in into.glob("*.md")]
    assert len(ids) == 12
    public = [i for i in ids if i != "imp-actions-102-969a58d7"]  # members-only
    for story_id in public:
        html = (site / "imported" / story_id / "index.html").read_text("utf-8")
        assert "<script>track" not in html and "onclick" not in html
        assert not re.search(r"<img[^>]+src=\"(https?:)?//", html)
    assert not (site / "imported" / "imp-actions-102-969a58d7").exists()
    assert (site / "lessons" / "food-bank" / "index.html").exists()


def test_inbox_import_keeps_check_passing_and_is_not_published(project):
    harvest_import(project, FIXTURES / "jekyll", "--event", "action")
    result = run_harvest("check", cwd=project)
    assert result.returncode == 0 and " 0 error(s)" in result.stdout
    site = build(project)
    assert not (site / "_inbox").exists()
    assert "river drill" not in (site / "index.html").read_text("utf-8").lower()


def _generated_post(n: int) -> str:
    tags = ["logistics", "Safety", "Food bank", "joy", "Outreach", "radios", "Mutual care"]
    people = ["Ana Ruiz", "Ben Okafor", "Carla", "Marisol Ibarra", "Dele"]
    authors = ", ".join(people[i % len(people)] for i in range(n % 3 + 1))
    title_key = "Title" if n % 4 == 0 else "title"
    text = (
        f'---\n{title_key}: "Action number {n}: what we learned"\ndate: 20{10 + n % 15}-{n % 12 + 1:02d}-'
        f"{n % 28 + 1:02d}\nauthor: {authors}\ntags: [{tags[n % 7]}, {tags[(n * 3) % 7]}]\n---\n\n"
        f'We met at the usual place for action {n}. {{% include figure.html image_path="/img/{n}.jpg" '
        f'alt="Photo {n}" %}}\nRead [the notes]({{{{ site.baseurl }}}}/notes/{n}/).\n\n'
    )
    if n % 5 == 0:
        text += '{{< youtube abc123 >}}\n\n<iframe src="https://maps.example.com"></iframe>\n\n'
    if n % 2 == 0:
        text += "## What surprised us?\n\nHow many came.\n\n### What was missing?\n\nChairs.\n"
    else:
        text += "## Debrief\n\nWe talked for an hour.\n\n**Who stepped forward?**\n\nThe neighbours.\n"
    return text.replace("\n", "\r\n") if n % 6 == 0 else text


def test_a_few_hundred_posts_import_check_and_build(project, tmp_path):
    posts = tmp_path / "blog" / "_posts"
    posts.mkdir(parents=True)
    for n in range(300):
        (posts / f"2020-01-01-action-{n:03d}.md").write_bytes(_generated_post(n).encode("utf-8"))
    out = harvest_import(
        project,
        tmp_path / "blog",
        "--into",
        "stories/imported",
        "--event",
        "action",
        "--place",
        "Riverside",
        "--add-lessons",
        "--add-contributors",
    )
    assert counts(out)["imported"] == 300 and counts(out)["skipped"] == 0
    result = run_harvest("check", cwd=project)
    assert result.returncode == 0 and "0 error(s), 0 warning(s)" in result.stdout, result.stdout[-2000:]
    site = build(project)
    assert len(list((site / "imported").glob("imp-action-*/index.html"))) == 300
    again = counts(
        harvest_import(
            project,
            tmp_path / "blog",
            "--into",
            "stories/imported",
            "--event",
            "action",
            "--place",
            "Riverside",
            "--add-lessons",
            "--add-contributors",
        )
    )
    assert (again["imported"], again["unchanged"]) == (0, 300)


def test_odd_files_are_imported_or_skipped_with_a_reason(project, tmp_path):
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    front = "---\ntitle: {title}\ndate: {date}\ntags: [joy]\n---\n\n"
    files = {
        "2019-13-45-not-a-date.md": (front.format(title="Odd name", date="2019-04-01") + "Text.").encode(),
        "2019-04-02-Ünïcode title!.markdown": b"---\ntags: [joy]\n---\n\nNo title field.",
        "2019-04-03-bom.md": b"\xef\xbb\xbf" + (front.format(title="With BOM", date="2019-04-03") + "Text.").encode(),
        "2019-04-04-utf16.md": (front.format(title="UTF-16 post", date="2019-04-04") + "Text.").encode("utf-16"),
        "2019-04-05-binary.md": b"---\x00\x01\x02",
        "2019-04-06-empty-body.md": (front.format(title="Empty", date="2019-04-06")).encode(),
        "2019-04-07-only-liquid.md": (front.format(title="Liquid only", date="2019-04-07") + "{% if x %}").encode(),
        "2019-04-08-redact.md": (
            front.format(title="Open span", date="2019-04-08") + "[[redact]] never closed"
        ).encode(),
        ".hidden.md": (front.format(title="Hidden", date="2019-04-09") + "Text.").encode(),
    }
    for name, data in files.items():
        (posts / name).write_bytes(data)
    out = harvest_import(project, tmp_path / "site", "--event", "festival")
    inbox = project / "stories" / "_inbox"
    assert counts(out) == {"imported": 4, "updated": 0, "unchanged": 0, "kept": 0, "skipped": 4, "total": 8}
    assert story(inbox, "not-a-date")[0]["date"] == "2019-04-01"
    meta, body, _ = story(inbox, "unicode-title")
    assert (meta["title"], meta["date"], body.strip()) == ("Ünïcode title!", "2019-04-02", "No title field.")
    assert story(inbox, "bom")[0]["title"] == "With BOM" and story(inbox, "utf16")[0]["title"] == "UTF-16 post"
    assert "2019-04-05-binary.md: not a text file" in out
    assert "2019-04-06-empty-body.md:1: the story would not pass `harvest check`: body: the story has no text" in out
    assert "2019-04-07-only-liquid.md:1: the story would not pass `harvest check`: body" in out
    assert "2019-04-08-redact.md:1: the story would not pass `harvest check`: body: [[redact]] is never closed" in out
    assert "hidden" not in out.lower()
    assert run_harvest("check", cwd=project).returncode == 0


@pytest.mark.parametrize(
    "front, args, reason, hint",
    [
        ("tags: []", ["--add-lessons"], "the post has no tags or categories", "set `lessons_default: [a-lesson]`"),
        ("", ["--add-lessons"], "the post has no tags or categories", "set `lessons_default: [a-lesson]`"),
        ("", [], "the post has no tags or categories", "set `lessons_default: [a-lesson]`"),
        (
            "tags: [Photos]",
            ["--add-lessons", "--mapping", "{ignore}"],
            "the mapping leaves out all its tags (Photos)",
            "or set `lessons_default`",
        ),
        ("tags: [unmapped]", [], "none of its tags or categories is a lesson", "or use --add-lessons"),
    ],
)
def test_a_post_without_lessons_gets_a_hint_that_fits(project, tmp_path, front, args, reason, hint):
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    (posts / "2020-02-02-quiet.md").write_text(f"---\ntitle: Quiet\n{front}\n---\n\nText.\n", "utf-8")
    (tmp_path / "ignore.yml").write_text("lessons: {Photos: ~}\n", "utf-8")
    args = [a.format(ignore=tmp_path / "ignore.yml") for a in args]
    out = harvest_import(project, tmp_path / "site", "--event", "action", *args)
    skipped = out.split("Skipped:")[1]
    assert f"2020-02-02-quiet.md:1: no lesson: {reason}" in skipped and hint in skipped, out
    if "--add-lessons" in args:
        assert "--add-lessons" not in skipped
    mapping = tmp_path / "map.yml"
    mapping.write_text("lessons_default: [joy]\n", "utf-8")
    if "unmapped" not in front and "Photos" not in front:
        out = harvest_import(project, tmp_path / "site", "--event", "action", "--mapping", mapping, *args)
        assert counts(out)["imported"] == 1


@pytest.mark.parametrize(
    "extra, errors",
    [
        ("imported_from: 'jekyll:_posts/x.md'\n", 0),  # an import whose source did not say where
        ("", 1),  # a story written here must name its place
        ("imported_from: 7\n", 2),  # not written by an import: place and imported_from wrong
    ],
)
def test_an_empty_place_is_allowed_only_for_imported_stories(project, extra, errors):
    (project / "stories" / "2026" / "no-place.md").write_text(
        f"---\ntitle: No place\ndate: 2026-01-05\nevent: action\nplace: ''\ncontributors: []\nlessons: [joy]\n"
        f"summary: Somewhere.\n{extra}---\n\nText.\n",
        "utf-8",
    )
    result = run_harvest("check", cwd=project)
    assert f" {errors} error(s)" in result.stdout, result.stdout
    if errors:
        assert "no-place.md:5: place: is empty" in result.stdout
