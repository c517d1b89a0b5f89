"""Outbound webhooks: tenants' subscriptions and the worker's dispatch from the outbox."""
