"""`present`: result files (solve --json) and an optional map file, checked, to the deck.

Each result file is read with the line and column of its values (`json_document`) and
checked by `result_file`: a file that is not a result, has no allocation, or lacks a
figure the deck draws (or has one of the wrong kind) is refused with a located message
(exit 2) before anything is drawn or written; the deck itself is `reports.deck`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import Problem, ScenarioError
from .json_document import read_document
from .language import result_language, run_language
from .outlines import Outline, load_outlines
from .reports.deck import build_deck
from .reports.labels import Labels
from .result_file import result_problems


def load_results(paths: Sequence[Path], lang: str = "en") -> list[dict[str, Any]]:
    """The result documents, in order; every problem of every file at once."""
    L = Labels(lang)
    problems: list[Problem] = []
    docs: list[dict[str, Any]] = []
    seen: dict[Path, Path] = {}
    base_clusters: list[str] | None = None
    for path in paths:
        same = seen.setdefault(path.resolve(), path)
        if same is not path:
            problems.append(Problem(str(path), 0, 0, "", L("deck.error.twice", first=str(same))))
            continue
        try:
            document = read_document(path)
        except ScenarioError as e:  # not JSON, or not readable: the other files still told
            problems += e.problems
            continue
        found = result_problems(document)
        if found:
            problems += found
            continue
        doc = document.value
        # A deck compares plans of one city: the same clusters as the base result's.
        clusters = sorted(c["id"] for c in doc["clusters"])
        if base_clusters is None:
            base_clusters = clusters
        elif clusters != base_clusters:
            problems.append(
                document.problem("clusters", L("deck.error.other_city", base=str(paths[0])))
            )
            continue
        docs.append(doc)
    if problems:
        raise ScenarioError(problems)
    return docs


def language_of(docs: Sequence[Mapping[str, Any]]) -> str:
    """The base result's language (a result from before it was recorded: Spanish, the
    scenario default)."""
    lang = docs[0]["scenario"].get("language", "es")
    return lang if isinstance(lang, str) else "es"


def prepare(
    paths: Sequence[Path], *, lang: str | None = None, map_file: Path | None = None
) -> tuple[list[dict[str, Any]], str, list[Outline]]:
    """Read and check everything the deck needs, before any file is written: the result
    documents (the first is the base), the deck's language, and the cluster outlines."""
    # Problems with the files are told in the run's language: `--lang`, else the base
    # result's, else the environment's.
    docs = load_results(paths, lang or run_language(None, result_language(paths[0])))
    language = lang or language_of(docs)
    outlines: list[Outline] = []
    if map_file is not None:
        outlines = load_outlines(map_file, {c["id"] for c in docs[0]["clusters"]})
    return docs, language, outlines


def present(
    paths: Sequence[Path],
    output: Path,
    *,
    lang: str | None = None,
    map_file: Path | None = None,
    run_at: datetime | None = None,
) -> None:
    """The deck of `paths` into `output`, from Python (the CLI writes through its plan)."""
    docs, language, outlines = prepare(paths, lang=lang, map_file=map_file)
    build_deck(docs, output, lang=language, outlines=outlines, run_at=run_at)
