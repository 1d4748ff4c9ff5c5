"""Code both processes share: wire schemas, the order state machine, settings and store clients."""
