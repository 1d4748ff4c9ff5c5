"""The `bulkqr` command: runs the gateway or a worker, and the admin and client commands."""
