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

import dataclasses
import datetime as _dt
import hashlib
import os
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from . import yaml12
from .display import control_problem
from .document import Document, Key, dotted, one_line
from .errors import Problem, ScenarioError
from .files import read_input_bytes
from .i18n import LANGUAGES, Lang
from .messages import Joined, Num, Text, Warned, message_of, must, must_any
from .scenario import RuleViolations, Scenario, ScenarioInfo
from .tables import expand_tables
from .variants import (
    EXTENDS,
    merge,
    merge_all,
    override_as_variant,
    override_path,
    parse_override,
    table_rows,
)
from .votes import apply_pending, apply_votes, expand_votes
from .yaml12 import MAPPING, SCALAR, SEQUENCE

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 50
#: Values in one file, aliases expanded: guards against "billion laughs" alias bombs.
MAX_NODES = 500_000
MAX_DEPTH = 64

#: Explicit tags that only restate what plain YAML already means, by kind of node.
_STR = "tag:yaml.org,2002:str"
_TAG_TYPES: dict[str, type | tuple[type, ...]] = {
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
}
_PLAIN_TAGS = {
    MAPPING: frozenset({"tag:yaml.org,2002:map"}),
    SEQUENCE: frozenset({"tag:yaml.org,2002:seq"}),
    SCALAR: frozenset({_STR, *_TAG_TYPES}),
}


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
        path,
        name,
        what=Text("val.what.scenario"),
        text="YAML",
        limit=MAX_FILE_BYTES,
        missing=Text("val.file.missing"),
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise fail(Text("val.utf8", byte=f"0x{raw[e.start]:02x}"), line, col) from e
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise fail(Text("val.empty"))
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
                    Text("val.yaml.directive", version=one_line(m.group(1))),
                )
            ]
        )


def parse_yaml(text: str, name: str) -> Document:
    """YAML text to plain Python data with positions; refuses tags and duplicates."""
    check_directives(text, name)
    try:
        tree = yaml12.compose(text, MAX_DEPTH)
    except yaml12.YamlSyntaxError as e:
        problem = Problem(name, e.line, e.column, "", one_line(e.message))
        raise ScenarioError([problem]) from e
    converter = _Converter(name)
    data = None if tree is None else converter.convert(tree, (), (1, 1), 0)
    if converter.problems:
        raise ScenarioError(sorted(converter.problems)[:MAX_PROBLEMS])
    if data is None:
        raise ScenarioError([Problem(name, 1, 1, "", Text("val.no_data"))])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(name, 1, 1, "", Text("val.not_sections"))])
    return Document(name, data, converter.positions)


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _key_not_text(node: yaml12.Node) -> Text:
    """A scalar key that is not text (`~`, `null`, `true`, `1`), named as it is written:
    a null key is not "the key None"."""
    if node.plain and not node.value.strip():
        return Text("val.yaml.key_empty")
    written = node.value if node.plain else f"{_short(str(node.tag))} {node.value!r}"
    return Text("val.yaml.key_text", key=written)


class _Converter:
    """YAML nodes (yaml12.py) -> plain dict/list/scalars, recording positions.

    Values are counted with aliases expanded (MAX_NODES) and nested at most MAX_DEPTH
    deep: an alias bomb stops here, located, instead of filling the memory."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[Key, tuple[int, int]] = {(): (1, 1)}
        self.problems: list[Problem] = []
        self.nodes = 0

    def _problem(self, where: tuple[int, int], path: Key, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            problem = Problem(self.name, *where, one_line(dotted(path)), one_line(message))
            self.problems.append(problem)

    def convert(self, node: yaml12.Node, path: Key, where: tuple[int, int], depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            if self.nodes == MAX_NODES + 1 or depth == MAX_DEPTH + 1:
                self._problem(where, path, Text("val.yaml.bomb"))
            return None
        tag = node.tag
        if tag is not None and tag not in _PLAIN_TAGS.get(node.kind, ()):
            self._problem(where, path, Text("val.yaml.tag", tag=_short(tag)))
            return None
        if node.kind == yaml12.MAPPING:
            return self._mapping(node, path, where, depth)
        if node.kind == yaml12.SEQUENCE:
            items: list[Any] = []
            for i, item in enumerate(node.value):
                pos = (item.line, item.column)
                self.positions.setdefault(path + (i,), pos)
                items.append(self.convert(item, path + (i,), pos, depth + 1))
            return items
        value = self._scalar(node, path, where)
        if isinstance(value, _dt.date | _dt.datetime):
            return value.isoformat()
        if isinstance(value, str):
            bad = control_problem(value, path[-1] if path else None)
            if bad is not None:  # refused: names are printed (display.py)
                self._problem(where, path, bad)
        return value

    def _scalar(self, node: yaml12.Node, path: Key, where: tuple[int, int]) -> Any:
        """A scalar's value: plain ones by YAML 1.2 core rules, the others as text (or as
        the plain type their explicit standard tag names)."""
        text: str = node.value
        try:
            if node.plain:
                return yaml12.resolve_plain(text)
            if node.tag is None or node.tag == _STR:
                return text
            value = yaml12.resolve_plain(text)
        except yaml12.NotData as e:
            self._problem(where, path, Text("val.yaml.tag", tag=_short(e.tag)))
            return None
        except ValueError as e:
            if re.fullmatch(r"[-+]?[0-9_]{4300,}", text.strip()):
                message = Text("val.yaml.too_long")
                self.problems.append(Problem(self.name, node.line, node.column, "", message))
            else:
                self._problem(where, path, Text("val.yaml.invalid", detail=message_of(e)))
            return None
        want = _TAG_TYPES[str(node.tag)]
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            self._problem(
                where, path, Text("val.yaml.tag_value", text=text, tag=_short(str(node.tag)))
            )
            return None
        return value

    def _key(self, node: yaml12.Node, path: Key) -> str | None:
        """A mapping key as text, or None (a problem) when it is not text."""
        pos = (node.line, node.column)
        if node.tag is not None and node.tag not in _PLAIN_TAGS[yaml12.SCALAR]:
            self._problem(pos, path, Text("val.yaml.key_tag", tag=_short(node.tag)))
            return None
        if node.kind != yaml12.SCALAR:
            key = yaml12.flow(self._plain(node))
            self._problem(pos, path, Text("val.yaml.key_text", key=key))
            return None
        before = len(self.problems)
        key = self._scalar(node, path, pos)
        if not isinstance(key, str):
            if len(self.problems) == before:  # else the scalar itself was reported
                self._problem(pos, path, _key_not_text(node))
            return None
        bad = control_problem(key, None, "key")
        if bad is not None:  # refused: names are printed (display.py)
            self._problem(pos, path + (key,), bad)
            return None
        return key

    def _plain(self, node: yaml12.Node) -> Any:
        """A complex key as data, only to name it in a message."""
        saved = (self.positions, self.problems, self.nodes)
        self.positions, self.problems = {}, []
        try:
            return self.convert(node, (), (node.line, node.column), MAX_DEPTH - 2)
        finally:
            self.positions, self.problems, self.nodes = saved

    def _pairs(
        self, node: yaml12.Node, path: Key, merging: tuple[int, ...]
    ) -> list[tuple[yaml12.Node, yaml12.Node]] | None:
        """A mapping's own pairs, then those merged into it (`<<: *base`) that it does not
        set itself (the YAML merge key, as PyYAML and ruamel.yaml read it)."""
        own: list[tuple[yaml12.Node, yaml12.Node]] = []
        merged: list[tuple[yaml12.Node, yaml12.Node]] = []
        for key, value in node.value:
            if not (key.plain and key.value == "<<"):
                own.append((key, value))
                continue
            sources = value.value if value.kind == yaml12.SEQUENCE else [value]
            for source in sources:
                if source.kind != yaml12.MAPPING:
                    what = Text(
                        "val.yaml.merge.mapping"
                        if value.kind == yaml12.SEQUENCE
                        else "val.yaml.merge.mapping_or_list"
                    )
                    message = Text(
                        "val.yaml.merge", what=what, found=Text(f"val.yaml.node.{source.kind}")
                    )
                    self.problems.append(
                        Problem(self.name, source.line, source.column, "", message)
                    )
                    return None
                if id(source) in merging:
                    message = Text("val.yaml.merge_self")
                    self.problems.append(Problem(self.name, key.line, key.column, "", message))
                    return None
                pairs = self._pairs(source, path, (*merging, id(source)))
                if pairs is None:
                    return None
                merged += pairs
        if not merged:
            return own
        seen = {k.value for k, _ in own if k.kind == yaml12.SCALAR}
        for key, value in merged:
            if key.kind == yaml12.SCALAR and key.value in seen:
                continue
            seen.add(key.value)
            own.append((key, value))
        return own

    def _mapping(
        self, node: yaml12.Node, path: Key, where: tuple[int, int], depth: int
    ) -> dict[str, Any] | None:
        pairs = self._pairs(node, path, (id(node),))
        if pairs is None:
            return None
        out: dict[str, Any] = {}
        first: dict[str, yaml12.Node] = {}
        for key_node, value_node in pairs:
            k = self._key(key_node, path)
            if k is None:
                continue
            if k in first:
                line = first[k].line
                message = Text("val.yaml.duplicate", key=k, line=line)
                dupe = Problem(self.name, key_node.line, key_node.column, "", one_line(message))
                self.problems.append(dupe)
                continue
            first[k] = key_node
            pos = (key_node.line, key_node.column)
            self.positions.setdefault(path + (k,), pos)
            out[k] = self.convert(value_node, path + (k,), pos, depth + 1)
        return out


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
        # Only a list of models is rebuilt item by item; a list of ids (a programme's
        # `clusters`) is a value like any other.
        if isinstance(value, list) and item is not None and _models(item):
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


def _file_order(doc: Document) -> Callable[[Problem], tuple[bool, bool, str, int, int, str]]:
    """The scenario file's problems first, each file's in file order; "... and N more
    problems" last (it has no line, and sorted first)."""
    return lambda p: (_more(p), p.file != doc.file, p.file, p.line, p.column, p.path)


def _more(p: Problem) -> bool:
    return isinstance(p.message, Text) and p.message.key.startswith("val.more_problems.")


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
        hint = _did_you_mean(f"cofunding:{close[0]}") if close else ""
        message = Text("val.table.cofunding_unknown", id=ref.id, hint=hint)
        problems.append(Problem(ref.file, ref.line, ref.column, "", one_line(message)))
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
        key = f"val.more_problems.{'one' if extra == 1 else 'other'}"
        problems.append(Problem(doc.file, 0, 0, "", Text(key, n=extra)))
    return problems


def _either(messages: list[str]) -> str:
    """The messages of one field's union branches as one: "must be a number, or a
    mapping (key: value)" when each says what the value must be, else all of them."""
    musts = [m for m in messages if isinstance(m, Text) and m.key == "val.must"]
    if len(musts) == len(messages):
        return must_any([m.args["what"] for m in musts])
    if all(m.startswith("must be ") for m in messages):  # not from the catalogue
        return "must be " + ", or ".join(m.removeprefix("must be ") for m in messages)
    return Joined(messages, "; ")


def _did_you_mean(name: str) -> Text:
    return Text("val.hint.mean", name=name)


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


#: pydantic error types whose message needs nothing from the document: what the value
#: must be (`must`), or a whole message.
_MUST_BE = {
    "finite_number": "val.be.finite",
    "int_type": "val.be.whole",
    "int_parsing": "val.be.whole",
    "int_from_float": "val.be.whole",
    "float_type": "val.be.number",
    "float_parsing": "val.be.number",
    "string_type": "val.be.text",
    "string_sub_type": "val.be.text",
    "string_pattern_mismatch": "val.be.slug",
    "list_type": "val.be.list",
    "tuple_type": "val.be.list",
    "dict_type": "val.be.mapping",
    "model_type": "val.be.mapping",
    "model_attributes_type": "val.be.mapping",
}
_FIXED_MESSAGES = {
    "missing": "val.required",
    "string_too_short": "val.not_empty",
    "too_short": "val.not_empty",
    "union_tag_not_found": "val.kind_needed",
}

#: The bound error types: how the message words each, and the context key of its bound.
_BOUND_WORDS = {
    "greater_than": ("val.be.gt", "gt"),
    "greater_than_equal": ("val.be.ge", "ge"),
    "less_than": ("val.be.lt", "lt"),
    "less_than_equal": ("val.be.le", "le"),
}


def _friendly(doc: Document, loc: Key, err: ErrorDetails, root: type[BaseModel]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _MUST_BE:
        return must(_MUST_BE[kind])
    if kind in _FIXED_MESSAGES:
        return Text(_FIXED_MESSAGES[kind])
    if kind == "extra_forbidden":
        return _unknown_field(doc, loc, root)
    if kind in _BOUND_WORDS:
        return _out_of_bound(doc, loc, kind, ctx)
    if kind in ("bool_type", "bool_parsing"):
        return _not_a_bool(doc, loc)
    if kind == "string_too_long":
        return must("val.be.max_chars", n=ctx.get("max_length"))
    if kind in ("literal_error", "enum"):
        return _not_a_choice(doc, loc, ctx)
    if kind == "union_tag_invalid":
        return _unknown_kind(ctx)
    if kind == "value_error":
        inner = ctx.get("error")
        if isinstance(inner, ValueError) and inner.args and isinstance(inner.args[0], Text):
            return inner.args[0]
        return str(ctx.get("error", err["msg"]))
    # pydantic's own English words, for an error type the loader does not word itself.
    return err["msg"][0].lower() + err["msg"][1:] if err["msg"] else kind


def _unknown_field(doc: Document, loc: Key, root: type[BaseModel]) -> str:
    field = str(loc[-1]) if loc else ""
    known = sorted(_fields_at(root, doc.data, loc[:-1]))
    close = get_close_matches(field, known, n=1, cutoff=0.6)
    hint = _did_you_mean(close[0]) if close else ""
    allowed = Text("val.hint.allowed", names=", ".join(known)) if known and not close else ""
    return Text("val.unknown_field", field=field, hint=hint, allowed=allowed)


def _out_of_bound(doc: Document, loc: Key, kind: str, ctx: dict[str, Any]) -> str:
    words = _BOUND_WORDS[kind]
    bound = ctx.get(words[1])
    value = _value_at(doc.data, loc)
    if (
        kind == "less_than_equal"
        and bound == 1
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and 1 < value <= 100
    ):
        # A share written as a percent: 15 for 15%. (What to write stays as YAML writes
        # it, with a decimal point, in every language.)
        return must("val.be.share", value=f"{value / 100:g}")
    return must(words[0], bound=Num(bound, "") if isinstance(bound, int | float) else str(bound))


def _not_a_bool(doc: Document, loc: Key) -> str:
    value = _value_at(doc.data, loc)
    word = str(value).strip().lower() if isinstance(value, str) else ""
    if word in _YES or word in _NO:
        right = "true" if word in _YES else "false"
        return must("val.be.bool_hint", right=right, value=value)
    return must("val.be.bool")


def _not_a_choice(doc: Document, loc: Key, ctx: dict[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    options = [o.strip(" '\"") for o in expected.replace(" or ", ", ").split(",")]
    value = _value_at(doc.data, loc)
    close = get_close_matches(str(value), options, n=1, cutoff=0.6) if value else []
    hint = _did_you_mean(close[0]) if close else ""
    return must("val.be.one_of", options=", ".join(options), hint=hint)


def _unknown_kind(ctx: dict[str, Any]) -> str:
    options = ["youth_reach", "metric", "spend_share", "component_presence"]
    tag = str(ctx.get("tag", ""))
    close = get_close_matches(tag, options, n=1, cutoff=0.6)
    hint = _did_you_mean(close[0]) if close else ""
    return Text("val.unknown_kind", kind=tag, options=", ".join(options), hint=hint)


#: How people write true and false in YAML 1.1 and in speech; YAML 1.2 reads them as text.
_YES = frozenset({"yes", "y", "on", "si", "sí", "true"})
_NO = frozenset({"no", "n", "off", "false"})


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


def _models(annotation: Any) -> list[type[BaseModel]]:
    return [c for c in _candidates(annotation) if isinstance(c, type) and issubclass(c, BaseModel)]


def _pick_model(annotation: Any, node: Any) -> type[BaseModel] | None:
    models = _models(annotation)
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
    text, digest = read_source(path, name)
    try:
        return _load_text(path, name, chain, text, digest)
    except ScenarioError as e:
        # The file's own language, even over its base's (a variant may say another one).
        e.language = text_language(text, path.parent) or e.language
        raise


def _load_text(
    path: Path, name: str, chain: tuple[Path, ...], text: str, digest: str
) -> tuple[Document, dict[Path, str]]:
    """`load_document` once the file's text is read."""
    doc = parse_yaml(text, name)
    doc.digests[path] = digest
    doc = expand_tables(doc, path.parent)  # rows kept in CSV files
    doc = expand_votes(doc, path.parent)  # citizens' votes as the `votes` metric
    if EXTENDS not in doc.data:
        return doc, dict(doc.digests)
    ref = doc.data[EXTENDS]
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError([doc.problem((EXTENDS,), must("val.be.base_path"))])
    base = path.parent / ref
    here = path.resolve()
    if base.resolve() == here or base.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, here, base.resolve()))
        raise ScenarioError([doc.problem((EXTENDS,), Text("val.extends.cycle", cycle=cycle))])
    if base.is_dir():
        raise ScenarioError([doc.problem((EXTENDS,), Text("val.extends.directory", ref=ref))])
    if not base.exists():
        raise ScenarioError(
            [doc.problem((EXTENDS,), Text("val.extends.missing", ref=ref, path=str(base)))]
        )
    base_name = os.path.normpath(os.path.join(os.path.dirname(name), ref))
    base_doc, files = load_document(base, base_name, (*chain, here))
    table_rows(base_doc, doc)
    data, origin, problems = merge_all(base_doc, doc)
    merged = Document(
        name,
        data,
        {},
        origin=origin,
        base=Path(ref),
        references=doc.references + base_doc.references,
    )
    if problems:
        raise ScenarioError(_and_the_rest(merged, problems, doc, base_doc))
    # A vote file read before any programme (a new city's skeleton) counts the votes of
    # the programmes the variant adds (intake import writes such a variant).
    merged = apply_pending(merged, doc, base_doc)
    return merged, {**doc.digests, **files}


def _and_the_rest(
    merged: Document, problems: list[Problem], variant: Document, base: Document
) -> list[Problem]:
    """A variant's problems with its operations (an unknown id, say), and those of the
    rest of it (an unknown field): the merge without the operations that failed,
    validated like any scenario, so that every problem comes in one round."""
    more: list[Problem] = []
    try:
        validate_document(apply_pending(merged, variant, base))
    except ScenarioError as e:
        more = e.problems
    return sorted(dict.fromkeys([*problems, *more]), key=_file_order(merged))


def _warning(p: Problem) -> str:
    """`FILE:LINE:COL: warning: path: message`, the compiler form of a warning (English;
    `render(lang)` writes it in another language)."""
    return Warned(p)


def load_scenario(
    path: str | Path, overrides: Sequence[str] = (), votes: Path | None = None
) -> LoadedScenario:
    """Read, parse and validate one scenario file (a variant's bases included), then apply
    `--set PATH=VALUE` overrides and the citizens' vote file `votes` (votes.py).

    Each file is read once; the hashes are of the bytes parsed (files.read_input_bytes).
    """
    p = Path(path)
    name = str(path)
    doc, files = load_document(p, name)
    try:
        return _load_merged(p, name, doc, files, overrides, votes)
    except ScenarioError as e:
        e.language = data_language(doc.data) or e.language
        raise


def _load_merged(
    p: Path,
    name: str,
    doc: Document,
    files: dict[Path, str],
    overrides: Sequence[str],
    votes: Path | None,
) -> LoadedScenario:
    """`load_scenario` once its file (and its bases) are read and merged."""
    base = doc.base
    # Every `--set` problem at once: a bad one is set aside and the others still applied,
    # then validated for theirs (the file's own problems wait: a bad `--set` may have
    # meant to fix them).
    problems: list[Problem] = []
    for text in overrides:
        label = f"--set {text}"
        try:
            parts, value = parse_override(text)
            change = override_as_variant(parts, value)
            data, origin = merge(doc, Document(label, change, {}))
        except ValueError as e:
            problems.append(Problem(label, 0, 0, "", one_line(message_of(e))))
            continue
        except ScenarioError as e:
            problems += [dataclasses.replace(q, path=override_path(q.path)) for q in e.problems]
            continue
        doc = Document(name, data, {}, origin=origin, base=base, references=doc.references)
    if problems:
        try:
            validate_document(doc)
        except ScenarioError as e:
            problems += [q for q in e.problems if q.file.startswith("--set ")]
        # in the order the options were given
        order = {f"--set {text}": k for k, text in enumerate(overrides)}
        problems.sort(key=lambda q: order.get(q.file, len(order)))
        raise ScenarioError(problems)
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


# --------------------------------------------------------------------------- language
#: `language: es` written anywhere in a file that does not parse as YAML (flow or block).
_LANGUAGE_LINE = re.compile(r"\blanguage:[ \t]*[\"']?(es|en)[\"']?[ \t]*(?:[,}#]|$)", re.M)
_EXTENDS_LINE = re.compile(r"^extends:[ \t]*[\"']?([^\"'#\n]+?)[\"']?[ \t]*(?:#.*)?$", re.M)
#: How many bases `scenario_language` follows through `extends:`.
_MAX_BASES = 16


def scenario_language(path: str | Path) -> Lang | None:
    """The language a scenario file says it is written in (`scenario.language`), read
    from the raw file, even an invalid one, and through `extends:` when the file itself
    does not say; the default (es) when the chain's first scenario is read and does not
    say; None when nothing can be told (no file of the chain can be read as a scenario).
    Cheap, and never raises: it decides in which language the file's problems are told."""
    seen: set[Path] = set()
    p = Path(path)
    for _ in range(_MAX_BASES):
        try:
            if p.resolve() in seen or not p.is_file() or p.stat().st_size > MAX_FILE_BYTES:
                return None
            seen.add(p.resolve())
            text = p.read_bytes().decode("utf-8", errors="replace")
            language, base = _language_and_base(text)
        except Exception:  # never: the language of a message must not fail the message
            return None
        if language is not None:
            return language
        if base is None:
            return None
        p = p.parent / base
    return None


def text_language(text: str, folder: Path) -> Lang | None:
    """The language a scenario's text says it is written in, through `extends:` (relative
    to `folder`) when it does not say, as `scenario_language` reads a file: for a file
    that cannot be read twice (a pipe), from the text the loader read. Never raises."""
    try:
        language, base = _language_and_base(text)
    except Exception:  # never: the language of a message must not fail the message
        return None
    if language is None and base is not None:
        return scenario_language(folder / base)
    return language


def data_language(data: Any) -> Lang | None:
    """The language of a scenario's data as read and merged (a variant's through its
    base's): `scenario.language`, the default when a scenario does not say."""
    info = data.get("scenario") if isinstance(data, dict) else None
    if not isinstance(info, dict):
        return None
    language = info.get("language", ScenarioInfo.model_fields["language"].default)
    return cast("Lang", language) if language in LANGUAGES else None


def _language_and_base(text: str) -> tuple[Lang | None, str | None]:
    """(`scenario.language`, `extends`) of a file's text: read as YAML, or by their lines
    when the text is not valid YAML."""
    try:
        data = parse_yaml(text, "").data
    except ScenarioError:
        found = _LANGUAGE_LINE.search(text)
        base = _EXTENDS_LINE.search(text)
        language = found.group(1) if found else None
        return cast("Lang | None", language), base.group(1).strip() if base else None
    info = data.get("scenario")
    language = info.get("language") if isinstance(info, dict) else None
    given = data.get(EXTENDS)
    extends = given if isinstance(given, str) and given.strip() else None
    if language is None and extends is None and isinstance(info, dict):
        # A scenario that does not say is in the scenario's default language (es), as it
        # is solved and reported: its problems are told in that language too.
        language = ScenarioInfo.model_fields["language"].default
    return cast("Lang", language) if language in LANGUAGES else None, extends
