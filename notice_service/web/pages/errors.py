"""Error pages of the back office: 400 (expired form), 403 (the role may not), 404 (nothing of this tenant
has that id), 429; never the API's problem+json on a page, never a 500 for a bad input."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import HTTPException

from notice_service.errors import Forbidden, NotFound, NoticeError
from notice_service.web.pages.blueprint import pages
from notice_service.web.pages.rendering import page
from notice_service.web.problems import status_for

TITLES = {
    400: (
        "Formulaire expiré",
        "Le formulaire a expiré ou ne vient pas de cette page. Rechargez la page et recommencez.",
    ),
    403: ("Accès refusé", "Votre rôle ne permet pas cette action. Demandez-la à un administrateur."),
    404: ("Page introuvable", "Rien ne porte cet identifiant dans votre espace."),
    405: ("Méthode non permise", "Cette adresse ne s’utilise pas ainsi."),
    409: ("Action impossible", "L’état du dossier ne permet pas cette action : rechargez la page."),
    413: ("Fichier trop volumineux", "Le fichier dépasse la taille acceptée."),
    415: ("Type de fichier refusé", "Envoyez un PDF, PNG, JPEG ou TIFF."),
    429: ("Trop de demandes", "Patientez quelques minutes puis recommencez."),
}


def _error_page(status: int) -> Any:
    title, text = TITLES.get(status, ("Erreur", "La demande n’a pas pu aboutir."))
    return page("error.html", status, title=title, text=text, code=status)


@pages.errorhandler(Forbidden)
def _forbidden(_error: Forbidden) -> Any:
    return _error_page(403)


@pages.errorhandler(NotFound)
def _not_found(_error: NotFound) -> Any:
    return _error_page(404)


@pages.errorhandler(NoticeError)
def _refused(error: NoticeError) -> Any:
    """Any other refusal of a use case: its page, never the API's problem+json."""
    return _error_page(status_for(error))


@pages.errorhandler(HTTPException)
def _http(error: HTTPException) -> Any:
    return _error_page(error.code or 500)
