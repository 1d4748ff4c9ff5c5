"""Rows: validating a submitted row, encoding its payload, styling, and its result entry."""
