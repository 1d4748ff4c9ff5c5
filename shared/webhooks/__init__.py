"""Signed completion webhooks: endpoints, events, the delivery log, safe sending and retries."""
