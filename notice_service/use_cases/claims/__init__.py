"""What is owed: debtors, invoices and the payments received on them."""
