"""Webhook tests: address checks, the safe sender, signing, and delivery on the real stack."""
