"""Scenario files to `Scenario`, with the file, line and column of every problem.

Reading is strict on purpose: a typo must never become a silent wrong budget.
- Duplicate keys are errors (PyYAML silently keeps the last one).
- Only plain YAML data is read: explicit tags (`!!python/object`, `!foo`, `!!set`, ...)
  are refused, never constructed.
- Empty files, non-UTF-8 bytes, binary files, files over `MAX_FILE_BYTES` and missing
  files are refused with a clear message.
- Every problem is reported (up to `MAX_PROBLEMS`), not just the first.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import (
    CommentedMap,
    CommentedOrderedMap,
    CommentedSeq,
    CommentedSet,
    TaggedScalar,
)
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from .display import control_problem
from .errors import Problem, ScenarioError
from .files import read_input_bytes
from .scenario import RuleViolations, Scenario
from .tables import Reference, expand_tables
from .votes import apply_votes, expand_votes

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 50
#: Values in one file, aliases expanded: guards against "billion laughs" alias bombs.
MAX_NODES = 500_000
MAX_DEPTH = 64

#: Explicit tags that only restate what plain YAML already means.
_PLAIN_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}

#: What ruamel builds for standard tags that are not plain data here.
_TAGGED_TYPES: tuple[tuple[type, str], ...] = (
    (CommentedOrderedMap, "!!omap"),
    (CommentedSet, "!!set"),
    (bytes, "!!binary"),
)

Key = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedScenario:
    """A valid scenario together with where it came from."""

    scenario: Scenario
    path: Path
    sha256: str
    data: dict[str, Any]  # the plain data as read, for the report's "inputs" sheet
    # Every file it was read from: the YAML file, its CSV tables, the bases it extends
    # (and theirs). A report never overwrites one of them.
    files: tuple[Path, ...] = ()
    # The sha256 of the scenario file's own bytes (`sha256` covers the resolved scenario:
    # with tables, bases or overrides it is not the file's hash).
    file_sha256: str = ""
    # The `--set` values applied, in order, as given.
    overrides: tuple[str, ...] = ()
    # The file this scenario extends (a variant), as written relative to the scenario.
    base: Path | None = None
    # Located warnings (`FILE:LINE:COL: warning: path: message`): the scenario is valid,
    # but something in it will not do what it reads as (Scenario.warnings).
    warnings: tuple[str, ...] = ()


@dataclass
class Document:
    """Plain data read from one YAML file plus the position of every key and item."""

    file: str
    data: Any
    positions: dict[Key, tuple[int, int]]  # 1-based line, column of a key / list item
    # Parts of the data read from other files (CSV tables, see tables.py): each maps a
    # data path to (file, line, column), or None when the path is not one of its own.
    elsewhere: list[Callable[[Key], tuple[str, int, int] | None]] = field(default_factory=list)
    # A variant merged with its base (variants.py): every data path -> (file, line, column).
    origin: dict[Key, tuple[str, int, int]] = field(default_factory=dict)
    # The CSV tables whose rows were read into `data` (tables.py).
    tables: list[Path] = field(default_factory=list)
    # The sha256 of the bytes parsed, per file read into this document (the YAML file,
    # then each table), in the order read: each input is read once (files.py).
    digests: dict[Path, str] = field(default_factory=dict)
    # The base scenario file this document extends (variants.py), None for a plain one.
    base: Path | None = None
    # Header cells of CSV tables that name departments (tables.Reference).
    references: list[Reference] = field(default_factory=list)

    def locate(self, loc: Key) -> tuple[Key, tuple[int, int]]:
        """The longest prefix of `loc` found in the file, and its position."""
        best: Key = ()
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.positions:
                best = loc[:n]
                break
        return best, self.positions.get(best, (1, 1))

    def problem(self, loc: Key, message: str) -> Problem:
        file = self.file
        from_origin = next(
            (self.origin[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in self.origin), None
        )

        def merged(_: Key) -> tuple[str, int, int] | None:
            return from_origin

        for where in [*self.elsewhere, merged]:
            found = where(loc)
            if found is not None:
                file, line, col = found
                break
        else:
            _, (line, col) = self.locate(loc)
        return Problem(file, line, col, one_line(dotted(loc)), one_line(message))


def one_line(text: str) -> str:
    """Escape newlines and other invisible characters: one problem, one line of output."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def dotted(path: Key) -> str:
    """('programmes', 3, 'unit_cost') -> 'programmes[3].unit_cost'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --------------------------------------------------------------------------- reading
def read_text(path: Path, display: str | None = None) -> str:
    """The file's text, or a ScenarioError saying precisely why it cannot be read."""
    return read_source(path, display)[0]


def read_source(path: Path, display: str | None = None) -> tuple[str, str]:
    """The file's text and the sha256 of the bytes it was decoded from (read once), or a
    ScenarioError saying precisely why it cannot be read."""
    name = display or str(path)

    def fail(message: str, line: int = 0, col: int = 0) -> ScenarioError:
        return ScenarioError([Problem(name, line, col, "", message)])

    raw = read_input_bytes(
        path, name, what="scenario", text="YAML", limit=MAX_FILE_BYTES, missing="no such file"
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise fail(
            f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8", line, col
        ) from e
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise fail("file is empty")
    return text, hashlib.sha256(raw).hexdigest()


#: A `%YAML` directive: a line of its own before the document (column 1).
_YAML_DIRECTIVE = re.compile(r"^%YAML[ \t]+([^\s#]*)", re.MULTILINE)


def check_directives(text: str, name: str) -> None:
    """Refuse a `%YAML` directive other than 1.2: under `%YAML 1.1` a YAML reader brings
    back the old typing (`yes` is true, `01130` is octal 600, `16:40` is 1000), silently.
    Every file is read as YAML 1.2 (core schema), where those stay text or decimal."""
    for m in _YAML_DIRECTIVE.finditer(text):
        if m.group(1) == "1.2":
            continue
        line = text.count("\n", 0, m.start()) + 1
        raise ScenarioError(
            [
                Problem(
                    name,
                    line,
                    1,
                    "",
                    f"'%YAML {one_line(m.group(1))}' directive: files are read as YAML 1.2 "
                    "only (under YAML 1.1, 'yes' would be true, 01130 octal and 16:40 a "
                    "number of minutes); remove the line or write '%YAML 1.2'",
                )
            ]
        )


def parse_yaml(text: str, name: str) -> Document:
    """YAML text to plain Python data with positions; refuses tags and duplicates."""
    check_directives(text, name)
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        message = one_line(_yaml_message(e, text))
        raise ScenarioError([Problem(name, line, col, "", message)]) from e
    except ReaderError as e:  # a control character; its position is an index into `text`
        line, col = (0, 0)
        if isinstance(e.position, int) and 0 <= e.position <= len(text):
            line = text.count("\n", 0, e.position) + 1
            col = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        char = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        message = f"not valid YAML: character {char} is not allowed in a YAML file"
        raise ScenarioError([Problem(name, line, col, "", message)]) from e
    except YAMLError as e:
        message = one_line(f"not valid YAML: {e}")
        raise ScenarioError([Problem(name, 0, 0, "", message)]) from e
    except RecursionError as e:
        line, col = _too_deep(text)
        message = f"YAML nesting is too deep (more than {MAX_DEPTH} levels of lists and mappings)"
        raise ScenarioError([Problem(name, line, col, "", message)]) from e
    except ValueError as e:
        # Python refuses to read integers longer than 4300 digits.
        long_number = re.search(r"[0-9_]{4300,}", text)
        line, col, message = 0, 0, f"not valid YAML: {e}"
        if long_number:
            line = text.count("\n", 0, long_number.start()) + 1
            col = long_number.start() - (text.rfind("\n", 0, long_number.start()) + 1) + 1
            message = "number too long (more than 4300 digits)"
        raise ScenarioError([Problem(name, line, col, "", message)]) from e
    except Exception as e:
        # ruamel's constructors assert or fail on some malformed input (a duplicate key in
        # '!!omap', a mapping merged into itself); that is bad input, not a crash.
        message = f"not valid YAML: its structure cannot be read ({type(e).__name__})"
        raise ScenarioError([Problem(name, 0, 0, "", message)]) from e
    if tree is None:
        raise ScenarioError([Problem(name, 1, 1, "", "file holds no data (only comments?)")])
    converter = _Converter(name)
    data = converter.convert(tree, (), (1, 1), 0)
    if converter.problems:
        raise ScenarioError(sorted(converter.problems)[:MAX_PROBLEMS])
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(name, 1, 1, "", "expected a mapping of sections (scenario:, budget:, ...)")]
        )
    return Document(name, data, converter.positions)


def _too_deep(text: str) -> tuple[int, int]:
    """Line and column where lists and mappings first nest deeper than MAX_DEPTH: the
    parser's events are a flat stream (the composer is what recursed)."""
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    try:
        for event in YAML(typ="rt", pure=True).parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return int(mark.line) + 1, int(mark.column) + 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except Exception:
        pass
    return 0, 0


def _yaml_message(e: MarkedYAMLError, text: str) -> str:
    problem = (e.problem or "").strip()
    if "duplicate key" in problem or type(e).__name__ == "DuplicateKeyError":
        key = problem.split('"')[1] if problem.count('"') >= 2 else ""
        first = _first_key_line(text, e.context_mark, key)
        where = f" (first given at line {first})" if first is not None else ""
        return f"duplicate key '{key}'{where}; a key may appear only once in a mapping"
    context = (e.context or "").strip()
    text = f"{context}: {problem}" if context and problem else problem or context
    return f"not valid YAML: {text or 'syntax error'}"


def _first_key_line(text: str, mapping_mark: Any, key: str) -> int | None:
    """The line of the first `key` in the mapping that starts at `mapping_mark`.

    ruamel's error marks the start of the mapping, not the first key; composing (no
    construction, so no tags run) finds the key itself.
    """
    if mapping_mark is None:
        return None
    try:
        root = YAML(typ="rt", pure=True).compose(text)
    except Exception:
        return None
    todo: list[Any] = [root]
    seen: set[int] = set()
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            start = node.start_mark
            if (start.line, start.column) == (mapping_mark.line, mapping_mark.column):
                for key_node, _ in node.value:
                    if isinstance(key_node, ScalarNode) and str(key_node.value) == key:
                        return int(key_node.start_mark.line) + 1
            todo += [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            todo += node.value
    return None


class _Converter:
    """ruamel round-trip nodes -> plain dict/list/scalars, recording positions."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[Key, tuple[int, int]] = {(): (1, 1)}
        self.problems: list[Problem] = []
        self.nodes = 0

    def _problem(self, where: tuple[int, int], path: Key, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            problem = Problem(self.name, *where, one_line(dotted(path)), one_line(message))
            self.problems.append(problem)

    def convert(self, node: Any, path: Key, where: tuple[int, int], depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            if self.nodes == MAX_NODES + 1 or depth == MAX_DEPTH + 1:
                self._problem(where, path, "too many or too deeply nested values (alias bomb?)")
            return None
        tag = _explicit_tag(node)
        if tag is not None and tag not in _PLAIN_TAGS:
            short = tag.replace("tag:yaml.org,2002:", "!!")
            self._problem(where, path, f"YAML tag '{short}' is not allowed; write plain data")
            return None
        for kind, short in _TAGGED_TYPES:
            if isinstance(node, kind):
                self._problem(where, path, f"YAML tag '{short}' is not allowed; write plain data")
                return None
        if isinstance(node, TaggedScalar):  # '!!str': every other tag was refused above
            node = node.value
        if isinstance(node, CommentedMap):
            out: dict[str, Any] = {}
            for k, v in node.items():
                try:
                    kl, kc = node.lc.key(k)
                    pos = (kl + 1, kc + 1)
                except (KeyError, TypeError, AttributeError):
                    pos = where
                if isinstance(k, TaggedScalar):
                    key_tag = _explicit_tag(k)
                    if key_tag not in _PLAIN_TAGS:
                        short = str(key_tag).replace("tag:yaml.org,2002:", "!!")
                        self._problem(pos, path, f"YAML tag '{short}' is not allowed on a key")
                        continue
                    k = k.value
                if not isinstance(k, str):
                    self._problem(pos, path, f"key {k!r} must be text")
                    continue
                bad = control_problem(k, None, "key")
                if bad is not None:  # refused: names are printed (display.py)
                    self._problem(pos, path + (k,), bad)
                    continue
                self.positions.setdefault(path + (k,), pos)
                out[k] = self.convert(v, path + (k,), pos, depth + 1)
            return out
        if isinstance(node, CommentedSeq):
            items: list[Any] = []
            for i, v in enumerate(node):
                try:
                    il, ic = node.lc.item(i)
                    pos = (il + 1, ic + 1)
                except (KeyError, TypeError, AttributeError, IndexError):
                    pos = where
                self.positions.setdefault(path + (i,), pos)
                items.append(self.convert(v, path + (i,), pos, depth + 1))
            return items
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, str):
            bad = control_problem(node, path[-1] if path else None)
            if bad is not None:  # refused: names are printed (display.py)
                self._problem(where, path, bad)
            return str(node)
        if isinstance(node, _dt.date | _dt.datetime):
            return node.isoformat()
        self._problem(where, path, f"unsupported YAML value of type {type(node).__name__}")
        return None


def _explicit_tag(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    if tag is None:
        return None
    value = getattr(tag, "value", tag)
    return str(value) if value else None


# --------------------------------------------------------------------------- validation
def validate_document(doc: Document) -> Scenario:
    """Plain data to Scenario; every problem located in the file."""
    controls = reference_problems(doc)
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as e:
        problems = problems_from_validation(doc, e, Scenario)
        problems += _cross_problems_anyway(doc, problems)
        raise ScenarioError(sorted(controls + problems, key=_file_order(doc))) from e
    if controls:
        raise ScenarioError(controls)
    return scenario


def _cross_problems_anyway(doc: Document, found: list[Problem]) -> list[Problem]:
    """The cross-reference rules (unknown ids, duplicates, scopes) checked even though some
    fields are invalid, so that independent problems are reported in one round, not one
    after another as each is fixed. Each item that does not validate stands in with its
    values as written; a rule about a field already reported, or one that cannot read a
    stand-in, adds nothing."""
    data = doc.data
    if not isinstance(data, dict):
        return []
    try:
        issues = _construct(Scenario, data).reference_issues()
    except Exception:  # a stand-in the rules cannot read: the field errors say enough
        return []
    reported = [p.path for p in found]
    out = []
    for path, message in issues:
        problem = doc.problem(path, message)
        if any(_overlaps(problem.path, r) for r in reported):
            continue
        out.append(problem)
    return out


def _overlaps(a: str, b: str) -> bool:
    """Whether one dotted path is the other or inside it (`programmes[0]`, `...unit_cost`)."""
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return long == short or long.startswith((short + ".", short + "["))


def _construct(model: type[BaseModel], data: Any) -> Any:
    """`model` from `data`: validated when it is valid, else built from its values as
    written (no validation), its lists of models built the same way, item by item."""
    if not isinstance(data, dict):
        raise TypeError("not a mapping")
    try:
        return model.model_validate(data)
    except ValidationError:
        pass
    values: dict[str, Any] = {}
    for name, field_info in model.model_fields.items():
        if name not in data:
            continue
        value = data[name]
        item = _list_item(field_info.annotation)
        if isinstance(value, list) and item is not None:
            built = []
            for v in value:
                sub = _pick_model(item, v)
                if sub is None:
                    raise TypeError("an item of unknown kind")
                built.append(_construct(sub, v))
            values[name] = built
        else:
            sub = _pick_model(field_info.annotation, value)
            values[name] = (
                _construct(sub, value) if sub is not None and isinstance(value, dict) else value
            )
    return model.model_construct(**values)


#: How a scenario's name says it was changed on the command line, per report language.
CHANGED_WITH = {"es": "con", "en": "with"}


def relabel(data: dict[str, Any], overrides: Sequence[str]) -> None:
    """A run with `--set` is not the scenario the file names: its display name says so,
    'Palmira 2023 (con --set budget.total=5)', on the terminal, in the JSON and on every
    workbook page. An override that sets the name itself is left alone."""
    info = data.get("scenario")
    if not isinstance(info, dict) or not isinstance(info.get("name"), str):
        return
    if any(text.partition("=")[0].strip() == "scenario.name" for text in overrides):
        return
    word = CHANGED_WITH.get(str(info.get("language")), CHANGED_WITH["en"])
    changes = ", ".join(f"--set {text.strip()}" for text in overrides)
    info["name"] = f"{info['name']} ({word} {changes})"


def _file_order(doc: Document) -> Callable[[Problem], tuple[bool, str, int, int, str]]:
    return lambda p: (p.file != doc.file, p.file, p.line, p.column, p.path)


def reference_problems(doc: Document) -> list[Problem]:
    """Header cells naming a department the scenario does not have (`cofunding:nope`),
    reported at the cell even when the column's cells are all empty."""
    problems = []
    for ref in doc.references:
        items = doc.data.get(ref.section)
        ids = [str(i.get("id")) for i in items or [] if isinstance(i, dict)]
        if ref.id in ids:
            continue
        close = get_close_matches(ref.id, ids, n=1, cutoff=0.6)
        hint = f"; did you mean 'cofunding:{close[0]}'?" if close else ""
        problems.append(
            Problem(
                ref.file,
                ref.line,
                ref.column,
                "",
                one_line(f"column 'cofunding:{ref.id}': no department '{ref.id}'{hint}"),
            )
        )
    return problems


def problems_from_validation(
    doc: Document, error: ValidationError, root: type[BaseModel]
) -> list[Problem]:
    grouped: dict[Key, list[str]] = {}
    order: list[Key] = []
    for err in error.errors(include_url=False):
        for loc, message in _expand(doc, err, root):
            if loc not in grouped:
                grouped[loc] = []
                order.append(loc)
            if message not in grouped[loc]:
                grouped[loc].append(message)
    problems = []
    for loc in order:
        messages = grouped[loc]
        # One field, several union branches: say what would have been accepted.
        message = messages[0] if len(messages) == 1 else _either(messages)
        problems.append(doc.problem(loc, message))
    # The scenario file's problems first, then each table's (tables.py), each in file order.
    problems.sort(key=lambda p: (p.file != doc.file, p.file, p.line, p.column, p.path))
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS]
        problems.append(Problem(doc.file, 0, 0, "", f"... and {extra} more problem(s)"))
    return problems


def _either(messages: list[str]) -> str:
    musts = [m.removeprefix("must be ") for m in messages if m.startswith("must be ")]
    if len(musts) == len(messages):
        return "must be " + ", or ".join(musts)
    return "; ".join(messages)


def _expand(doc: Document, err: ErrorDetails, root: type[BaseModel]) -> list[tuple[Key, str]]:
    """One pydantic error -> [(path in the file's data, message)]."""
    loc = _data_path(doc.data, tuple(err["loc"]))
    ctx = err.get("ctx") or {}
    inner = ctx.get("error")
    if isinstance(inner, RuleViolations):
        return [(loc + tuple(rel), msg) for rel, msg in inner.issues]
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = (*loc, "kind")
    return [(loc, _friendly(doc, loc, err, root))]


def _data_path(data: Any, loc: Key) -> Key:
    """Drop the parts of a pydantic location that are not in the data (union tags,
    '[key]' markers, validator wrappers)."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if (
            i > 0
            and isinstance(loc[i - 1], int)
            and isinstance(node, dict)
            and node.get("kind") == part
            and _is_label(str(part))
        ):
            # The tag of a target's union (`targets[0]` of kind metric is reported at
            # ('targets', 0, 'metric', 'hard')), even where the target has a key of
            # that name: `hard: yes` is at targets[0].hard, not at targets[0].metric.
            continue
        child = _child(node, part)
        if child is not None or (isinstance(node, dict) and part in node):
            out.append(part)
            node = child
        elif isinstance(node, dict) and isinstance(part, str) and _is_label(part):
            continue
        elif isinstance(node, dict) and isinstance(part, str):
            out.append(part)  # a missing or unknown key: keep it in the path
            node = None
        elif not isinstance(node, dict | list):
            continue
    return tuple(out)


def _is_label(part: str) -> bool:
    """pydantic's names for union branches and wrappers, never user keys."""
    return (
        part in {"[key]", "youth_reach", "metric", "spend_share", "component_presence"}
        or any(ch in part for ch in "[]()")
        or part in {"float", "int", "str", "bool", "dict", "list", "constrained-str"}
    )


def _friendly(doc: Document, loc: Key, err: ErrorDetails, root: type[BaseModel]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    field = str(loc[-1]) if loc else ""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        known = sorted(_fields_at(root, doc.data, loc[:-1]))
        close = get_close_matches(field, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        allowed = f" (allowed: {', '.join(known)})" if known and not close else ""
        return f"unknown field '{field}'{hint}{allowed}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": ("greater than", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("at most", "le"),
        }[kind]
        bound = ctx.get(words[1])
        value = _value_at(doc.data, loc)
        if (
            kind == "less_than_equal"
            and bound == 1
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and 1 < value <= 100
        ):
            # A share written as a percent: 15 for 15%.
            return f"must be at most 1 (a share); did you mean {value / 100:g}?"
        return f"must be {words[0]} {_num(bound)}"
    if kind == "finite_number":
        return "must be a finite number (not NaN or infinity)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be a whole number"
    if kind in ("float_type", "float_parsing"):
        return "must be a number"
    if kind in ("bool_type", "bool_parsing"):
        value = _value_at(doc.data, loc)
        word = str(value).strip().lower() if isinstance(value, str) else ""
        if word in _YES or word in _NO:
            right = "true" if word in _YES else "false"
            return f"must be true or false; write {right} (not '{value}')"
        return "must be true or false"
    if kind in ("string_type", "string_sub_type"):
        return "must be text"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return (
            "must be an id of lowercase letters, digits, '-' and '_', starting with a letter "
            "or digit (for example 'youth-centre')"
        )
    if kind in ("list_type", "tuple_type"):
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping (key: value)"
    if kind == "too_short":
        return "must not be empty"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        options = [o.strip(" '\"") for o in expected.replace(" or ", ", ").split(",")]
        value = _value_at(doc.data, loc)
        close = get_close_matches(str(value), options, n=1, cutoff=0.6) if value else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"must be one of {', '.join(options)}{hint}"
    if kind == "union_tag_not_found":
        return "needs 'kind' (youth_reach, metric, spend_share or component_presence)"
    if kind == "union_tag_invalid":
        options = ["youth_reach", "metric", "spend_share", "component_presence"]
        tag = str(ctx.get("tag", ""))
        close = get_close_matches(tag, options, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"kind '{tag}' is not one of {', '.join(options)}{hint}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"][0].lower() + err["msg"][1:] if err["msg"] else kind


#: How people write true and false in YAML 1.1 and in speech; YAML 1.2 reads them as text.
_YES = frozenset({"yes", "y", "on", "si", "sí", "true"})
_NO = frozenset({"no", "n", "off", "false"})


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value_at(data: Any, loc: Key) -> Any:
    node = data
    for part in loc:
        node = _child(node, part)
    return node


def _fields_at(root: type[BaseModel], data: Any, path: Key) -> set[str]:
    """Field names accepted at `path` (a mapping inside the data), for "did you mean"."""
    annotation: Any = root
    node = data
    for part in path:
        model = _pick_model(annotation, node)
        if model is not None and isinstance(part, str):
            field = model.model_fields.get(part)
            if field is None:
                return set()
            annotation = field.annotation
        elif isinstance(part, int):
            annotation = _list_item(annotation)
        node = _child(node, part)
    model = _pick_model(annotation, node)
    return set(model.model_fields) if model is not None else set()


def _child(node: Any, part: str | int) -> Any:
    """node[part] when it exists, else None."""
    if isinstance(node, dict) and isinstance(part, str):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _candidates(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _candidates(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(annotation):
            out += _candidates(arg)
        return out
    return [annotation]


def _list_item(annotation: Any) -> Any:
    for cand in _candidates(annotation):
        if typing.get_origin(cand) is list:
            return typing.get_args(cand)[0]
    return None


def _pick_model(annotation: Any, node: Any) -> type[BaseModel] | None:
    models = [
        c for c in _candidates(annotation) if isinstance(c, type) and issubclass(c, BaseModel)
    ]
    if len(models) <= 1:
        return models[0] if models else None
    kind = node.get("kind") if isinstance(node, Mapping) else None
    for m in models:
        field = m.model_fields.get("kind")
        if field is not None and kind in typing.get_args(field.annotation):
            return m
    return None


# --------------------------------------------------------------------------- entry point
def load_document(
    path: Path, name: str, chain: tuple[Path, ...] = ()
) -> tuple[Document, dict[Path, str]]:
    """One file as a Document, its CSV tables read and its `extends` chain merged.

    Returns the document and every file it was read from, with the sha256 of the bytes
    parsed: the file, its tables, then its base's files.
    """
    from .variants import EXTENDS, merge

    text, digest = read_source(path, name)
    doc = parse_yaml(text, name)
    doc.digests[path] = digest
    doc = expand_tables(doc, path.parent)  # rows kept in CSV files
    doc = expand_votes(doc, path.parent)  # citizens' votes as the `votes` metric
    if EXTENDS not in doc.data:
        return doc, dict(doc.digests)
    ref = doc.data[EXTENDS]
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError([doc.problem((EXTENDS,), "must be the path of the base scenario")])
    base = path.parent / ref
    here = path.resolve()
    if base.resolve() == here or base.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, here, base.resolve()))
        raise ScenarioError(
            [doc.problem((EXTENDS,), f"variants extend each other in a cycle: {cycle}")]
        )
    if base.is_dir():
        raise ScenarioError(
            [doc.problem((EXTENDS,), f"'{ref}' is a directory, not a base scenario file")]
        )
    if not base.exists():
        raise ScenarioError(
            [doc.problem((EXTENDS,), f"base scenario '{ref}' not found (looked for {base})")]
        )
    base_name = os.path.normpath(os.path.join(os.path.dirname(name), ref))
    base_doc, files = load_document(base, base_name, (*chain, here))
    data, origin = merge(base_doc, doc)
    merged = Document(
        name,
        data,
        {},
        origin=origin,
        base=Path(ref),
        references=doc.references + base_doc.references,
    )
    return merged, {**doc.digests, **files}


def _warning(p: Problem) -> str:
    """`FILE:LINE:COL: warning: path: message`, the compiler form of a warning."""
    where = f"{p.file}:{p.line}:{p.column}" if p.line else p.file
    return (
        f"{where}: warning: {p.path}: {p.message}" if p.path else f"{where}: warning: {p.message}"
    )


def load_scenario(
    path: str | Path, overrides: Sequence[str] = (), votes: Path | None = None
) -> LoadedScenario:
    """Read, parse and validate one scenario file (a variant's bases included), then apply
    `--set PATH=VALUE` overrides and the citizens' vote file `votes` (votes.py).

    Each file is read once; the hashes are of the bytes parsed (files.read_input_bytes).
    """
    from .variants import merge, override_as_variant, parse_override

    p = Path(path)
    name = str(path)
    doc, files = load_document(p, name)
    base = doc.base
    for text in overrides:
        label = f"--set {text}"
        try:
            parts, value = parse_override(text)
            change = override_as_variant(parts, value)
        except ValueError as e:
            raise ScenarioError([Problem(label, 0, 0, "", one_line(str(e)))]) from e
        data, origin = merge(doc, Document(label, change, {}))
        doc = Document(name, data, {}, origin=origin, base=base, references=doc.references)
    if overrides:
        relabel(doc.data, overrides)
    if votes is not None:  # a vote file given beside the scenario (validate --votes)
        doc = apply_votes(doc, votes, str(votes))
        files[votes] = doc.digests[votes]
    scenario = validate_document(doc)
    own = files[p]
    digest = own
    if len(files) > 1 or overrides:
        # A variant or a scenario with tables is traced by every file it was built from
        # (each file's hash, in the order read), and by its overrides.
        h = hashlib.sha256()
        for f in files.values():
            h.update(f.encode())
        for text in overrides:
            h.update(text.encode())
        digest = h.hexdigest()
    warnings = tuple(_warning(doc.problem(path, m)) for path, m in scenario.warnings())
    return LoadedScenario(
        scenario,
        p,
        digest,
        doc.data,
        tuple(files),
        file_sha256=own,
        overrides=tuple(overrides),
        base=base,
        warnings=warnings,
    )


def check_text(text: str, path: Path) -> tuple[str, ...]:
    """Validate a scenario's text before it is written at `path` (`init` checks its
    skeleton so): read as `load_scenario` would read that file, its tables relative to
    it. Returns the located warnings; raises ScenarioError with every problem."""
    doc = expand_tables(parse_yaml(text, str(path)), path.parent)
    doc = expand_votes(doc, path.parent)
    scenario = validate_document(doc)
    return tuple(_warning(doc.problem(where, m)) for where, m in scenario.warnings())
