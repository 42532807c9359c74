"""Located messages that know their catalogue key: a problem or warning in either language.

Reading a scenario finds problems long before anyone knows in which language they will
be printed (a library call, `validate` of several files, a batch on another worker). So a
message is not a finished sentence but a `Text`: a catalogue key (`val.unknown.cluster`) and
its arguments. It *is* the English sentence (a `str` subclass whose value is the English
rendering), so that every consumer that reads messages as text — `str(problem)`, the JSON,
the tests, a message joined into another — reads exactly what it read before; and
`render(lang)` writes it in any language of the catalogues.

Arguments are rendered with the message: a `Text` inside a `Text` (a cluster list, a
scope, "and 3 more") in the same language, a `Num` with the separators of the language
(es-CO `1.234,5`, en `1234.5` as the English text always wrote it), anything else — ids,
paths, values as written — as is: they are the scenario's own words.

Nothing here chooses a language: the command line does (cli.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from .errors import Problem
from .i18n import LOCALES, texts

#: The prefix of every key of the reading layer's messages in the catalogues.
PREFIX = "val."


@dataclass(frozen=True)
class Num:
    """A number inside a message. `spec` is the format the English text writes it with
    (`g`, `,`); "" writes a whole float as an integer and any other as Python does."""

    value: float
    spec: str = "g"

    def english(self) -> str:
        v = self.value
        if not self.spec:
            return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        return format(v, self.spec)

    def render(self, lang: str) -> str:
        text = self.english()
        return text if lang == "en" else localized_number(text, lang)


#: A plain decimal as English writes it: digits, optional thousands commas and decimals.
_DECIMAL = re.compile(r"-?\d[\d,]*(\.\d+)?")


def localized_number(english: str, lang: str) -> str:
    """An English-written number ('12000', '0.5', '1,234.5', '1e+15') in `lang`'s locale
    (CLDR through Babel: es-CO '12.000', '0,5', '1234,5'), every digit kept."""
    if _DECIMAL.fullmatch(english):
        try:
            exact = Decimal(english.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return english
        return str(format_decimal(exact, locale=LOCALES[lang], decimal_quantization=False))
    # Exponent forms and the like: only the decimal point changes.
    return english.replace(".", "\0").replace(",", ".").replace("\0", ",")


class Text(str):
    """A catalogue message: its value is the English text; `key` and `args` render it in
    another language. Built as `Text("val.key", name=value, ...)`."""

    key: str
    args: Mapping[str, Any]

    def __new__(cls, key: str, /, **args: Any) -> Text:
        self = super().__new__(cls, _format(key, args, "en"))
        self.key = key
        self.args = args
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Whole across processes (a ScenarioError raised on a batch worker).
        return (_rebuild, (self.key, dict(self.args)))

    def render(self, lang: str) -> str:
        return _format(self.key, self.args, lang)

    def map_args(self, f: Callable[[str], str]) -> Text:
        """The same message with `f` applied to every text argument (nested ones too)."""
        return Text(self.key, **{k: _map(v, f) for k, v in self.args.items()})


def must(predicate: str, /, **args: Any) -> Text:
    """ "must be <predicate>" ("debe ser ..."): the form of most field problems, kept
    apart so that several of one field combine ("must be a number, or a list")."""
    return Text("val.must", what=Text(predicate, **args))


def must_any(predicates: Iterable[Any], sep: Any = None) -> Text:
    """ "must be A, or B" ("debe ser A o B"): one of several predicates, joined by `sep`
    (", or " unless told)."""
    return Text("val.must", what=Joined(predicates, sep if sep is not None else Text("val.sep.or")))


class Joined(str):
    """Messages (or message parts) joined by `sep`: a plain separator the same in every
    language ("; "), or a `Text` one (", or " / " o ")."""

    parts: tuple[Any, ...]
    sep: str

    def __new__(cls, parts: Iterable[Any], sep: str) -> Joined:
        items = tuple(parts)
        self = super().__new__(cls, str(sep).join(str(p) for p in items))
        self.parts = items
        self.sep = sep
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Joined, (self.parts, self.sep))

    def render(self, lang: str) -> str:
        return str(render(self.sep, lang)).join(str(render(p, lang)) for p in self.parts)

    def map_args(self, f: Callable[[str], str]) -> Joined:
        return Joined((_map(p, f) for p in self.parts), self.sep)


def _rebuild(key: str, args: dict[str, Any]) -> Text:
    return Text(key, **args)


def _map(value: Any, f: Callable[[str], str]) -> Any:
    if isinstance(value, Text | Joined):
        return value.map_args(f)
    return f(value) if isinstance(value, str) else value


def _format(key: str, args: Mapping[str, Any], lang: str) -> str:
    template = texts(lang).get(key)
    if template is None:
        # A key missing from a catalogue is a bug the catalogue tests catch; the English
        # text is the last resort, never a traceback in front of a user.
        template = texts("en")[key]
    return template.format(**{k: render(v, lang) for k, v in args.items()})


def render(value: Any, lang: str) -> Any:
    """A message, a message's argument, or plain text, in `lang` (plain text as is)."""
    if isinstance(value, Text | Joined | Num):
        return value.render(lang)
    return value


def problem_line(p: Problem, lang: str, warning: bool = False) -> str:
    """`FILE:LINE:COL: path: message` (a warning: `FILE:LINE:COL: warning: path: message`),
    the message in `lang`; the file and the path are written as they are."""
    where = f"{p.file}:{p.line}:{p.column}" if p.line else p.file
    parts = [where]
    if warning:
        parts.append(render(Text("val.warning"), lang))
    if p.path:
        parts.append(p.path)
    parts.append(render(p.message, lang))
    return ": ".join(parts)


class Warned(str):
    """A located warning: its value is the English compiler form (what `warnings` always
    held); `render(lang)` writes it in another language."""

    problem: Problem

    def __new__(cls, problem: Problem) -> Warned:
        self = super().__new__(cls, problem_line(problem, "en", warning=True))
        self.problem = problem
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Warned, (self.problem,))

    def render(self, lang: str) -> str:
        return problem_line(self.problem, lang, warning=True)


def say_in(item: object, lang: str) -> object:
    """What the command line prints for a problem, a warning or a message, in `lang`
    (anything else as it is)."""
    if isinstance(item, Problem):
        return problem_line(item, lang)
    if isinstance(item, Warned | Text | Joined | Num):
        return item.render(lang)
    return item


def message_of(error: BaseException) -> str:
    """An exception's message: the catalogue message it was raised with, else its text."""
    first = error.args[0] if error.args else None
    return first if isinstance(first, Text | Joined) else str(error)
