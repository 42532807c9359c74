"""Upkeep of the message catalogues (developers' tool; nothing in the package imports it).

    python -m pazos_budget.catalogues extract   # move staged texts into the catalogues
    python -m pazos_budget.catalogues compile   # rebuild the .mo files from the .po files
    python -m pazos_budget.catalogues check     # what a test would refuse, file by file

A new text may be added the old way, as a key in both `ES` and `EN` of
`reports/labels.py` (the staging dicts). `extract` moves every staged key into
`locale/{es,en}/LC_MESSAGES/pazos_budget.po`, recompiles the `.mo` files and empties the
staging dicts in the source; a key staged in one language only stays where it is and is
named. `check` (run by the tests) lists sentences spelled in the code of the modules
that speak to a person (terminal, CLI, reports), staged keys, keys in one catalogue
only, placeholders that differ between languages, and `.mo` files that do not match their
`.po`.
"""

from __future__ import annotations

import ast
import io
import json
import re
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LANGUAGES, LOCALES, mo_path, po_path

PACKAGE = Path(__file__).parent
LABELS = PACKAGE / "reports" / "labels.py"
STAGING: dict[str, str] = {"es": "ES", "en": "EN"}


def staged(source: str) -> dict[str, tuple[dict[str, str], int, int]]:
    """The staging dicts of labels.py: language -> (texts, first line, last line)."""
    found: dict[str, tuple[dict[str, str], int, int]] = {}
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            for lang, name in STAGING.items():
                if node.target.id == name:
                    value = ast.literal_eval(node.value)
                    found[lang] = (value, node.lineno, node.end_lineno or node.lineno)
    return found


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=LOCALES[lang], domain=DOMAIN)


def write(lang: str, catalogue: Catalog) -> None:
    po_path(lang).parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, catalogue, width=0, sort_output=False, omit_header=False)
    po_path(lang).write_bytes(buf.getvalue())
    mo_path(lang).write_bytes(mo_bytes(catalogue))


def mo_bytes(catalogue: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalogue)
    return buf.getvalue()


def new_catalogue(lang: str) -> Catalog:
    return Catalog(
        locale=LOCALES[lang],
        domain=DOMAIN,
        project="pazos-budget",
        msgid_bugs_address="",
        copyright_holder="",
        fuzzy=False,
    )


def add(catalogues: Mapping[Any, Catalog], key: str, by_lang: Mapping[str, str]) -> None:
    for lang, cat in catalogues.items():
        comments = [f"en: {by_lang['en']}"] if lang != "en" else []
        flags = ["python-brace-format"] if "{" in by_lang[lang] else []
        cat.add(key, by_lang[lang], auto_comments=comments, flags=flags)


def extract(labels: Path = LABELS) -> list[str]:
    """Move the staged texts into the catalogues; the keys that could not be moved."""
    source = labels.read_text(encoding="utf-8")
    found = staged(source)
    texts = {lang: found[lang][0] if lang in found else {} for lang in LANGUAGES}
    keys = [k for k in texts["es"] if k in texts["en"]]
    left = sorted(set(texts["es"]) ^ set(texts["en"]))
    catalogues = {
        lang: read(lang) if po_path(lang).exists() else new_catalogue(lang) for lang in LANGUAGES
    }
    for key in keys:
        add(catalogues, key, {lang: texts[lang][key] for lang in LANGUAGES})
    for lang in LANGUAGES:
        write(lang, catalogues[lang])
    # Rewrite the staging dicts, last first so that earlier line numbers hold.
    lines = source.splitlines(keepends=True)
    for name in sorted(found, key=lambda g: -found[g][1]):
        rest, first, last = found[name]
        kept = "".join(f"    {py(k)}: {py(v)},\n" for k, v in rest.items() if k in left)
        body = f"{{\n{kept}}}" if kept else "{}"
        lines[first - 1 : last] = [f"{STAGING[name]}: dict[str, str] = {body}\n"]
    labels.write_text("".join(lines), encoding="utf-8")
    return [f"{k}: staged in {'ES' if k in texts['es'] else 'EN'} only" for k in left]


def py(text: str) -> str:
    """A Python string literal as ruff format writes it (double quotes)."""
    return json.dumps(text, ensure_ascii=False)


def compile_all() -> None:
    for lang in LANGUAGES:
        mo_path(lang).write_bytes(mo_bytes(read(lang)))


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None and f != ""}


#: The modules that speak to a person; a sentence spelled in one of them (not a key) is a
#: text added the old way, in one language.
SPEAKERS = ("terminal.py", "cli.py", "present.py", "reports/*.py")
PROSE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")
#: Literals that look like prose and are not texts: values compared, matplotlib places,
#: the money units and sheet-name prefixes a scenario may spell.
NOT_TEXTS = frozenset(
    {
        "not solved",
        "lower right",
        "upper right",
        "COP millions",
        "COP thousands",
        "millones de COP",
        "miles de COP",
        "Secretaría de la ",
        "Secretaría de ",
        "Secretaría del ",
        "Secretaria de ",
        "Department of the ",
        "Department of ",
        "cannot write a ",
    }
)
#: Still in English only: known, listed so that any new one fails the check.
ENGLISH_ONLY: frozenset[str] = frozenset()


def literals(root: Path = PACKAGE) -> list[str]:
    """Sentences spelled in the modules that speak to a person, outside the catalogues:
    'FILE:LINE: text' for each (docstrings and --help texts are not counted)."""
    found: list[str] = []
    for pattern in SPEAKERS:
        for path in sorted(root.glob(pattern)):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                    first = node.body[0] if node.body else None
                    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                        skip.add(id(first.value))
                if isinstance(node, ast.keyword) and node.arg in ("help", "epilog"):
                    skip.update(id(n) for n in ast.walk(node.value))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skip
                    and node.value not in NOT_TEXTS | ENGLISH_ONLY
                    and PROSE.search(node.value)
                ):
                    where = path.relative_to(root)
                    found.append(
                        f"{where}:{node.lineno}: {node.value!r} is spelled in the code: add it "
                        "to both catalogues (or stage it in labels.ES/EN) and look it up"
                    )
    return found


def check(labels: Path = LABELS, root: Path = PACKAGE) -> list[str]:
    """Every reason the catalogues are not one source in two languages."""
    problems: list[str] = literals(root)
    for lang, (texts, first, _) in staged(labels.read_text(encoding="utf-8")).items():
        for key in texts:
            problems.append(
                f"{labels.name}:{first}: {STAGING[lang]}[{key!r}] is staged: run "
                "`python -m pazos_budget.catalogues extract`"
            )
    cats = {lang: read(lang) for lang in LANGUAGES}
    msgs: dict[str, dict[str, str]] = {
        lang: {str(m.id): str(m.string) for m in cat if m.id} for lang, cat in cats.items()
    }
    for lang, other in (("es", "en"), ("en", "es")):
        for key in sorted(set(msgs[lang]) - set(msgs[other])):
            problems.append(f"{po_path(other).name} ({other}): {key}: missing (only in {lang})")
    for key in sorted(set(msgs["es"]) & set(msgs["en"])):
        if not msgs["es"][key] or not msgs["en"][key]:
            problems.append(f"{key}: empty text")
        elif fields(msgs["es"][key]) != fields(msgs["en"][key]):
            problems.append(f"{key}: placeholders differ between es and en")
    for lang, cat in cats.items():
        if not mo_path(lang).exists() or mo_path(lang).read_bytes() != mo_bytes(cat):
            problems.append(
                f"{mo_path(lang)}: does not match its .po: run "
                "`python -m pazos_budget.catalogues compile`"
            )
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        left = extract()
        for line in left:
            print(line)
        return 1 if left else 0
    if command == "compile":
        compile_all()
        return 0
    if command == "check":
        problems = check()
        for line in problems:
            print(line)
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
