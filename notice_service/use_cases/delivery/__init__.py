"""Deliveries: dispatching an issued notice on a channel, recording facts (manual or provider events) through one
sequence, deadlines, read models.
"""
