"""Personal data (RGPD) over HTTP: what may be purged, a debtor's purge, a debtor's access export."""
