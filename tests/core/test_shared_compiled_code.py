"""What the test process compiles once for all apps (tests/compile_cache.py) is what each app
would have compiled itself."""

from jinja2 import DictLoader, Environment
from sqlalchemy import Select, literal, select
from werkzeug.routing import Rule

from portal import create_app
from portal.extensions import db
from tests.compile_cache import TemplateCodeCache


def test_every_rule_gets_the_url_builder_werkzeug_would_compile_for_it(app):
    shared = Rule._compile_builder
    werkzeugs = shared.__wrapped__
    for rule in app.url_map.iter_rules():
        for append_unknown in (False, True):
            assert (
                shared(rule, append_unknown).__code__ == werkzeugs(rule, append_unknown).__code__
            ), rule.rule


def _converter(converter) -> tuple:
    return type(converter), {k: v for k, v in vars(converter).items() if k != "map"}


def test_every_rule_is_parsed_as_werkzeug_would_parse_it(app, tmp_path, monkeypatch):
    monkeypatch.setattr(Rule, "_parse_rule", Rule._parse_rule.__wrapped__)
    own = create_app({"ENV_NAME": "test"}, instance_path=tmp_path / "own")
    shared_rules = list(app.url_map.iter_rules())
    own_rules = list(own.url_map.iter_rules())
    assert [r.rule for r in shared_rules] == [r.rule for r in own_rules]
    for shared, werkzeugs in zip(shared_rules, own_rules, strict=True):
        assert shared._parts == werkzeugs._parts, shared.rule
        assert shared._trace == werkzeugs._trace, shared.rule
        assert shared.arguments == werkzeugs.arguments, shared.rule
        assert {k: _converter(c) for k, c in shared._converters.items()} == {
            k: _converter(c) for k, c in werkzeugs._converters.items()
        }, shared.rule
        assert all(c.map is app.url_map for c in shared._converters.values())


def _environment(source: str, cache: TemplateCodeCache) -> Environment:
    """A Jinja environment like each app's: its own, sharing the process's compiled code."""
    loader = DictLoader({"page.html": source})
    return Environment(loader=loader, autoescape=True, bytecode_cache=cache)


def test_a_template_compiled_for_one_app_is_not_compiled_again_for_the_next(monkeypatch):
    cache = TemplateCodeCache()
    first = _environment("Hallo {{ name }}", cache)
    assert first.get_template("page.html").render(name="<Welt>") == "Hallo &lt;Welt&gt;"

    second = _environment("Hallo {{ name }}", cache)
    monkeypatch.setattr(second, "compile", None)  # compiling would fail
    assert second.get_template("page.html").render(name="<Welt>") == "Hallo &lt;Welt&gt;"


def test_an_edited_template_is_compiled_again():
    cache = TemplateCodeCache()
    assert _environment("alt", cache).get_template("page.html").render() == "alt"
    assert _environment("neu", cache).get_template("page.html").render() == "neu"


def test_sql_compiled_for_one_app_is_not_compiled_again_for_the_next(
    app, fresh_instance, tmp_path, monkeypatch
):
    statement = select(literal(7).label("seven"))
    with app.app_context():
        first = db.engine
        assert db.session.execute(statement).scalar() == 7
        db.session.remove()

    # Another app on another database of the same kind (SQLite file, or PostgreSQL database).
    second = create_app({"ENV_NAME": "test"}, instance_path=fresh_instance(tmp_path / "second"))
    with second.app_context():
        assert db.engine is not first
        monkeypatch.setattr(Select, "_compiler", None)  # compiling would fail
        assert db.session.execute(statement).scalar() == 7
        db.session.remove()
        db.engine.dispose()
