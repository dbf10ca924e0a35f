"""Errors the hub reports as one clear line (CLI: 2 for usage/config, 1 for runtime)."""

__all__ = ["RetailHubError", "ConfigError", "StoreError"]


class RetailHubError(Exception):
    """Base of every error the hub reports to a user."""


class ConfigError(RetailHubError):
    """Bad usage or configuration: a bad broker URL, a bad date, an unknown store."""


class StoreError(RetailHubError):
    """The database cannot be opened or is not a hub database."""
