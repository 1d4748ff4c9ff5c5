"""Tests of the document store: its layout and the shapes of the queries sent to it."""
