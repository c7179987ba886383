"""Code that every test's app compiles alike, compiled once per test process.

Each test builds its own app (a fresh database, instance folder, search index and config), and
each app compiled the same code again: werkzeug turns every URL rule into small Python
functions (140 rules, two functions each: about 20 of the 35 ms of a `create_app`). They are
pure functions of their input, so the test process keeps what it compiled and hands it to the
next app; the apps themselves stay separate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.routing import Rule


def share_url_builders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let werkzeug build the URL-building function of a rule once per process.

    `Rule._compile_builder` reads the rule's parsed parts (`_trace`), its defaults and, for a
    variable part with a default, that default as its converter writes it; the key holds all
    of them, so two rules share a function only where werkzeug would build the same one. (A
    private method: if werkzeug renames it, the tests run unchanged, only slower.)
    """
    original: Callable[..., Any] | None = getattr(Rule, "_compile_builder", None)
    if original is None:
        return
    builders: dict[tuple, Callable[..., Any]] = {}

    def compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
        defaults = self.defaults or {}
        key = (
            self.rule,
            append_unknown,
            tuple(self._trace),
            tuple(defaults),
            tuple(
                self._converters[name].to_url(defaults[name])
                for dynamic, name in self._trace
                if dynamic and name in defaults
            ),
        )
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = original(self, append_unknown)
        return builder

    compile_builder.__wrapped__ = original  # werkzeug's own, for the test that compares
    monkeypatch.setattr(Rule, "_compile_builder", compile_builder)
