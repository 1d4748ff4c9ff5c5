"""The processing side of bulkqr: consumes chunk messages, renders rows, assembles archives."""
