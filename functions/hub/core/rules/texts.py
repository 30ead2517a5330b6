"""The words of an alert: every summary and recommended action comes from ``hub/data/alert-texts.yaml``.

The data file is the one place a designated nurse or doctor reviews; this module only fills it in.
``render(rule, key, **values)`` formats a template whose placeholders may carry suffixes: ``_a`` puts
the indefinite article the word's sound takes ("an injury", "a burn", "an MMR", "bruising"), ``_cap``
capitalises the first letter (for a placeholder that starts the sentence).
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import yaml

DATA = "data/alert-texts.yaml"

# letters whose spoken name starts with a vowel sound: "an MMR", "an HV", "an LA", "a GP", "a PCV"
_VOWEL_LETTER_NAMES = frozenset("AEFHILMNORSX")
# words that start with a vowel letter but a consonant sound, or with a silent h
_CONSONANT_SOUND = ("uni", "use", "usu", "uti", "eu", "one", "once", "ubiq")
_SILENT_H = ("hour", "honest", "honour", "heir")
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve")


@lru_cache(maxsize=1)
def texts() -> dict:
    """The parsed data file (cached: it is package data and never changes at run time)."""
    return yaml.safe_load(resources.files("hub").joinpath(DATA).read_text(encoding="utf-8"))


def _is_initialism(word: str) -> bool:
    return len(word) > 1 and word[:2].isupper()


def article(phrase: str) -> str:
    """``phrase`` with the indefinite article its first sound takes; uncountable phrases take none."""
    if phrase in texts().get("uncountable", ()):
        return phrase
    word = re.split(r"[\s/]", phrase, maxsplit=1)[0]
    if _is_initialism(word):
        an = word[0] in _VOWEL_LETTER_NAMES
    else:
        low = word.lower()
        an = (low[:1] in "aeiou" and not low.startswith(_CONSONANT_SOUND)) or low.startswith(_SILENT_H)
    return f"{'an' if an else 'a'} {phrase}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def number_words(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def join(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c' (no serial comma, as in UK practice)."""
    xs = list(items)
    if len(xs) <= 1:
        return "".join(xs)
    return f"{', '.join(xs[:-1])} and {xs[-1]}"


def plural(noun: str, n: int) -> str:
    return noun if n == 1 else f"{noun}s"


def counted(noun: str, n: int) -> str:
    """'a GP appointment', 'two GP appointments'."""
    return article(noun) if n == 1 else f"{number_words(n)} {plural(noun, n)}"


def _name(table: str, code: str) -> str:
    return texts()[table].get(code, code.replace("-", " "))


def vaccine(code: str) -> str:
    return _name("vaccines", code)


def injury(code: str) -> str:
    return _name("injuries", code)


def risk_factor(code: str) -> str:
    return _name("risk_factors", code)


def service(code: str) -> str:
    return _name("services", code)


def plan(code: str) -> str:
    return _name("plans", code)


def relationship(code: str) -> str:
    return _name("relationships", code)


def dose(code: str, number: int) -> str:
    return f"{vaccine(code)} dose {number}"


class _Values(dict):
    """Template values; a key with the suffix _a and/or _cap is derived from its base value."""

    def __missing__(self, key: str) -> Any:
        base, cap = (key[:-4], True) if key.endswith("_cap") else (key, False)
        base, art = (base[:-2], True) if base.endswith("_a") else (base, False)
        if base == key or base not in self:
            raise KeyError(key)
        value = str(self[base])
        value = article(value) if art else value
        return capital(value) if cap else value


def template(rule: str, key: str) -> str:
    return " ".join(str(texts()["rules"][rule][key]).split())


def render(rule: str, key: str, **values: Any) -> str:
    return template(rule, key).format_map(_Values(values))


def title(rule: str) -> str:
    return template(rule, "title")


def recommended_action(rule: str) -> str:
    return template(rule, "recommended_action")
