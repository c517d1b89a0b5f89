"""merge the feature branches (deliveries and webhooks, dossiers and case documents, audit speed)

Revision ID: 0010_merge
Revises: 0004_webhooks, 0008_case_documents, 0009_audit_append

Features were developed in parallel on branches of the revision graph; this revision joins them so the
schema has one head again. It changes nothing in the database. New migrations revise ``0010_merge``.
"""

revision = "0010_merge"
down_revision = ("0004_webhooks", "0008_case_documents", "0009_audit_append")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: a merge point."""


def downgrade() -> None:
    """Nothing to undo: a merge point."""
