"""⑤ Windows: events summed into clock-aligned, half-open [start, end) aggregation windows."""
