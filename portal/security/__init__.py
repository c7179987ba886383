"""Response headers, clean input and the start-up checks of a production configuration."""

from portal.security.checks import check_production_config
from portal.security.headers import set_security_headers
from portal.security.text import CleanRequest

__all__ = ["CleanRequest", "check_production_config", "set_security_headers"]
