"""Scan analytics: what a redirect tells about its scan, tallied and stored per month."""
