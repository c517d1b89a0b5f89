"""The audit ledger's pure rules: records and their hash chain, Merkle trees and proofs, checkpoints, evidence layout,
whole-ledger verification.
"""
