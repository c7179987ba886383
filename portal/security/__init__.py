"""Response headers and the start-up checks of a production configuration."""

from portal.security.checks import check_production_config
from portal.security.headers import init_app

__all__ = ["check_production_config", "init_app"]
