"""The evidence dossier's pure rules: exhibits and their order, the lawyer's pre-filing checks and the competent court,
the manifest.
"""
