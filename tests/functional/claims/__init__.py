"""Functional tests of debtors, invoices and payments."""
