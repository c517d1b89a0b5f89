"""HTTP: the JSON API blueprints, problem+json errors, authentication, idempotency and OpenAPI."""
