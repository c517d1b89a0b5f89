"""Letters: drafting (options, frozen letter data) and issuing (render, check, sign, store, audit)."""
