"""Document stores: filesystem (embedded), S3 Object Lock (production), in-memory twin, and their shared streaming
helpers.
"""
