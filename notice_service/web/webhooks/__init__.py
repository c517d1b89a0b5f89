"""``/v1/webhooks``: outbound subscriptions and their deliveries."""
