"""RFC 3161 time-stamps: requesting them (with failover) and checking archived ones."""
