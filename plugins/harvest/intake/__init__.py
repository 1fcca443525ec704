"""Contributions in, story files out: the plain-Python side of every contribution path.

`harvest new` (terminal), `harvest intake` (issue-form bodies, forge JSON, CSV) and the
site's "Contribute a story" form all start from an *answers* dict (field name -> text,
plus `prompts`: prompt id -> answer), turn it into front matter + body (`compose`),
check it with the archive's own validator (`check.check_story`) and only then write
it with `storyfile.write_new_story` (safe name, never overwrites, atomic).
"""
