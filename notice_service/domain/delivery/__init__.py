"""Delivery, pure: provider-neutral facts and what the law derives from them, provider event tables, postal tracking
numbers.
"""
