"""English word variants (drill -> drills, drilled...), exactly as whoosh's `morph_en.variations`.

whoosh joins its 115 word-ending rules into 6 large regular expressions and tries them in turn;
compiling them is ~12 ms, every time `harvest search` starts, for a few words. Here each rule is
compiled on its own, and only when a word ends as the rule requires (most rules end with fixed
letters: "(ness)", "er(s)"), so a query compiles a handful of small expressions. The result is
whoosh's to the letter: the same rules (read from whoosh), tried in the same order, the first
rule matching at the leftmost position wins, as in whoosh's alternation; tests/test_search.py
compares the two on thousands of words.
"""

from __future__ import annotations

import re

from whoosh.lang import morph_en

_compiled: dict[int, re.Pattern] = {}


def _tail(rule: str) -> str:
    """Letters every word the rule matches ends with ("" when that cannot be told simply)."""
    if "|" in rule or "(?" in rule or "\\" in rule:
        return ""
    bare = rule.replace("(", "").replace(")", "")
    match = re.search(r"[a-z]*\Z", bare)
    return match.group() if match else ""


_SIZE = morph_en._partition_size
_RULES = morph_en.rules
# The rules as whoosh partitions them: (number in its partition, number overall, required ending).
_PARTITIONS = [
    [(n, start + n, _tail(rule)) for n, (rule, _results) in enumerate(_RULES[start : start + _SIZE])]
    for start in range(0, (len(_RULES) // _SIZE + 1) * _SIZE, _SIZE)
]


def _pattern(number: int, in_partition: int) -> re.Pattern:
    pattern = _compiled.get(number)
    if pattern is None:
        pattern = _compiled[number] = re.compile(f"(?P<_g{in_partition}>{_RULES[number][0]})$")
    return pattern


def variations(word: str):
    """`whoosh.lang.morph_en.variations(word)`: a list or a set of words (some not real words)."""
    if word in morph_en._exdict:
        return morph_en._exdict[word].split(" ")
    if "\n" in word or any(not partition for partition in _PARTITIONS):
        return morph_en.variations(word)  # ($ before a final newline; an empty partition): whoosh's
    for partition in _PARTITIONS:
        best = None
        for in_partition, number, tail in partition:
            if tail and not word.endswith(tail):
                continue
            match = _pattern(number, in_partition).search(word)
            if match is not None and (best is None or match.start() < best[0].start()):
                best = (match, number)
        if best is not None:
            match, number = best
            groups = [g for g in match.groups() if g is not None]
            ending = groups[-1]
            root = word[: 0 - len(ending)] if ending else word
            out = {word}
            for result in _RULES[number][1].split(","):
                if result.startswith("&"):
                    out.add(root + root[-1] + result[1:])
                elif result.startswith("*"):
                    continue  # (whoosh computes these and drops them: `out.union(...)`)
                else:
                    out.add(root + result)
            return out
    return [word]
