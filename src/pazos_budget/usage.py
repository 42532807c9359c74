"""Command-line usage errors and help in the run's language.

The parser under typer (click, or the copy of it that typer ships) spells its usage
errors ("Missing argument", "No such option", "Invalid value", "Try ... for help") in
English, and the copy does so without gettext. So the command line's group is a
`LocalizedGroup`: it decides the run's language from the command line before parsing it
(`language.decide`), makes it the current one for the run, gives the fresh command tree
its help texts in that language, and says every usage error itself, from what the
exception carries (its class, the parameter, the option name), with the `usage.click.*`
texts of the catalogues. Nothing global is changed: the tree is built anew for each run.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from .errors import EXIT_CODES
from .i18n import Lang, texts
from .language import current_language, decide, running_in

try:  # typer >= 0.22 ships its own copy of click
    from typer._click import exceptions as click_errors
    from typer._click.core import Context
    from typer._click.formatting import HelpFormatter
except ImportError:  # pragma: no cover - an older typer runs on click itself
    from click import Context, HelpFormatter  # type: ignore[assignment]
    from click import exceptions as click_errors  # type: ignore[no-redef]

#: The headings of typer's rich help, module-level strings it reads when it renders a
#: help page, and the key that says each in the run's language.
HELP_HEADINGS = {
    "ARGUMENTS_PANEL_TITLE": "usage.help.arguments",
    "OPTIONS_PANEL_TITLE": "usage.help.options",
    "COMMANDS_PANEL_TITLE": "usage.help.commands",
    "DEFAULT_STRING": "usage.help.default",
    "REQUIRED_LONG_STRING": "usage.help.required",
    "DEPRECATED_STRING": "usage.help.deprecated",
    "ENVVAR_STRING": "usage.help.envvar",
    "ERRORS_PANEL_TITLE": "usage.help.error",
    "ABORTED_TEXT": "usage.click.aborted",
    "RICH_HELP": "usage.help.try_help",
}
#: The type names typer shows beside an option (`<path>`, `<float>`), said in the run's
#: language word by word.
TYPE_NAMES = (
    "float range",
    "int range",
    "path",
    "file",
    "directory",
    "float",
    "int",
    "str",
    "bool",
    "list",
)
_TYPE_WORD = re.compile(r"\b(" + "|".join(TYPE_NAMES) + r")\b")

#: pydantic's error types for a value typer could not convert, and what we say instead.
CONVERSIONS = {
    "float_parsing": "usage.click.number",
    "float_type": "usage.click.number",
    "finite_number": "usage.click.number",
    "int_parsing": "usage.click.whole_number",
    "int_type": "usage.click.whole_number",
    "int_from_float": "usage.click.whole_number",
    "bool_parsing": "usage.click.yes_no",
}
#: The one parser message that carries no structure (`ctx.fail` with a sentence).
EXTRA_ARGUMENTS = "Got unexpected extra argument"


def text(lang: Lang, key: str, **values: Any) -> str:
    return texts(lang)[key].format(**values)


def hint(e: Any) -> str:
    """How the parameter of a BadParameter is named ('--time-limit', 'SCENARIO')."""
    given = getattr(e, "param_hint", None)
    if given is not None:
        return given if isinstance(given, str) else " / ".join(repr(h) for h in given)
    param = getattr(e, "param", None)
    return param.get_error_hint() if param is not None else ""


def option_takes_value(ctx: Any, name: str) -> bool:
    for param in getattr(getattr(ctx, "command", None), "params", []):
        if name in getattr(param, "opts", []) + getattr(param, "secondary_opts", []):
            return not getattr(param, "is_flag", False)
    return True


def message(e: click_errors.ClickException, lang: Lang) -> str:
    """What went wrong, in `lang`, from what the exception carries."""
    ctx = getattr(e, "ctx", None)
    if isinstance(e, click_errors.MissingParameter):
        param = e.param
        kind = e.param_type or (param.param_type_name if param is not None else "parameter")
        keys = {"argument": "usage.click.missing_argument", "option": "usage.click.missing_option"}
        return text(lang, keys.get(kind, "usage.click.missing_parameter"), name=hint(e))
    if isinstance(e, click_errors.NoSuchOption):
        said = text(lang, "usage.click.no_such_option", option=e.option_name)
        if e.possibilities:
            options = ", ".join(sorted(e.possibilities))
            said += " " + text(lang, "usage.click.possible_options", options=options)
        return said
    if isinstance(e, click_errors.BadOptionUsage):
        takes = option_takes_value(ctx, e.option_name)
        key = "usage.click.option_needs_value" if takes else "usage.click.option_no_value"
        return text(lang, key, option=e.option_name)
    if isinstance(e, click_errors.BadParameter):
        cause = e.__cause__
        errors = getattr(cause, "errors", None)
        if callable(errors):
            first = errors()[0] if errors() else {}
            why = CONVERSIONS.get(str(first.get("type")), "usage.click.not_valid")
            value = first.get("input")
            why_text = text(lang, why)
            return text(lang, "usage.click.invalid_value", name=hint(e), value=value, why=why_text)
        return text(lang, "usage.click.invalid_value_said", name=hint(e), message=e.message)
    said = e.format_message()
    if said.startswith(EXTRA_ARGUMENTS) and "(" in said:
        extra = said[said.rindex("(") + 1 : said.rindex(")")]
        return text(lang, "usage.click.extra_arguments", arguments=extra)
    return said


def usage_line(ctx: Any, lang: Lang) -> str:
    pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
    return text(lang, "usage.click.usage", command=ctx.command_path, pieces=pieces)


def say_usage_error(e: click_errors.ClickException, lang: Lang) -> None:
    """The usage line, where to find help, and the error: on stderr, in `lang`."""
    ctx = getattr(e, "ctx", None)
    if type(e).__name__ == "NoArgsIsHelpError":  # the help itself (empty: already shown)
        if e.format_message():
            typer.echo(e.format_message(), err=True)
        return
    lines = []
    if ctx is not None:
        lines.append(usage_line(ctx, lang))
        if ctx.command.get_help_option(ctx) is not None:
            option = ctx.help_option_names[0]
            lines.append(
                text(lang, "usage.click.try_help", command=ctx.command_path, option=option)
            )
        lines.append("")
    lines.append(text(lang, "usage.click.error", message=message(e, lang)))
    typer.echo("\n".join(lines), err=True)


def unwrapped(text: str) -> str:
    """A help text as one line per paragraph: the help screen wraps it to the terminal,
    and a line break kept from the docstring would stay where it was (a description cut
    after "with the key figures," in 80 columns)."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def localize(command: Any, lang: Lang, path: tuple[str, ...] = ()) -> None:
    """Give a freshly built command tree the help texts and metavars of `lang`: a
    command's `cli.help.<command>`, an option's `cli.help.<command>.<option>` or, when
    every command says the same of it, `cli.help.option.<option>`."""
    words = texts(lang)
    where = ".".join(path) or "pazos-budget"
    if f"cli.help.{where}" in words:
        command.help = unwrapped(words[f"cli.help.{where}"])
    if not path:
        codes = "; ".join(f"{code} {words[f'cli.exit.{code}']}" for code in EXIT_CODES)
        command.epilog = words["cli.help.exit_codes"].format(codes=codes)
    for param in getattr(command, "params", []):
        for key in (f"cli.help.{where}.{param.name}", f"cli.help.option.{param.name}"):
            if getattr(param, "help", None) and key in words:
                param.help = words[key]
                break
    command.options_metavar = words["usage.click.options_metavar"]
    command.context_class = LocalizedContext
    localize_help_option(command, lang)
    for param in getattr(command, "params", []):
        localize_types(param, lang)
    if hasattr(command, "subcommand_metavar"):
        command.subcommand_metavar = words["usage.click.subcommand_metavar"]
    for param in getattr(command, "params", []):
        # An argument is named in the usage line and its errors ('scenario').
        key = f"usage.metavar.{param.name}"
        if param.param_type_name == "argument" and param.metavar is None and key in words:
            param.metavar = words[key]
    for name, sub in getattr(command, "commands", {}).items():
        localize(sub, lang, (*path, name))


class LocalizedFormatter(HelpFormatter):
    """A help formatter whose usage line begins with the run's word for 'Usage:'."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = texts(current_language())["usage.help.usage_prefix"]
        super().write_usage(prog, args, prefix)


class LocalizedContext(Context):
    formatter_class = LocalizedFormatter


def type_name(shown: str | None, lang: Lang) -> str | None:
    """A type as typer shows it (`<path>`, `<float range>`) in `lang`."""
    if shown is None:
        return None
    words = texts(lang)
    return _TYPE_WORD.sub(lambda m: words["usage.type." + m.group(1).replace(" ", "_")], shown)


def localize_types(param: Any, lang: Lang) -> None:
    """Make a parameter's shown type (`<path>`) say itself in `lang` (this one alone)."""
    shown = getattr(param, "display_type_rich", None)
    if shown is None:
        return
    if getattr(param, "param_type_name", "") == "option" and param.metavar is not None:
        return  # an option shows its own metavar instead of its type

    def display_type_rich(ctx: Any) -> str | None:
        return type_name(shown(ctx), lang)

    setattr(param, "display_type_rich", display_type_rich)  # noqa: B010


def localize_help_option(command: Any, lang: Lang) -> None:
    """The help of `--help` itself in the run's language: typer makes that option when it
    is first asked for, so the command's own asking is wrapped (this command alone)."""
    made = getattr(command, "get_help_option", None)
    if made is None:
        return

    def get_help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None and getattr(option, "_pazos_lang", None) != lang:
            option.help = texts(lang)["usage.help.help_option"]
            localize_types(option, lang)
            option._pazos_lang = lang  # said once, however often it is asked for
        return option

    setattr(command, "get_help_option", get_help_option)  # noqa: B010


@contextlib.contextmanager
def help_headings(lang: Lang) -> Iterator[None]:
    """typer's rich help headings in `lang` for the length of the block, restored after
    (they are module-level strings that typer reads when it renders a page)."""
    try:
        from typer import rich_utils
    except ImportError:  # pragma: no cover - rich help is optional in typer
        yield
        return
    words = texts(lang)
    saved = {name: getattr(rich_utils, name) for name in HELP_HEADINGS if hasattr(rich_utils, name)}
    try:
        for name in saved:
            setattr(rich_utils, name, words[HELP_HEADINGS[name]])
        yield
    finally:
        for name, value in saved.items():
            setattr(rich_utils, name, value)


class LocalizedGroup(TyperGroup):
    """The command line's group: a run in one language, usage errors said in it."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        lang = decide(argv)
        localize(self, lang)
        with running_in(lang), help_headings(lang):
            try:
                returned = super().main(
                    argv, prog_name, complete_var, standalone_mode=False, **extra
                )
            except click_errors.ClickException as e:
                if not standalone_mode:
                    raise
                say_usage_error(e, lang)
                sys.exit(e.exit_code)
            except typer.Abort:
                if not standalone_mode:
                    raise
                typer.echo(text(lang, "usage.click.aborted"), err=True)
                sys.exit(1)
        if not standalone_mode:
            return returned
        sys.exit(returned if isinstance(returned, int) else 0)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            lang = current_language()
            said = text(lang, "usage.click.no_such_command", name=name)
            matches = difflib.get_close_matches(name, list(self.commands))
            if matches:
                said += " " + text(lang, "usage.click.did_you_mean", name=matches[0])
            raise click_errors.UsageError(said, ctx)
        return super().resolve_command(ctx, args)
