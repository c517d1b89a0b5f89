"""Twins of external things: local stand-ins that pass the same contract suite as the real adapter."""
"""Twins of external providers: local servers written from their published documentation."""
