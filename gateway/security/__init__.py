"""Who may see what: principals from API keys and tokens, role policies, row scope, query
limits, rate limits and the audit log."""

from gateway.security.principal import ANONYMOUS, Principal

__all__ = ["ANONYMOUS", "Principal"]
