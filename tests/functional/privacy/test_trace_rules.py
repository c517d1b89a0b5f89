"""What the purge keeps of an error or a reason written outside the debtor's rows (``traces.py``): the words
naming its kind, an HTTP status, our fixed texts; and of a dossier's pièces' file names: number and extension."""

from __future__ import annotations

import pytest

from notice_service.use_cases.privacy.scrub import PLACEHOLDER
from notice_service.use_cases.privacy.traces import blank_error, blank_layout

P = PLACEHOLDER


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("SMTPRecipientsRefused: 550 <amelie@example.fr>: rejected", f"SMTPRecipientsRefused: {P}"),
        ("BadStatusLine: 'Bonjour Amélie Zarbo'", f"BadStatusLine: {P}"),  # http.client quotes the answer
        ("Recipient Amélie Zarbo: unknown", P),  # words before the colon: a sentence, not a kind
        ("target refused: hooks.example resolves to refused addresses 10.0.0.1", f"target refused: {P}"),
        ("Zarbo: unknown recipient", P),  # a capitalised word is no exception's name
        ("ReadTimeout: the answer took longer than 15 s", f"ReadTimeout: {P}"),
        ("HTTP 503", "HTTP 503"),
        ("the subscription was deleted", "the subscription was deleted"),
        ("adresse 17 impasse des Zinnias introuvable", P),  # a provider's sentence: no kind to keep
        (None, None),
    ],
)
def test_an_error_keeps_its_kind_only(written: str | None, kept: str | None) -> None:
    assert blank_error(written) == kept


def test_the_pieces_names_lose_their_titles_and_keep_keys() -> None:
    layout = [
        {"path": "pieces/01-contrat-zarbo.pdf", "key": "sha256/a", "sha256": "a", "size": 1},
        {"path": "pieces/12-historique-suivi", "key": "sha256/b", "sha256": "b", "size": 2},
        {"path": "bordereau.pdf", "key": "sha256/c", "sha256": "c", "size": 3},
    ]
    assert blank_layout(layout) == [
        {"path": "pieces/01-piece.pdf", "key": "sha256/a", "sha256": "a", "size": 1},
        {"path": "pieces/12-piece", "key": "sha256/b", "sha256": "b", "size": 2},
        layout[2],
    ]
