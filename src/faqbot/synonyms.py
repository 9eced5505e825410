"""The synonym table editors keep in ``content/synonyms.yaml``.

Each entry maps the content's word (or phrase) to the words citizens type for it::

    bürgergeld: [hartz iv, hartz 4, alg 2, stütze]

At query time a typed variant also searches for the content's word (see ``SynonymFilter``).
"""
from __future__ import annotations

from pathlib import Path

from .analysis import words_of
from .content import ContentError, Problem, read_yaml

FILE_NAME = "synonyms.yaml"


def load_synonyms(content_root: Path) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Folded variant phrase -> folded words of the content's term(s); {} without a file."""
    path = Path(content_root) / FILE_NAME
    if not path.exists():
        return {}
    shown = f"content/{FILE_NAME}"
    data, node = read_yaml(path, shown)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContentError([Problem(shown, 1, "erwartet Einträge 'begriff: [variante, ...]'")])
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    table: dict[tuple[str, ...], list[str]] = {}
    problems = []
    for term, variants in data.items():
        line = lines.get(str(term), 1)
        if not isinstance(term, str) or not words_of(term):
            problems.append(Problem(shown, line, f"'{term}' ist kein Begriff"))
            continue
        if not isinstance(variants, list) or not all(isinstance(v, (str, int)) for v in variants):
            problems.append(Problem(shown, line, f"'{term}': die Varianten müssen eine Liste sein"))
            continue
        target = words_of(term)
        for variant in variants:
            key = tuple(words_of(str(variant)))
            if key:
                merged = table.setdefault(key, [])
                merged.extend(w for w in target if w not in merged)
    if problems:
        raise ContentError(problems)
    return {k: tuple(v) for k, v in table.items()}
