"""retail-hub: receives aggregate windows over MQTT, stores them in SQLite, reports and serves them."""

__version__ = "0.1.0"
__all__ = ["__version__"]
