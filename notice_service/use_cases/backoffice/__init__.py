"""Read models of the back office's pages (``web/pages``): list rows with balances and next steps, and the
dashboard's figures. Each reads the tenant's rows only."""
