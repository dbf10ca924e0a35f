"""Errors the agent raises. The CLI maps them to exit codes (2: usage/config, 1: runtime)."""

__all__ = ["RetailEdgeError", "ConfigError", "SourceError", "ModelError", "DeliveryError"]


class RetailEdgeError(Exception):
    """Base of every error the agent reports to a user as one clear line."""


class ConfigError(RetailEdgeError):
    """Bad usage or configuration: a malformed line spec, an unknown key, a bad value."""


class SourceError(RetailEdgeError):
    """A video source that does not exist or cannot be opened."""


class ModelError(RetailEdgeError):
    """A model file that is missing, or whose checksum does not match models/MODELS.md."""


class DeliveryError(RetailEdgeError):
    """The broker could not be reached or refused the agent (runtime failure)."""
