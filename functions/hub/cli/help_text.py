"""Help text as people read it: values named in capitals (FILE, TEXT, INTEGER), flags with no type.

Typer 0.29 prints each parameter's Python annotation in the help (`<bool>`, `<list[Path]>`, `<str>`) and
wraps a required argument in braces in the usage line (`{files}...`). `install()` restores the click
conventions for the `safeguard` command; tests/integration/test_cli_basics.py holds every help page to it.
"""
from __future__ import annotations

import typer.core

_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "BOOLEAN", "file": "FILE", "directory": "DIR",
          "path": "PATH", "Path": "PATH", "datetime": "DATETIME"}


def _value_word(param, ctx) -> str:
    """Typer's `<label>` in words: `<list[Path]>` -> PATH..., `<str>` -> TEXT; choices stay `a|b`."""
    label = param.display_type(ctx).strip("<>")
    many = label.startswith("list[") and label.endswith("]")
    label = label[5:-1] if many else label
    return _WORDS.get(label, label if "|" in label else label.upper()) + ("..." if many else "")


def _option_type(self, ctx) -> str | None:
    if getattr(self, "is_flag", False) or getattr(self, "count", False):
        return None
    word = self.metavar or _value_word(self, ctx)
    return word + ("..." if self.nargs != 1 and not word.endswith("...") else "")


def _argument_name(self) -> str:
    return self.metavar or self.name.upper()


def _argument_usage(self) -> str:
    name = _argument_name(self)
    if self.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if self.required else f"[{name}]"


def install() -> None:
    typer.core.TyperOption.display_type_rich = _option_type
    typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # the name column says it
    typer.core.TyperArgument.display_name_raw = property(_argument_name)
    typer.core.TyperArgument._usage_display_name = _argument_usage
