"""No regular expression of the package or of the catalog backtracks super-linearly on
short adversarial text.

Validators use the standard ``re`` module, which has no timeout: a pattern that can
read a run of characters in many ways (``(?:[A-Z]+[a-z]*)*``) takes exponential time on
a value that almost matches, and would hang a scan outside the engine's time guard. Each
pattern is run on runs of a short unit (``ABab``, ``a.``, ``${``...) repeated 8 and 16
times with a failing tail; doubling the input may at most multiply the time by a small
factor (exponential backtracking multiplies it by thousands).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import regex

import redact
from redact.detect.catalog import load_catalog
from redact.detect.validators import _DOTTED_NAME, is_code_expression

UNITS = (
    "ABab", "aA", "Aa", "a.", "a_", "a-", "a:", "a@", "1.", "1-", "a ", "${", "{{", "%(",
    "<a", "a=", "a/", "\\n", "ab", "A1", "1a", "a1.", "a.b", "::a", "a::", "x", "X", "*",
    "#", "_", "-", ".", "1", "0 ", "a,", "'a", '"a', ".a", "a\t", "aB1", "Ab.", "A.b",
)  # fmt: skip
TAILS = ("!", "\n", "", "\x00")
SMALL, LARGE = 8, 16
MAX_RATIO = 20.0  # linear: ~2, quadratic: ~4, cubic: ~8
FLOOR = 0.0005  # seconds: below this a ratio is noise


def _package_patterns() -> Iterator[tuple[str, Any]]:
    for info in pkgutil.walk_packages(redact.__path__, "redact."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra is not installed
            continue
        for name, value in vars(module).items():
            items = (
                value.items()
                if isinstance(value, dict)
                else enumerate(value)
                if isinstance(value, (list, tuple))
                else [("", value)]
            )
            for sub, item in items:
                if isinstance(item, (re.Pattern, regex.Pattern)):
                    yield f"{info.name}.{name}{f'[{sub!r}]' if sub != '' else ''}", item


def _catalog_patterns() -> Iterator[tuple[str, Any]]:
    for spec in load_catalog():
        for i, pattern in enumerate(spec.patterns):
            yield f"{spec.id}#{i}", regex.compile(pattern)
        for rule in (*spec.context.keys, *spec.context.exclude_keys):
            if not rule.startswith("@"):  # (``@name``: a key class of the key grammar)
                yield f"{spec.id} key {rule}", regex.compile(rule)


def _best(fn: Callable[[str], Any], text: str) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


def _super_linear(pattern: Any) -> list[str]:
    slow = []
    for unit in UNITS:
        for tail in TAILS:
            for fn in (pattern.search, pattern.match):
                small = _best(fn, unit * SMALL + tail)
                large = _best(fn, unit * LARGE + tail)
                if large > FLOOR and large > MAX_RATIO * max(small, 1e-7):
                    slow.append(f"{unit!r}*n+{tail!r}: {small * 1e3:.2f} ms -> {large * 1e3:.2f} ms")
    return slow


def test_package_patterns_are_not_super_linear() -> None:
    """Every compiled pattern held by a module of the package, or in a list, tuple or dict
    there (validators, key grammar, scanners, connection strings...)."""
    found = dict(_package_patterns())
    assert len(found) > 60
    slow = {name: s for name, p in found.items() if (s := _super_linear(p))}
    assert slow == {}


# a possessive quantifier (a*+, a{1,9}+): the standard re module reads it from Python 3.11
# on, and 3.10 fails to compile it (the regex module, which the catalog uses, reads it on
# every version); escapes and character classes are read as one character first (\}+ and
# [?+] hold none)
_ESCAPE_OR_CLASS = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]", re.S)
_POSSESSIVE = re.compile(r"[*+?}]\+")


def test_package_re_patterns_compile_on_every_supported_python() -> None:
    """No expression of the standard ``re`` module in the package uses a possessive
    quantifier, so ``import redact`` works on Python 3.10, which the package supports."""
    found = dict(_package_patterns())
    possessive = sorted(
        name
        for name, p in found.items()
        if isinstance(p, re.Pattern) and _POSSESSIVE.search(_ESCAPE_OR_CLASS.sub("x", str(p.pattern)))
    )
    assert possessive == []
    assert _POSSESSIVE.search(_ESCAPE_OR_CLASS.sub("x", r"[\w.]{1,9}+\d*+"))  # (what it looks for)


def test_catalog_patterns_are_not_super_linear() -> None:
    """Every detector pattern and key rule of the catalog (patterns also run under the
    engine's timeout, which would mask a value whole instead of hanging)."""
    found = dict(_catalog_patterns())
    assert len(found) > 200
    slow = {name: s for name, p in found.items() if (s := _super_linear(p))}
    assert slow == {}


def test_the_check_catches_exponential_backtracking() -> None:
    """The check above can fail: an ambiguous nested repeat is caught."""
    assert _super_linear(re.compile(r"^(?:[A-Z]+[a-z]*)*$"))


def test_dotted_names_are_read_in_linear_time() -> None:
    """``ABabABab...!`` under a credential key: the program-text check of a credential
    value ends at once (it took minutes at 120 characters), and dotted names are still
    program text."""
    assert _DOTTED_NAME.match("ABab" * 200 + "!") is None
    assert not is_code_expression("ABab" * 200 + "!", "")
    for name in ("self.config.token", "torch.Tensor", "HTTPServer.BaseURL", "MyClass.SomeValue"):
        assert is_code_expression(name, "")
    assert not is_code_expression("Tr0ub.4dor", "")
    t0 = time.perf_counter()
    findings = redact.scan({"api_token": "ABab" * 30 + "!"})
    assert time.perf_counter() - t0 < 30
    assert [f.category for f in findings] == ["SECRET"]
