"""The one I/O layer (issue 14): decoding, CSV delimiters, mapping files, never-overwriting writes,
and duplicate keys refused in every format `harvest import` reads. Expectations written by hand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_harvest
from harvest.core.fileio import make_folders, write_new
from harvest.core.mappingfile import load_mapping_file
from harvest.core.problems import HarvestError
from harvest.core.textfile import Undecodable, csv_delimiter, decode
from harvest.importer.decode import Skip, split_post

FIXTURES = Path(__file__).parent / "fixtures"


# --- decoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, legacy, text, note",
    [
        (b"plain\n", False, "plain\n", None),
        (b"\xef\xbb\xbfwith BOM\n", False, "with BOM\n", None),
        (b"\xef\xbb\xbfwith BOM\n", True, "with BOM\n", None),
        (b"a\r\nb\rc\n", False, "a\nb\nc\n", None),
        (b"caf\xc3\xa9\r\n", True, "caf\u00e9\n", None),
        (b"\xff\xfec\x00a\x00f\x00\xe9\x00\r\x00\n\x00", True, "caf\u00e9\n", None),  # UTF-16 LE + BOM
        (b"\xfe\xff\x00c\x00a\x00f\x00\xe9\x00\n", True, "caf\u00e9\n", None),  # UTF-16 BE + BOM
        (
            b"ok\n\x93quoted\x94\n",
            True,
            "ok\n\u201cquoted\u201d\n",
            "not valid UTF-8 (byte 0x93 on line 2); read as Windows-1252/Latin-1 — check accented letters in the imported story",
        ),
        (
            b"x\x81",
            True,
            "x\x81",  # 0x81 is not Windows-1252 either: Latin-1
            "not valid UTF-8 (byte 0x81 on line 1); read as Windows-1252/Latin-1 — check accented letters in the imported story",
        ),
    ],
)
def test_decode_reads(data, legacy, text, note):
    assert decode(data, legacy=legacy) == (text, note)


@pytest.mark.parametrize(
    "data, legacy, message, line, hint",
    [
        (b"\xff\xfe-\x00-\x00-\x00", False, "file is UTF-16 encoded", 1, "save it as UTF-8"),
        (b"\xfe\xff\x00-\x00-\x00-", False, "file is UTF-16 encoded", 1, "save it as UTF-8"),
        (b"\xff\xfe-\x00-", True, "file starts like UTF-16 but is not valid UTF-16", None, "save it as UTF-8"),
        (b"---\x00\x01", False, "not a text file (it contains binary data)", None, "put it elsewhere"),
        (b"\x89PNG\r\n\x00\x00", True, "not a text file (it contains binary data)", None, "put it elsewhere"),
        (
            b"one\ntwo\nCaf\xe9\n",
            False,
            "not valid UTF-8 (byte 0xe9)",
            3,
            "save the file as UTF-8 (in most editors: Save with encoding → UTF-8)",
        ),
        (
            b"\xef\xbb\xbf\xc3(",
            False,
            "not valid UTF-8 (byte 0xc3)",
            1,
            "save the file as UTF-8 (in most editors: Save with encoding → UTF-8)",
        ),
    ],
)
def test_decode_refuses(data, legacy, message, line, hint):
    with pytest.raises(Undecodable) as refused:
        decode(data, legacy=legacy, binary_hint="put it elsewhere")
    assert (refused.value.message, refused.value.line, refused.value.hint) == (message, line, hint)


# --- CSV delimiters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, delimiter",
    [
        ("Title,Date\nA,2020-01-01\n", ","),
        ("Title;Date\nA;2020-01-01\n", ";"),
        ("Title\tDate\nA\t2020-01-01\n", "\t"),
        ("\ufeffTitle;Date;Summary\nA;2020-01-01;Fine, really.\n", ";"),
        ("Title;Date;Lessons (a, b)\nx;2020;a, b\ny;2021;c, d\n", ";"),  # both fit on every line: heading counts
        ("Title;Story (text, commas, allowed)\nx;y\nz;w\n", ";"),  # ',' only in the heading: not the delimiter
        ("Title, subtitle\tDate\nA\tB\n", "\t"),
        ('Title,Summary,Date\nA,"x; y; z",2020\nB,"p; q",2021\n', ","),
        ("Title;Date;Place\n", ";"),  # the heading row alone
        ("Title\nCafé\n", ","),  # one column
        ("a,b,c\n1,2\n1,2,3,4,5\n1\n", ","),  # too ragged to judge
        ("", ","),
    ],
)
def test_csv_delimiter(text, delimiter):
    assert csv_delimiter(text) == delimiter


@pytest.mark.parametrize(
    "fixture, delimiter",
    [
        ("import/csv/garden.csv", ";"),
        ("intake/encuesta.csv", ";"),
        ("intake/stories.csv", ","),
    ],
)
def test_csv_delimiter_of_the_fixtures(fixture, delimiter):
    assert csv_delimiter((FIXTURES / fixture).read_text("utf-8")) == delimiter


def test_semicolon_csv_with_commas_in_a_heading_is_imported_by_columns(project, tmp_path):
    """The old rule counted the heading row only: 5 commas beat 4 semicolons."""
    (tmp_path / "sheet.csv").write_text(
        "Title;Date;Lessons;Story;Notes (who, what, where, when, why, how)\n"
        "Bread run;2023-03-18;joy;We baked, then we walked.;none\n",
        "utf-8",
    )
    result = run_harvest("import", str(tmp_path / "sheet.csv"), "--event", "festival", "--place", "Town", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    [written] = (project / "stories" / "_inbox").glob("imp-*.md")
    text = written.read_text("utf-8")
    assert 'title: "Bread run"\n' in text and "date: 2023-03-18\n" in text and "We baked, then we walked." in text


# --- mapping files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, data, lines, problems",
    [
        (b"", {}, {}, []),
        (b"  \n\n", {}, {}, []),
        (b"columns:\n  title: Name\n", {"columns": {"title": "Name"}}, {"columns": 1}, []),
        (b"\xef\xbb\xbfdefaults: {event: action}\r\n", {"defaults": {"event": "action"}}, {"defaults": 1}, []),
        (
            b"columns: {}\ncolums: x\n",
            {"columns": {}, "colums": "x"},
            {"columns": 1, "colums": 2},
            ["m.yml:2: colums: unknown mapping key\n    hint: did you mean 'columns'?"],
        ),
    ],
)
def test_mapping_file_is_read(tmp_path, content, data, lines, problems):
    (tmp_path / "m.yml").write_bytes(content)
    loaded = load_mapping_file(tmp_path / "m.yml", "m.yml", ("columns", "defaults"))
    assert (loaded.data, loaded.lines, [p.format() for p in loaded.problems]) == (data, lines, problems)


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "m.yml: file: mapping file not found"),
        (b"columns: a\ncolumns: b\n", "m.yml:2: columns: is given twice (lines 1 and 2)"),
        (b"columns: a\nColumns: b\n", "m.yml:2: Columns: clashes with 'columns' (lines 1 and 2)"),
        (b"columns: &x {a: 1}\ndefaults: *x\n", "m.yml:1: front matter: YAML anchors and aliases"),
        (b"columns: !!python/object:os.system x\n", "m.yml:1: front matter: YAML tag not allowed"),
        ("columns: x\n".encode("utf-16"), "m.yml:1: file: file is UTF-16 encoded"),
        (b"columns: caf\xe9\n", "m.yml:1: file: not valid UTF-8 (byte 0xe9)"),
        (b"[a, b]\n", "m.yml:1: front matter: front matter must be a list of `field: value` lines"),
    ],
)
def test_mapping_file_is_refused(tmp_path, content, expected):
    if content is not None:
        (tmp_path / "m.yml").write_bytes(content)
    with pytest.raises(HarvestError) as refused:
        load_mapping_file(tmp_path / "m.yml", "m.yml", ("columns", "defaults"))
    assert refused.value.problems[0].format().startswith(expected)


def test_mapping_file_problems_name_the_key_and_its_line(tmp_path):
    (tmp_path / "m.yml").write_text("defaults:\n  event: x\ncolumns:\n  titel: Name\n", "utf-8")
    loaded = load_mapping_file(tmp_path / "m.yml", "m.yml", ("columns", "defaults"))
    loaded.refuse("columns", "not a field or prompt id", "did you mean 'title'?", field="columns.titel")
    with pytest.raises(HarvestError) as refused:
        loaded.raise_problems()
    assert refused.value.report().splitlines()[:2] == [
        "m.yml:3: columns.titel: not a field or prompt id",
        "    hint: did you mean 'title'?",
    ]


# --- writing a new file, never over another ----------------------------------------------------------


def test_write_new_takes_the_first_free_name_and_leaves_nothing_else(tmp_path):
    (tmp_path / "a.md").write_text("old", "utf-8")
    written = write_new(tmp_path, ["a.md", "a-2.md", "a-3.md"], "new ✓\n", mode=0o600)
    assert written == tmp_path / "a-2.md"
    assert (tmp_path / "a.md").read_text("utf-8") == "old" and written.read_text("utf-8") == "new ✓\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-2.md", "a.md"]
    assert os.stat(written).st_mode & 0o777 == 0o600


def test_write_new_refuses_when_every_name_is_taken(tmp_path):
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(name, "utf-8")
    with pytest.raises(FileExistsError):
        write_new(tmp_path, ["a.md", "b.md"], b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.md"]
    assert (tmp_path / "a.md").read_text("utf-8") == "a.md"


# --- duplicate keys in imported posts and records ---------------------------------------------------


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{"title": "A", "visibility": "private", "visibility": "public"}\nBody', "field 'visibility' is given twice"),
        ('{\n  "title": "A",\n  "Title": "B"\n}\nBody', "field 'Title' clashes with 'title'"),
        (
            '{"title": "A", "date": {"created": "2020-01-01", "created ": "2021-01-01"}}\nBody',
            "field 'created ' clashes with 'created'",
        ),
        ('+++\ntitle = "A"\nTITLE = "B"\n+++\nBody', "field 'TITLE' clashes with 'title'"),
        ('+++\ntitle = "A"\n[extra]\nkey = 1\nKey = 2\n+++\nBody', "field 'Key' clashes with 'key'"),
        ("---\ntitle: A\nvisibility: private\nvisibility: public\n---\nBody", "is given twice (lines 3 and 4)"),
    ],
)
def test_front_matter_keys_given_twice_are_refused_in_every_format(text, reason):
    with pytest.raises(Skip) as skipped:
        split_post(text, "post.md")
    assert skipped.value.reason == reason


@pytest.mark.parametrize(
    "name, content, expected",
    [
        (
            "records.json",
            '[{"id": 1, "title": "A", "date": "2020-01-02", "lessons": ["joy"], "visibility": "members", '
            '"visibility": "public", "body": "Text."}]',
            "records.json: field 'visibility' is given twice",
        ),
        (
            "records.json",
            '{"stories": [{"id": 1, "title": "A", "Title": "B", "date": "2020-01-02", "tags": "joy", '
            '"body": "Text."}]}',
            "records.json: field 'Title' clashes with 'title'",
        ),
        (
            "sheet.csv",
            "Title,Date,Lessons,Visibility,Story,visibility\nA,2020-01-02,joy,members,Text.,public\n",
            "sheet.csv:1: field 'visibility' clashes with 'Visibility'",
        ),
        (
            "sheet.csv",
            "Title;Date;Lessons;Story;Story\nA;2020-01-02;joy;One.;Two.\n",
            "sheet.csv:1: field 'Story' is given twice",
        ),
    ],
)
def test_records_with_a_field_given_twice_are_not_imported(project, tmp_path, name, content, expected):
    (tmp_path / name).write_text(content, "utf-8")
    result = run_harvest("import", str(tmp_path / name), "--event", "festival", "--place", "Town", cwd=project)
    assert expected in result.stdout + result.stderr, result.stdout + result.stderr
    assert "keep one of them" in result.stdout + result.stderr
    assert list((project / "stories" / "_inbox").glob("imp-*.md")) == []


def test_blank_csv_headings_are_not_duplicates(project, tmp_path):
    (tmp_path / "sheet.csv").write_text("Title,Date,Lessons,Story,,\nA,2020-01-02,joy,Text.,,\n", "utf-8")
    result = run_harvest("import", str(tmp_path / "sheet.csv"), "--event", "festival", "--place", "Town", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list((project / "stories" / "_inbox").glob("imp-*.md"))) == 1


@pytest.mark.parametrize(
    "asked, there, made",
    [
        # (folders asked for, relative to tmp_path; what is then there; how many were made)
        (["a/b/c", "a/b/c", "a/d"], {"a", "a/b", "a/b/c", "a/d"}, 2),  # parents too, each once
        (["x"], {"x", "x/old"}, 1),  # already there, with something in it: left as it is
        (["f/g", "h"], {"f", "h"}, 1),  # `f` is a file: nothing made under it, the rest made
        ([], set(), 0),
    ],
    ids=["nested and repeated", "already there", "a file in the way", "nothing"],
)
def test_make_folders(tmp_path, asked, there, made):
    (tmp_path / "x" / "old").mkdir(parents=True) if "x" in asked else None
    (tmp_path / "f").write_text("a file") if "f/g" in asked else None
    assert make_folders(str(tmp_path / a) for a in asked) == made
    assert {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")} == there
