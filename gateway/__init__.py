"""The HTTP side of bulkqr: the bulk API, short-link redirects, dashboard, health and metrics."""
