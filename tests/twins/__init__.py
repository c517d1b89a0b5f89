"""Twins of external things: local stand-ins that pass the same contract suite as the real adapter."""
