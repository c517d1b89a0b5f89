"""Provider accounts per tenant: configuration with encrypted secrets, and the adapters built from them."""
