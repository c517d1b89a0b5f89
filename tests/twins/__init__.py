"""Twins of external things: local servers written from their published documentation, passing the same
contract suite as the real adapter."""
