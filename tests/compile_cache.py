"""Code that every test's app compiles alike, compiled once per test process.

Each test builds its own app (a fresh database, instance folder, search index and config), and
each app compiled the same code again: werkzeug parses every URL rule (140 rules: more than half
of what was left of a `create_app` once the next were shared) and turns it into small Python
functions (two each: about 20 of the 35 ms of a `create_app`), and each
app's new Jinja environment compiled every template a test rendered (`base.html` alone takes
20 ms, a results page 30). Both are pure functions of their input, so the test process keeps
what it compiled and hands it to the next app; the apps themselves stay separate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask_sqlalchemy import SQLAlchemy
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.util import LRUCache
from werkzeug.routing import Rule
from werkzeug.routing.rules import RulePart


class TemplateCodeCache(BytecodeCache):
    """Jinja's bytecode cache, in memory: a template's code object, keyed by its name and
    file and kept only while the template's source is unchanged (Jinja's checksum)."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)


def share_url_builders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let werkzeug build the URL-building function of a rule once per process.

    `Rule._compile_builder` reads the rule's parsed parts (`_trace`), its defaults and, for a
    variable part with a default, that default as its converter writes it; the key holds all
    of them, so two rules share a function only where werkzeug would build the same one. (A
    private method: if werkzeug renames it, nothing is shared and
    tests/core/test_shared_compiled_code.py fails to say so.)
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


def share_rule_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let werkzeug parse a URL rule once per process.

    `Rule._parse_rule` (private: if werkzeug renames it, nothing is shared and
    tests/core/test_shared_compiled_code.py fails to say so; it also compares the results with
    werkzeug's own) reads the rule's text and, for each variable part, asks the rule's map
    for a converter; what it yields (regular expressions and weights) follows from the text
    and the converters' classes and arguments. So the first parse of a text is remembered with
    the converters it asked for, and the next rule of that text gets copies of the parts, the
    same trace and new converters of its own map, as parsing would have given it.
    """
    original: Callable[..., Iterable[RulePart]] | None = getattr(Rule, "_parse_rule", None)
    if original is None:
        return
    parsed: dict[tuple, tuple[list[RulePart], list, list[tuple]]] = {}

    def parse_rule(self: Rule, rule: str) -> list[RulePart]:
        key = (rule, tuple(self.map.converters.items()))
        found = parsed.get(key)
        if found is None:
            asked: list[tuple] = []
            werkzeugs_get = self.get_converter

            def get_converter(variable, name, args, kwargs):
                asked.append((variable, name, args, dict(kwargs)))
                return werkzeugs_get(variable, name, args, kwargs)

            self.get_converter = get_converter  # this rule only, while it is parsed
            trace_from = len(self._trace)
            try:
                parts = list(original(self, rule))
            finally:
                del self.get_converter
            parsed[key] = (parts, self._trace[trace_from:], asked)
        else:
            parts, trace, asked = found
            self._trace.extend(trace)
            for variable, name, args, kwargs in asked:
                self._converters[variable] = self.get_converter(variable, name, args, kwargs)
                self.arguments.add(variable)
        return [dataclasses.replace(part) for part in parts]  # each rule its own parts

    parse_rule.__wrapped__ = original  # werkzeug's own, for the test that compares
    monkeypatch.setattr(Rule, "_parse_rule", parse_rule)


def share_sql_compilation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the engines of the test process share compiled SQL.

    SQLAlchemy keeps compiled statements in a cache per engine (and, for the ORM's inserts and
    updates, per mapper), each keyed by the dialect object, and every app builds a new engine
    with a new dialect. Here each engine (made by Flask-SQLAlchemy's `_make_engine`, a private
    method: tests/core/test_shared_compiled_code.py fails if it stops being called) gets
    - one statement cache for the process, through the public `compiled_cache` execution
      option, and
    - the first dialect of its kind (class and driver) that a connection has initialised, so
      the keys are equal. Dialects of one kind in one process are alike: same class, same
      driver module, same server (one SQLite library, one PostgreSQL test server).
    The engine keeps its own pool, URL and events; its own dialect still sets up its
    connections.
    """
    original = SQLAlchemy._make_engine
    statements = LRUCache(20_000)
    dialects: dict[tuple, object] = {}

    def make_engine(self: SQLAlchemy, bind_key, options: dict, app) -> Engine:
        options = {**options}
        options["execution_options"] = {
            **options.get("execution_options", {}),
            "compiled_cache": statements,
        }
        engine = original(self, bind_key, options, app)
        kind = (type(engine.dialect), engine.url.drivername)
        shared = dialects.get(kind)
        if shared is not None:
            engine.dialect = shared
        else:
            own = engine.dialect

            def initialised(*_args) -> None:  # runs after SQLAlchemy's own first-connect step
                dialects.setdefault(kind, own)

            event.listen(engine.pool, "connect", initialised, once=True)
        return engine

    make_engine.__wrapped__ = original
    monkeypatch.setattr(SQLAlchemy, "_make_engine", make_engine)
