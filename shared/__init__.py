"""The layer under the gateway, the worker and the CLI; it imports none of them, nor the client."""
