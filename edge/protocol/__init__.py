"""⑥ The contract between agent and hub: topics, the JSON Schema, and message building.

Imported by both `edge` and `hub`; light (no cv2, no paho).
"""
