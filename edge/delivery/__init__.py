"""Delivery: the SQLite outbox (store-and-forward) and the MQTT publisher that drains it."""
