"""notice-service: legally complete French dunning letters, signed, archived WORM and audited."""

__version__ = "0.1.0"
