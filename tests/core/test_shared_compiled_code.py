"""What the test process compiles once for all apps (tests/compile_cache.py) is what each app
would have compiled itself."""

from werkzeug.routing import Rule


def test_every_rule_gets_the_url_builder_werkzeug_would_compile_for_it(app):
    shared = Rule._compile_builder
    werkzeugs = shared.__wrapped__
    for rule in app.url_map.iter_rules():
        for append_unknown in (False, True):
            assert (
                shared(rule, append_unknown).__code__ == werkzeugs(rule, append_unknown).__code__
            ), rule.rule
