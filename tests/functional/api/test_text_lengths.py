"""A text's ``maxLength`` counts what is sent, for every strict body (``web.schemas.Strict``): a text that only
fits once its surrounding whitespace is stripped is a 422 naming the field, in JSON bodies and merge patches,
in optional, ``Annotated``, nested and list fields alike; the schema checks run without the database, the
``PATCH`` on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from notice_service.errors import InvalidInput
from notice_service.web.claims.schemas import DebtorPatch
from notice_service.web.providers.routes import ProviderAccountPut
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import debtor, patch

PADDED_NAME = "a" * 200 + "   "

REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"name": PADDED_NAME}, "name"),  # Optional[Annotated[str, max_length]]
    ({"phone": "+33612345678" + " " * 5}, "phone"),  # Optional[str] with Field(max_length)
    ({"address": {"city": "Lyon" + " " * 200}}, "address.city"),  # a nested optional model
    ({"address": {"lines": ["1 rue de la Paix", "x" * 38 + "\n"]}}, "address.lines.1"),  # a list's items
]


@pytest.mark.parametrize(("body", "field"), REFUSED)
def test_a_padded_text_is_refused_naming_its_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        DebtorPatch.model_validate(body)
    assert [error.field for error in refused.value.errors] == [field]


def test_a_text_within_its_length_is_stripped_and_accepted() -> None:
    assert DebtorPatch.model_validate({"name": "  Martin SARL  ", "address": {"lines": [" 1 rue "]}}).name == (
        "Martin SARL"
    )
    address = {"lines": ["1 rue de la Paix"], "postal_code": "75002" + " " * 12, "city": "Paris"}
    with pytest.raises(InvalidInput) as refused:
        ProviderAccountPut.model_validate({"credentials": {}, "return_address": address})
    assert [error.field for error in refused.value.errors] == ["return_address.postal_code"]


def test_a_merge_patch_with_a_padded_text_is_refused_as_sent(api: Api) -> None:
    debtor_id = debtor(api)
    read = api.get(f"/v1/debtors/{debtor_id}")
    refused = patch(api, f"/v1/debtors/{debtor_id}", {"name": PADDED_NAME}, etag=read.headers["ETag"])
    assert refused.status_code == 422, refused.json
    assert [error["field"] for error in refused.json["errors"]] == ["name"]
    assert api.get(f"/v1/debtors/{debtor_id}").json["name"] == read.json["name"]
