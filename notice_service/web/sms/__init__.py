"""The SMS step over HTTP: send to a case's debtor, a debtor's opt-out, read an SMS sent."""
