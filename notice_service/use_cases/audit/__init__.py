"""The audit ledger's use cases: checkpoints, the WORM mirror, reading the ledger back, export and verification."""
