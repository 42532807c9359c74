"""The language of a run, decided in one place (docs/languages.md, "Which language").

1. `--lang es|en` when given;
2. else the language of the scenario the run names (its `scenario.language`; before the
   scenario is read, the `language:` the file declares, read cheaply and never raising;
   for `present`, the language recorded in the result file);
3. else the environment's locale: the first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG
   that is set decides (`es`, `es_CO.UTF-8` -> es; `en_US` -> en; `C`, `fr_FR` -> none);
4. else English.

The command line decides it once per run, from its arguments, before they are parsed
(`decide`), so that even a usage error is said in it; a command that has read its scenario
asks `run_language` again with the scenario's own language, the same rungs.
`current_language()` is the decision of the run in progress (a context variable set by the
command line for the length of one run), for the messages printed where no scenario is
at hand (an error raised before any file is read).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path

from .i18n import LANGUAGES, Lang

#: The variables of the environment that name a language, strongest first (GNU gettext's
#: order: LANGUAGE is a list, then the POSIX locale variables).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
#: Where a run's language is given or found on its command line.
LANG_OPTION = "--lang"
SCENARIO_SUFFIXES = (".yaml", ".yml")
RESULT_SUFFIX = ".json"
#: Options whose value is a file the run writes (never the scenario it reads).
OUTPUT_OPTIONS = frozenset({"--output", "-o", "--json", "--write-model"})
#: A scenario larger than this is not read for its language (the loader will say why).
MAX_PEEK = 4 * 1024 * 1024
_DECLARED = re.compile(r"^[ \t]+language:[ \t]*[\"']?([A-Za-z_-]+)[\"']?[ \t]*(#.*)?$", re.M)
_EXTENDS = re.compile(r"^extends:[ \t]*[\"']?([^\"'#\s][^\"'#]*?)[\"']?[ \t]*(#.*)?$", re.M)
#: How many `extends:` a cheap read follows (a variant of a variant of ...).
MAX_PEEK_BASES = 8

_LOCALE = re.compile(r"([A-Za-z]{2,3})(?:[_.@-]|$)")

_CURRENT: ContextVar[Lang | None] = ContextVar("pazos_budget_run_language", default=None)


def as_lang(value: object) -> Lang | None:
    """`value` if it names one of our languages, else None."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def environment_language(environ: Mapping[str, str] | None = None) -> Lang | None:
    """The language the environment's locale asks for, or None (C, POSIX, another one)."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name, "")
        if not value:
            continue
        # LANGUAGE is a priority list (es_CO:en); the others name one locale.
        for entry in value.split(":") if name == "LANGUAGE" else [value]:
            code = _LOCALE.match(entry)
            lang = as_lang(code.group(1).lower()) if code else None
            if lang is not None:
                return lang
        if name != "LANGUAGE":
            return None  # the strongest locale variable set decides, even as C
    return None


def declared_language(path: Path) -> Lang | None:
    """The `language:` a scenario file declares, read cheaply, never raising, through
    `extends:` when a variant does not say (None for a file that cannot be read or whose
    chain does not say). The seam where the loader's own reading of
    a raw document (through `extends:`) takes over once it exists."""
    seen: set[Path] = set()
    for _ in range(MAX_PEEK_BASES):
        try:
            if path.resolve() in seen or not path.is_file() or path.stat().st_size > MAX_PEEK:
                return None
            seen.add(path.resolve())
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        found = _DECLARED.search(text)
        if found:
            return as_lang(found.group(1))
        base = _EXTENDS.search(text)  # a variant that does not say: its base's
        if base is None:
            return None
        path = path.parent / base.group(1).strip()
    return None


def result_language(path: Path) -> Lang | None:
    """The language recorded in a result file (`scenario.language`), never raising."""
    try:
        if not path.is_file() or path.stat().st_size > 16 * MAX_PEEK:
            return None
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    scenario = doc.get("scenario") if isinstance(doc, dict) else None
    return as_lang(scenario.get("language")) if isinstance(scenario, dict) else None


def run_language(
    option: str | None,
    scenario: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Lang:
    """The one rule: `--lang` (checked elsewhere), the scenario's, the environment's,
    English. An unknown `--lang` is passed over here (the command refuses it)."""
    return as_lang(option) or as_lang(scenario) or environment_language(environ) or "en"


def named_in(
    argv: Sequence[str], reader: Callable[[Path], Lang | None] | None = None
) -> tuple[str | None, Lang | None]:
    """(`--lang` value, the language of the first scenario or result file) of a command
    line, before it is parsed; a scenario's is read by `reader` (the loader's
    `scenario_language`, which follows `extends:`), else by `declared_language`."""
    read = reader or declared_language
    option: str | None = None
    named: Lang | None = None
    previous = ""
    for arg in argv:
        if previous == LANG_OPTION and option is None:
            option = arg
        elif arg.startswith(LANG_OPTION + "=") and option is None:
            option = arg.split("=", 1)[1]
        elif named is None and not arg.startswith("-") and previous not in OUTPUT_OPTIONS:
            suffix = Path(arg).suffix.lower()
            if suffix in SCENARIO_SUFFIXES:
                named = read(Path(arg))
            elif suffix == RESULT_SUFFIX:
                named = result_language(Path(arg))
        previous = arg
    return option, named


def decide(
    argv: Sequence[str],
    environ: Mapping[str, str] | None = None,
    reader: Callable[[Path], Lang | None] | None = None,
) -> Lang:
    """The language of a run from its command line (and environment), before parsing."""
    option, named = named_in(argv, reader)
    return run_language(option, named, environ)


@contextlib.contextmanager
def running_in(lang: Lang) -> Iterator[None]:
    """Make `lang` the current run's language for the length of the block."""
    token = _CURRENT.set(lang)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_language(environ: Mapping[str, str] | None = None) -> Lang:
    """The language of the run in progress (outside a run: the environment's, else en)."""
    return _CURRENT.get() or environment_language(environ) or "en"
