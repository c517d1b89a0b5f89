"""Personal data (RGPD): the retention purge (``purge``) and the right of access (``export``)."""
