"""Use cases: one module each; load → compute (domain) → slow I/O (adapters) → one short transaction."""
