"""YAML text to a tree of nodes with line and column, read by YAML 1.2 (core schema) rules.

The parser is LibYAML's (PyYAML's C extension) where it is installed, PyYAML's pure-Python
parser where it is not. Only the parser's event stream is used: the tree is composed here,
without recursion (a file nested 100,000 levels deep cannot crash the process) and with
YAML 1.2's rules, not PyYAML's YAML 1.1 ones:
- plain scalars are resolved by `resolve_plain` (YAML 1.2 core: `yes` and `on` stay text,
  `01130` is 1130, `16:40` is text), never by PyYAML's resolver;
- an anchor may be defined again (the later definition holds from there on);
- tags are kept on the nodes for the caller to judge; nothing is ever constructed from one.

When LibYAML refuses a file, the file is parsed again by the pure-Python parser, whose
messages say what is wrong in words the user can act on (and which reads a few things
LibYAML refuses, such as an escaped lone surrogate, for the caller to refuse in its own
words).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml import SafeLoader as _PureParser
from yaml import events as ev

from .messages import Joined, Text

_FastParser: type[Any]
try:
    from yaml import CSafeLoader as _FastParser

    LIBYAML = True
except ImportError:  # PyYAML built without LibYAML: the pure-Python parser alone
    _FastParser = _PureParser
    LIBYAML = False

SCALAR, MAPPING, SEQUENCE = "scalar", "mapping", "sequence"


@dataclass(slots=True, eq=False)
class Node:
    """One scalar, mapping or sequence as written, 1-based line and column of its start
    (its anchor or tag included). `value` is the text of a scalar, the (key, value) pairs
    of a mapping, the items of a sequence."""

    kind: str
    value: Any
    line: int
    column: int
    tag: str | None = None  # an explicit tag, as the parser expanded it
    plain: bool = False  # a plain (unquoted, untagged) scalar, resolved by YAML 1.2 rules


class YamlSyntaxError(Exception):
    """The text is not YAML (or not one document): where (1-based, 0 if unknown) and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class TooDeep(YamlSyntaxError):
    """Lists and mappings nested deeper than the caller allows."""


def compose(text: str, max_depth: int) -> Node | None:
    """The single document in `text` as a tree, None for a stream with no document."""
    try:
        return _compose(_FastParser(text), max_depth)
    except TooDeep:
        raise
    except yaml.YAMLError as fast:
        if not LIBYAML:
            raise _syntax_error(fast, text) from fast
    try:
        return _compose(_PureParser(text), max_depth)
    except TooDeep:
        raise
    except yaml.YAMLError as pure:
        raise _syntax_error(pure, text) from pure


def _compose(parser: Any, max_depth: int) -> Node | None:
    anchors: dict[str, Node] = {}
    stack: list[Node] = []
    root: Node | None = None
    documents = 0
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            mark = event.start_mark
            if kind is ev.ScalarEvent:
                node = _scalar(event, mark)
            elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
                node = _collection(event, kind, mark, len(stack), max_depth)
                if event.anchor is not None:
                    anchors[event.anchor] = node
                if stack:
                    _attach(stack, node)
                stack.append(node)
                continue
            elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                done = stack.pop()
                if not stack:
                    root = done
                continue
            elif kind is ev.AliasEvent:
                target = _alias_target(anchors, event, mark)
                if stack:
                    _attach(stack, target)
                else:
                    root = target
                continue
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlSyntaxError(
                        mark.line + 1, mark.column + 1, Text("val.yaml.one_document")
                    )
                continue
            elif kind is ev.StreamEndEvent:
                return root
            else:  # stream start, document end
                continue
            if event.anchor is not None:
                anchors[event.anchor] = node
            if stack:
                _attach(stack, node)
            else:
                root = node
    finally:
        parser.dispose()


def _scalar(event: Any, mark: Any) -> Node:
    """A scalar's node; a plain untagged one is marked implicit (its type is resolved)."""
    tag = event.tag if event.tag not in (None, "!") else None
    if event.tag is None and event.implicit[0]:
        return Node(SCALAR, event.value, mark.line + 1, mark.column + 1, None, True)
    return Node(SCALAR, event.value, mark.line + 1, mark.column + 1, tag)


def _collection(event: Any, kind: type, mark: Any, depth: int, max_depth: int) -> Node:
    """An empty mapping or sequence node, opened at `depth`; too deep is an error."""
    if depth >= max_depth:
        raise TooDeep(
            mark.line + 1,
            mark.column + 1,
            Text("val.yaml.too_deep", levels=max_depth),
        )
    tag = event.tag if event.tag not in (None, "!") else None
    return Node(
        MAPPING if kind is ev.MappingStartEvent else SEQUENCE,
        [],
        mark.line + 1,
        mark.column + 1,
        tag,
    )


def _alias_target(anchors: dict[str, Node], event: Any, mark: Any) -> Node:
    """The node an alias names; an undefined alias is a syntax error."""
    target = anchors.get(event.anchor)
    if target is None:
        raise YamlSyntaxError(
            mark.line + 1,
            mark.column + 1,
            Text("val.yaml.alias", alias=repr(event.anchor)),
        )
    return target


def _attach(stack: list[Node], node: Node) -> None:
    """Add `node` to the collection being composed: a sequence item, or a mapping's key
    (kept alone until its value comes) or value."""
    parent = stack[-1]
    items = parent.value
    if parent.kind == SEQUENCE:
        items.append(node)
    elif items and isinstance(items[-1], Node):
        items[-1] = (items[-1], node)
    else:
        items.append(node)


def _syntax_error(e: yaml.YAMLError, text: str) -> YamlSyntaxError:
    if isinstance(e, yaml.reader.ReaderError):  # a control character
        line, col = 0, 0
        if isinstance(e.position, int) and 0 <= e.position <= len(text):
            line = text.count("\n", 0, e.position) + 1
            col = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        char = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        return YamlSyntaxError(line, col, Text("val.yaml.character", char=char))
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        problem = (e.problem or "").strip()
        context = (e.context or "").strip()
        parts = [_parser_words(w) for w in (context, problem) if w]
        said = Joined(parts, ": ") if parts else Text("val.yaml.syntax")
        return YamlSyntaxError(line, col, Text("val.yaml.invalid", detail=said))
    return YamlSyntaxError(0, 0, Text("val.yaml.invalid", detail=str(e)))


#: The YAML parser's own phrases, as catalogue messages (its tokens, `<block end>` or
#: `'<stream end>'`, are quoted as it writes them). A phrase not listed stays as written.
_PARSER_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"while (?P<what>parsing|scanning) (?P<thing>.+)", "while"),
        (r"mapping values are not allowed here", "val.yaml.p.mapping_values"),
        (r"expected <block end>, but found (?P<found>.+)", "val.yaml.p.block_end"),
        (r"expected (?P<one>'.') or (?P<other>'.'), but got (?P<found>.+)", "val.yaml.p.or"),
        (r"found character (?P<char>.+) that cannot start any token", "val.yaml.p.token"),
        (r"found unexpected end of stream", "val.yaml.p.end"),
        (r"found unknown escape character (?P<char>.+)", "val.yaml.p.escape"),
        (r"found undefined tag handle (?P<handle>.+)", "val.yaml.p.handle"),
        (r"could not find expected ':'", "val.yaml.p.colon"),
        (r"expected the node content, but found (?P<found>.+)", "val.yaml.p.content"),
        (r"expected a comment or a line break, but found (?P<found>.+)", "val.yaml.p.eol"),
        (r"mapping keys are not allowed here", "val.yaml.p.mapping_keys"),
        (r"sequence entries are not allowed here", "val.yaml.p.entries"),
        (r"found unexpected document separator", "val.yaml.p.separator"),
        (r"invalid indentation or unclosed '\[' or '\{'", "val.yaml.p.indentation"),
        (r"expected (?P<token>'[^']*'|<[^>]*>), but found (?P<found>.+)", "val.yaml.p.token_found"),
    )
)
#: What the parser was reading when it gave up (`while parsing a block mapping`).
_PARSER_THINGS = frozenset(
    {
        "a block collection",
        "a block mapping",
        "a block node",
        "a flow mapping",
        "a flow node",
        "a flow sequence",
        "a node",
        "a simple key",
        "a quoted scalar",
        "a double-quoted scalar",
        "a single-quoted scalar",
        "a plain scalar",
        "a block scalar",
        "an anchor",
        "an alias",
        "a tag",
        "a directive",
        "for the next token",
    }
)


def _parser_words(phrase: str) -> str:
    for pattern, key in _PARSER_WORDS:
        m = pattern.fullmatch(phrase)
        if m is None:
            continue
        args = m.groupdict()
        if key == "while":
            if args["thing"] not in _PARSER_THINGS:
                return phrase
            thing = Text("val.yaml.thing." + args["thing"].replace(" ", "_").replace("-", "_"))
            return Text(f"val.yaml.p.{args['what']}", thing=thing)
        return Text(key, **args)
    return phrase


# --------------------------------------------------------------------------- YAML 1.2 core
# The implicit types of a plain scalar, tried in this order, each only for scalars that
# start with one of its characters. These are the YAML 1.2 rules this project has always
# read by (those of ruamel.yaml, its earlier reader): underscores are allowed in numbers,
# `0o`, `0x` and `0b` prefixes, leading zeros are decimal, no sexagesimal numbers, and only
# `true`/`false` (three spellings each) are booleans.
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT = re.compile(
    r"""^(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]*[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]*[0-1][0-1_]*
    |[-+]?0o[0-7_]*[0-7][0-7_]*
    |[-+]?0[0-7_]+
    |[-+]?[0-9_]*[0-9][0-9_]*
    |[-+]?0x[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*)$""",
    re.X,
)
_NULL = frozenset({"~", "null", "Null", "NULL", ""})
_TIMESTAMP = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?
    :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)
_NUMBER_START = frozenset("-+0123456789.")
_DIGITS = frozenset("0123456789")

#: The standard tags a plain scalar resolves to that are no data here.
MERGE_TAG = "tag:yaml.org,2002:merge"
VALUE_TAG = "tag:yaml.org,2002:value"


class NotData(Exception):
    """A plain scalar whose YAML type is no data (`<<` outside a key, `=`): its tag."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


def resolve_plain(text: str) -> Any:
    """A plain scalar's value by YAML 1.2 core rules: bool, int, float, None, a date or
    datetime, or the text itself. Raises ValueError for a number Python cannot read (more
    than 4300 digits) or an impossible date, NotData for `<<` and `=`."""
    first = text[:1]
    if first in "tTfF" and first and _BOOL.match(text):
        return text[0] in "tT"
    if first in _NUMBER_START and first:
        if _FLOAT.match(text):
            return to_float(text)
        if first != "." and _INT.match(text):
            return to_int(text)
    if text == "<<":
        raise NotData(MERGE_TAG)
    if text in _NULL:
        return None
    if first in _DIGITS and _TIMESTAMP.match(text):
        return _timestamp(text)
    if text == "=":
        raise NotData(VALUE_TAG)
    return text


def to_int(text: str) -> int:
    """An integer as YAML 1.2 writes it (`1_000`, `-0x1F`, `0o17`, `0b101`, `007`)."""
    digits = text.replace("_", "")
    sign = 1
    if digits[:1] in ("+", "-"):
        sign = -1 if digits[0] == "-" else 1
        digits = digits[1:]
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits)


def to_float(text: str) -> float:
    """A float as YAML 1.2 writes it (`1_000.5`, `.5`, `1e3`, `-.inf`, `.nan`)."""
    digits = text.replace("_", "").lower()
    sign = 1.0
    if digits[:1] in ("+", "-"):
        sign = -1.0 if digits[0] == "-" else 1.0
        digits = digits[1:]
    if digits == ".inf":
        return sign * float("inf")
    if digits == ".nan":
        return float("nan")
    return sign * float(digits)


def _timestamp(text: str) -> _dt.date | _dt.datetime:
    node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
    try:
        value: _dt.date | _dt.datetime = yaml.SafeLoader("").construct_yaml_timestamp(node)
    except ValueError as e:  # "day is out of range for month": Python's words, not ours
        raise ValueError(Text("val.yaml.no_such_date", text=text)) from e
    return value


def plain_value(text: str) -> Any:
    """One value written in YAML (a `--set` value) as data: a scalar by the rules above, a
    quoted or `!!str` one as text; a list or mapping comes back as an empty list or dict
    (enough for the caller to refuse it). Raises ValueError, saying why, for anything else."""
    try:
        node = compose(text, 64)
    except YamlSyntaxError as e:
        raise ValueError(e.message) from e
    if node is None:
        return None
    if node.kind != SCALAR:
        return [] if node.kind == SEQUENCE else {}
    if node.plain:
        try:
            return resolve_plain(node.value)
        except NotData as e:
            raise ValueError(Text("val.yaml.tag_short", tag=repr(e.tag))) from e
    if node.tag in (None, "tag:yaml.org,2002:str"):
        return node.value
    raise ValueError(Text("val.yaml.tag_repr", tag=repr(node.tag)))


# --------------------------------------------------------------------------- writing
class _Dumper(yaml.SafeDumper):
    """PyYAML's safe emitter, with text quoted wherever YAML 1.2 would read it as
    something else: PyYAML quotes by YAML 1.1 rules, which leave `0o17` plain (an int in
    YAML 1.2) and quote `yes` (text in YAML 1.2, harmlessly)."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    try:
        plain = resolve_plain(text) == text and isinstance(resolve_plain(text), str)
    except (ValueError, NotData):
        plain = False
    node = dumper.represent_scalar("tag:yaml.org,2002:str", text)
    if not plain:
        node.style = '"'
    return node


_Dumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """Plain data (mappings, lists, text, numbers, booleans, None) as block YAML that
    `compose` reads back as the same data, in the order given, one value per line."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        width=4096,
    )


def flow(data: Any) -> str:
    """A value as YAML writes it on one line (`[a, b]`, `{x: 1}`, `null`, `true`), to name
    it in a message as the user would have written it, not in Python's words."""
    try:
        text = yaml.dump(
            data, Dumper=_Dumper, default_flow_style=True, allow_unicode=True, width=1 << 30
        )
    except yaml.YAMLError:
        return str(data)
    text = text.strip()
    # a lone scalar is written as a document with its end marker
    return text.removesuffix("...").rstrip()
