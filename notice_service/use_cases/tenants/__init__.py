"""Tenants: onboarding (row, genesis record, first API key), profile updates, listing."""
