"""Tests of the API client package and the client commands of the CLI."""
