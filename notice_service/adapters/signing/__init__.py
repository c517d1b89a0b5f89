"""Signing: PAdES letters (pyHanko), CMS dossier manifests, Ed25519 checkpoints, the development identity."""
