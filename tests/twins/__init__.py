"""Twins of external providers: local servers written from their published documentation."""
