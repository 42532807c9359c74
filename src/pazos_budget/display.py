"""Text from the user's files and command line, made safe to print on a terminal.

Names are data. A department called 'Cultura [/nota]' is printed as those characters,
never read as rich markup (a closing tag would crash the summary, '[en liquidación]'
would vanish), and an escape sequence is never sent to the terminal raw: ANSI colours,
OSC hyperlinks or title changes, a bell, a carriage return that overwrites the line, or
the bidirectional overrides that reorder what is shown. Scenario text with such
characters is refused by the loader (`control_characters`); anything else that reaches
the terminal (file names, `--set` values, messages quoting them) passes `visible`, which
shows each one as an escape (`\\x1b`, `\\u202e`).
"""

from __future__ import annotations

import re
import unicodedata

from .messages import Text

#: Characters that change what a terminal shows instead of being shown: every C0 and C1
#: control (ESC starts ANSI and OSC sequences), DEL, the line and paragraph separators,
#: and the bidirectional embeddings, overrides and isolates ("Trojan source").
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: Inside free text (`notes`) a tab and a line break are text, not controls.
TEXT_WHITESPACE = frozenset("\t\n\r")


def _escape_one(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, newlines: bool = False) -> str:
    """`text` with every control character shown as an escape; with `newlines`, line
    breaks are kept (a multi-line message) and only the other controls are escaped."""
    s = str(text)
    if not newlines:
        return CONTROL.sub(_escape_one, s)
    return "\n".join(CONTROL.sub(_escape_one, line) for line in s.split("\n"))


#: A "[" in a text, with the backslashes before it, and whether it would open a tag (the
#: form rich's markup reads as one); or the backslashes that end the text.
_BRACKET = re.compile(r"(\\*)(?:(\[(?=[a-z#/@][^[]*?\]))|(\[)|$)")


def _escaped(m: re.Match[str]) -> str:
    """Backslashes and a bracket written so that rich shows them as they are: before a
    tag-like "[" (rich reads 2k+1 backslashes as k and a literal tag), before any other
    "[" (rich drops one backslash before it: "\\[" showed "["), and at the end, where
    the caller's closing tag follows (rich reads 2k as k)."""
    run, tag, lone = m[1], m[2], m[3]
    if tag:
        return run * 2 + "\\["
    if lone:
        return run + "\\[" if run else "["
    return run * 2


def markup(text: object) -> str:
    """`text` for a string that rich reads as markup: controls shown, brackets and
    backslashes literal (rich's own `escape` misses a backslash before a "[" that opens
    no tag, and two or more at the end)."""
    return _BRACKET.sub(_escaped, visible(text))


def control_characters(text: str, *, allow_whitespace: bool = False) -> list[tuple[int, str]]:
    """(position, description) of each control character in `text`, e.g.
    (0, "U+001B (ESCAPE)"); tab, line feed and carriage return pass with
    `allow_whitespace`."""
    found = []
    for m in CONTROL.finditer(text):
        ch = m.group(0)
        if allow_whitespace and ch in TEXT_WHITESPACE:
            continue
        name = unicodedata.name(ch, "") or _C0_NAMES.get(ord(ch), "control")
        found.append((m.start(), f"U+{ord(ch):04X} ({name})"))
    return found


#: Free-text fields, where a tab or a line break is text (a multi-line note).
FREE_TEXT = frozenset({"notes"})


def control_problem(text: str, field: object, what: str = "text") -> str | None:
    """The message for scenario text (or a key, `what="key"`) holding control
    characters, None when it holds none; `field` is the field's name (a `notes` field
    may hold tabs and line breaks)."""
    if text.isprintable():  # the common case, in C: every CONTROL character is unprintable
        return None
    found = control_characters(text, allow_whitespace=field in FREE_TEXT)
    if not found:
        return None
    position, char = found[0]
    more = Text("val.ctrl.more", n=len(found) - 1) if len(found) > 1 else ""
    return Text(
        "val.ctrl",
        what=Text("val.ctrl.key") if what == "key" else Text("val.ctrl.text"),
        char=char,
        position=position + 1,
        more=more,
    )


#: unicodedata has no names for the C0/C1 controls; the ones a user may meet.
_C0_NAMES = {
    0x00: "NUL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x09: "TAB",
    0x0A: "LINE FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x9B: "CONTROL SEQUENCE INTRODUCER",
    0x9D: "OPERATING SYSTEM COMMAND",
}
