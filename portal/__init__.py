"""The KOK knowledge portal."""

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, instance_path: str | os.PathLike | None = None) -> Flask:
    """Build the application: config layers, extensions, blueprints, handlers, commands."""
    from portal import setup  # here, not at the top: importing `portal` must stay cheap

    instance_path = instance_path or os.environ.get("PORTAL_INSTANCE_PATH") or ROOT / "instance"
    app = setup.Portal(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    setup.load_config(app, config)
    setup.init_extensions(app)
    setup.register_blueprints(app)
    setup.install_login_guard(app)
    setup.install_clean_input(app)
    setup.install_security_headers(app)
    setup.register_error_handlers(app)
    setup.register_template_helpers(app)
    setup.register_commands(app)
    return app
