"""Deliveries: dispatch, facts, evidence, and inbound provider webhooks."""
