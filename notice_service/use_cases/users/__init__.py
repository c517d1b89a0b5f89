"""People of a tenant: accounts (create, change password, disable) and signing in with throttling."""
