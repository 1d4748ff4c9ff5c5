"""The steps of `bulkqr admin migrate`, one module per aggregate; see shared/store/migrate.py."""
