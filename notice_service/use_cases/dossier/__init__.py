"""The evidence dossier for an injonction de payer: collect, check, render, prove, sign, zip, store, read back."""
