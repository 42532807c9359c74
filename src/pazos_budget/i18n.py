"""The message catalogues: one gettext domain, two languages, keyed message ids.

Every text a user reads (terminal, workbooks, the council deck, errors and warnings) is
a message of the `pazos_budget` gettext domain, compiled with Babel into
`locale/<lang>/LC_MESSAGES/pazos_budget.mo` beside this file. Message ids are keys
(`sheet.summary`, `term.budget_line`), not English sentences: with two languages that are
both written by hand, a key says where a text is used, survives an English rewording,
and lets a test demand the same keys in both catalogues. Texts are `str.format`
templates (`{name}`), the same placeholders in both languages.

The compiled `.mo` files are committed, so a plain `pip install -e .` has them; a test
checks that they match the `.po` sources (`python -m pazos_budget.catalogues compile`
rebuilds them). This module only reads; it imports nothing of the package but `errors`.

Numbers inside sentences are written with the separators of each language's locale
(CLDR data through Babel): es-CO 1.234,5, en-US 1,234.5.
"""

from __future__ import annotations

import functools
import gettext
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

from babel.numbers import get_decimal_symbol, get_group_symbol

from .errors import PazosBudgetError, ReportError, UsageError

DOMAIN = "pazos_budget"
LOCALE_DIR = Path(__file__).parent / "locale"

Lang = Literal["es", "en"]
LANGUAGES: tuple[Lang, ...] = ("es", "en")
E = TypeVar("E", bound=PazosBudgetError)
#: The CLDR locale whose separators each language writes numbers with.
LOCALES: Mapping[str, str] = {"es": "es_CO", "en": "en_US"}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def check_lang(lang: str) -> Lang:
    """`lang` if it is a language the catalogues have; a ReportError otherwise."""
    if lang not in LANGUAGES:
        raise ReportError(texts("en")["error.lang"].format(lang=lang))
    return lang


@functools.cache
def texts(lang: str) -> Mapping[str, str]:
    """Every message of one language, key to text, read from its compiled catalogue."""
    if lang not in LANGUAGES:  # not check_lang: it needs this very function
        lang = "en"
    with mo_path(lang).open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    found: dict[str, str] = dict(getattr(catalogue, "_catalog", {}))
    found.pop("", None)  # the header
    return found


@functools.cache
def separators(lang: str) -> tuple[str, str]:
    """(decimal, group) symbols of a language's locale."""
    locale = LOCALES[check_lang(lang)]
    return get_decimal_symbol(locale), get_group_symbol(locale)


#: Enough digits for any float at any number of decimals shown (1e308 has 309).
_EXACT = Context(prec=1000, rounding=ROUND_HALF_UP)


def half_up(x: float, decimals: int) -> Decimal:
    """`x` rounded to `decimals` decimals as a spreadsheet rounds what it shows: the
    decimal `x` is written as (its shortest form: 0.3085, not the binary 0.30849999...),
    halves away from zero (802.5 -> 803). Python's own formatting rounds the binary value
    half to even, so a sentence said 802 beside a workbook cell shown as 803."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), context=_EXACT)


def shown_difference(x: float, base: float, decimals: int) -> float:
    """`x - base` as a reader computes it from the two figures shown (each rounded as
    `half_up` to `decimals`): 10,955.4 against 11,341.6 shows "10,955 (-387)", the
    difference of 10,955 and 11,342, where the exact -386.2 would say -386."""
    return float(half_up(x, decimals) - half_up(base, decimals))


def significant(x: float, digits: int) -> str:
    """`x` with `digits` significant digits, rounded as `half_up`, written as `{:g}`
    writes it (the decimal point a '.')."""
    x = float(x) + 0.0
    if x == 0 or not math.isfinite(x):
        return f"{x:.{digits}g}"
    d = Decimal(repr(x))
    exponent = d.adjusted() - digits + 1
    rounded = d.quantize(Decimal(1).scaleb(exponent), context=_EXACT)
    near = float(rounded)  # the float of a short decimal prints it back, but for 1e308
    if math.isfinite(near) and abs(near) >= sys.float_info.min:  # and 5e-324
        return f"{near:.{digits}g}"
    return f"{rounded.normalize(_EXACT):.{digits}g}"


def number(x: float, decimals: int, lang: str) -> str:
    """`x` with `decimals` decimals (rounded as `half_up`), grouped by thousands, in the
    language's locale, never "-0" (a rounded negative zero is a plain zero)."""
    if not math.isfinite(x):
        return f"{x:,.{decimals}f}"
    text = f"{half_up(x, decimals):,.{decimals}f}"
    if text.lstrip("-").strip("0,.") == "":
        text = text.lstrip("-")
    decimal, group = separators(lang)
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


class Choices(tuple[object, ...]):
    """Alternatives a message offers, said as the language joins them ("a or b")."""


@dataclass(frozen=True)
class Said:
    """A text as a catalogue key and its values, said in any language (`text(lang)`); its
    `str` is the English text. In the values: a whole number is grouped as the language
    writes it, a tuple is listed ("a, b"), a list is joined with "; ", `Choices` with the
    language's "or", a nested Said (or a `messages.Num` or `Text`) is said in the same
    language."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        lang = lang if lang in LANGUAGES else "en"
        words = texts(lang)

        def said(value: object) -> object:
            if isinstance(value, Said):
                return value.text(lang)
            render = getattr(value, "render", None)
            if callable(render):  # a messages.Num or Text
                return render(lang)
            if isinstance(getattr(value, "said", None), Said):  # an error that has one
                return value.said.text(lang)  # type: ignore[attr-defined]
            if isinstance(value, Choices):
                return words["usage.or"].join(str(said(v)) for v in value)
            if isinstance(value, tuple):
                return ", ".join(str(said(v)) for v in value)
            if isinstance(value, list):
                return "; ".join(str(said(v)) for v in value)
            if isinstance(value, int) and not isinstance(value, bool):
                return number(value, 0, lang)
            return value

        return words[self.key].format(**{k: said(v) for k, v in self.values.items()})

    def __str__(self) -> str:
        return self.text("en")


def saying(error: type[E], key: str, **values: object) -> E:
    """An error of the class given whose message is a Said (`error.said`), so that the
    command line can say it in the run's language."""
    said = Said(key, values)
    raised = error(str(said))
    raised.said = said
    return raised


class Usage(UsageError):
    """A command-line usage error as a catalogue key (`usage.*`) and its values, said in
    whatever language the run speaks (`text(lang)`); its `str` is the English text."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        self.said = Said(key, values)
        super().__init__(str(self.said))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_usage, (self.key, self.values))

    def text(self, lang: str) -> str:
        return Said(self.key, self.values).text(lang)


def _usage(key: str, values: Mapping[str, object]) -> Usage:
    return Usage(key, **values)
