"""The gettext catalogues are the one source of every text, in both languages.

`catalogues.check` is what `python -m pazos_budget.catalogues check` prints; the tests
below also break it on purpose (a staged key, a key in one language only, a stale .mo)
so that the check is known to fail when it should."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pazos_budget import catalogues, i18n
from pazos_budget.errors import ReportError
from pazos_budget.reports.labels import TEXTS, Labels


def test_catalogues_are_one_source_in_two_languages() -> None:
    assert catalogues.check() == []


def test_both_languages_have_the_same_keys() -> None:
    assert set(i18n.texts("es")) == set(i18n.texts("en"))
    assert len(i18n.texts("es")) > 300


def test_labels_read_the_compiled_catalogue() -> None:
    assert Labels("es")("sheet.summary") == "Resumen"
    assert Labels("en")("sheet.summary") == "Summary"
    assert Labels("es")("n_of", n=3, total=4) == "3 de 4"
    with pytest.raises(ReportError, match="language 'fr' is not available"):
        Labels("fr")


def test_numbers_in_text_follow_the_locale() -> None:
    assert i18n.number(1234.5, 1, "es") == "1.234,5"
    assert i18n.number(1234.5, 1, "en") == "1,234.5"
    assert i18n.number(-0.04, 1, "es") == "0,0"  # never "-0,0"
    assert i18n.number(-0.4, 0, "en") == "0"
    # Rounded as a spreadsheet shows the cell: halves away from zero, from the decimal
    # the number is written as (Python's own formatting gave "-1.234", "802", "0.308").
    assert i18n.number(-1234.5, 0, "es") == "-1.235"
    assert i18n.number(802.5, 0, "es") == "803"
    assert i18n.number(0.3085, 3, "en") == "0.309"  # the float is 0.30849999...
    assert i18n.number(2.675, 2, "en") == "2.68"
    assert Labels("es").sig(0.1585) == "0,159"
    assert Labels("es").percent(-0.0001) == "0 %"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of labels.py and of the catalogues that extract and check may rewrite."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    labels = tmp_path / "labels.py"
    shutil.copy(catalogues.LABELS, labels)
    return labels


def stage(labels: Path, es: dict[str, str], en: dict[str, str]) -> None:
    source = labels.read_text(encoding="utf-8")
    for name, texts in (("ES", es), ("EN", en)):
        empty = f"{name}: dict[str, str] = {{}}\n"
        assert empty in source
        source = source.replace(empty, f"{name}: dict[str, str] = {{\n{entries(texts)}}}\n")
    labels.write_text(source, encoding="utf-8")


def entries(texts: dict[str, str]) -> str:
    return "".join(f"    {catalogues.py(k)}: {catalogues.py(v)},\n" for k, v in texts.items())


def test_a_text_staged_the_old_way_is_caught_and_moved(sandbox: Path) -> None:
    stage(
        sandbox,
        {"new.title": "Nuevo título de {name}", "new.half": "Solo en español"},
        {"new.title": "New title of {name}"},
    )
    problems = catalogues.check(sandbox)
    assert any("ES['new.title'] is staged" in p for p in problems)
    assert any("EN['new.title'] is staged" in p for p in problems)

    left = catalogues.extract(sandbox)
    assert left == ["new.half: staged in ES only"]
    source = sandbox.read_text(encoding="utf-8")
    assert catalogues.staged(source)["es"][0] == {"new.half": "Solo en español"}
    assert 'ES: dict[str, str] = {\n    "new.half": "Solo en español",\n}\n' in source
    assert "EN: dict[str, str] = {}\n" in source
    es = {str(m.id): str(m.string) for m in catalogues.read("es")}
    en = {str(m.id): str(m.string) for m in catalogues.read("en")}
    assert es["new.title"] == "Nuevo título de {name}"
    assert en["new.title"] == "New title of {name}"
    # the .mo files were rebuilt too: only the half-staged key is still a problem
    assert [p for p in catalogues.check(sandbox) if "staged" not in p] == []


def test_a_key_in_one_catalogue_only_fails_the_check(sandbox: Path) -> None:
    po = i18n.po_path("es")
    po.write_text(
        po.read_text(encoding="utf-8") + '\nmsgid "only.here"\nmsgstr "Solo aquí"\n',
        encoding="utf-8",
    )
    problems = catalogues.check(sandbox)
    assert "pazos_budget.po (en): only.here: missing (only in es)" in problems
    assert any("does not match its .po" in p for p in problems)  # the .mo is stale


def test_different_placeholders_fail_the_check(sandbox: Path) -> None:
    po = i18n.po_path("en")
    text = po.read_text(encoding="utf-8").replace('msgstr "{n} of {total}"', 'msgstr "{n} of"')
    po.write_text(text, encoding="utf-8")
    catalogues.compile_all()
    assert catalogues.check(sandbox) == ["n_of: placeholders differ between es and en"]


def test_texts_view_includes_the_catalogue() -> None:
    assert TEXTS["es"]["sheet.summary"] == "Resumen"


def test_a_sentence_spelled_in_the_terminal_code_is_caught(tmp_path: Path) -> None:
    """An English string added the old way (a literal in terminal.py) fails the check,
    with its file and line; the docstrings and --help texts do not."""
    root = tmp_path / "pkg"
    shutil.copytree(catalogues.PACKAGE, root, ignore=shutil.ignore_patterns("locale"))
    assert catalogues.literals(root) == []
    terminal = root / "terminal.py"
    source = terminal.read_text(encoding="utf-8")
    terminal.write_text(
        source + '\n\ndef shout(console: Console) -> None:\n    console.print("Budget exceeded")\n',
        encoding="utf-8",
    )
    found = catalogues.literals(root)
    lines = source.count("\n") + 4
    assert found == [
        f"terminal.py:{lines}: 'Budget exceeded' is spelled in the code: add it to both "
        "catalogues (or stage it in labels.ES/EN) and look it up"
    ]


def test_a_change_is_that_of_the_figures_shown() -> None:
    """The compare table and the deck show a change beside two rounded figures: it is
    their difference (16,000 and 14,399 read (-1,601), not the exact -1,600.5 rounded)."""
    assert i18n.shown_difference(14399.3, 15999.8, 0) == -1601
    assert i18n.shown_difference(10955.34149, 11341.57161, 0) == -387
    assert i18n.shown_difference(0.25, 0.0, 1) == 0.3


def test_a_count_of_one_agrees_in_number() -> None:
    """ "1 mundos infactibles", "y 1 programas más": a sentence with a count says one
    thing in the singular."""
    es, en = Labels("es"), Labels("en")
    assert es.agreeing("term.robust.infeasible", 1) == "; 1 mundo infactible"
    assert es.agreeing("term.robust.infeasible", 2) == "; 2 mundos infactibles"
    assert en.agreeing("term.robust.infeasible", 1) == "; 1 world infeasible"
    assert es.agreeing("deck.department.more", 1) == "y 1 programa más"
    assert es.agreeing("robust.infeasible", 1).startswith("En 1 mundo ningún plan")
    assert es.agreeing("title.coverage.lowest", 1, total=9) == (
        "Cobertura de jóvenes distintos: el clúster priorizado con menor cobertura (de 9)"
    )


@settings(max_examples=300, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=4),
)
@example(1e300, 0)
@example(1.7976931348623157e308, 2)
def test_any_number_is_written(x: float, decimals: int) -> None:
    """Every float is written, rounded as a spreadsheet shows it, whatever its size (a
    decimal rounding at 28 digits refused 1e30 with two decimals)."""
    text = i18n.number(x, decimals, "en").replace(",", "")
    # within half a unit of its last decimal (a float's own noise apart)
    half = 0.5 * 10.0**-decimals
    assert abs(float(text) - x) <= half * (1 + 1e-9) + abs(x) * 1e-15
    assert text.count(".") == (1 if decimals else 0)
    shown, exact = Decimal(i18n.significant(x, 3)), Decimal(repr(x))
    assert abs(shown - exact) <= abs(exact) * Decimal("0.005")
