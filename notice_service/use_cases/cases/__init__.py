"""Collection cases: opening one, its documents and disputes, its décompte, what the law says of it today, and its read
models.
"""
