"""The SMS step: send a text to the debtor of a case, opt-outs, and reading what was sent."""
