"""The OpenAPI document of the read endpoints: every route of `mockserver.api.read` documented under `/v1`, with its
contract's path and query parameters (types, enums, pageSize 1..100 default 50), its 200 schema equal to the
contract model's, and the JSON error body for every error."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mockserver.api import read
from mockserver.contract import build_openapi
from mockserver.contract.read_openapi import READ_RESPONSES, load_endpoint_contracts
from tests.contract.test_openapi import inline, resolve

Document = dict[str, Any]
CONTRACTS = load_endpoint_contracts()
ERRORS = {"400", "401", "403", "404", "405", "414", "429", "431", "500", "503"}
TYPES = {"str": "string", "bool": "boolean", "int": "integer"}


@pytest.fixture(scope="module")
def document() -> Document:
    return build_openapi()


def operation_of(document: Document, name: str) -> Document:
    op: Document = document["paths"]["/v1" + CONTRACTS[name]["path"]]["get"]
    return op


def template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_read_route_is_documented(document: Document) -> None:
    routes = {template("/v1" + e.path) for e in read.ENDPOINTS}
    documented = {template(path) for path in document["paths"]} - {"/v1/usages"}
    assert routes == documented
    assert set(READ_RESPONSES) == {e.name for e in read.ENDPOINTS} == set(CONTRACTS)


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_parameters_are_the_contracts(document: Document, name: str) -> None:
    contract = CONTRACTS[name]
    parameters = {p["name"]: p for p in operation_of(document, name)["parameters"]}
    assert set(parameters) == set(contract["path_parameters"]) | set(contract["query"])
    for path_name in contract["path_parameters"]:
        assert parameters[path_name]["in"] == "path" and parameters[path_name]["required"] is True
        assert parameters[path_name]["schema"] == {"type": "string", "minLength": 1}
    for query_name, spec in contract["query"].items():
        parameter = parameters[query_name]
        assert (parameter["in"], parameter["required"]) == ("query", False)
        assert parameter["description"].strip(), query_name
        schema = parameter["schema"]
        if "enum" in spec:
            assert schema == {"type": "string", "enum": spec["enum"]}
        elif "array_of" in spec:
            assert schema == {"type": "array", "items": {"type": "string", "enum": spec["array_of"]["enum"]}}
            assert (parameter["style"], parameter["explode"]) == ("form", False)  # comma-separated, as the SDK sends
        else:
            assert schema["type"] == TYPES[spec["type"]], query_name


@pytest.mark.parametrize("name", sorted(n for n, c in CONTRACTS.items() if "pageSize" in c["query"]))
def test_page_size_is_ours_for_every_list(document: Document, name: str) -> None:
    (page_size,) = [p for p in operation_of(document, name)["parameters"] if p["name"] == "pageSize"]
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}
    assert "default 50" in page_size["description"]


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_the_200_schema_is_the_contract_models(document: Document, name: str) -> None:
    content = operation_of(document, name)["responses"]["200"]["content"]
    schema = resolve(document, content["application/json"]["schema"]["$ref"])
    model = READ_RESPONSES[name]
    exported = model.model_json_schema(mode="serialization", by_alias=True)
    assert inline(schema, document) == inline(exported, exported)
    assert schema["title"] == model.__name__


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_errors_use_the_error_body(document: Document, name: str) -> None:
    responses = operation_of(document, name)["responses"]
    assert set(responses) == {"200", *ERRORS}
    for status in ERRORS:
        assert responses[status]["description"].strip()
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    scope = "team-scoped key" if name.startswith("teams.") else "project-scoped key reads its projects"
    assert scope in responses["403"]["description"]
    assert operation_of(document, name)["security"] == [{"basicAuth": []}, {"bearerAuth": []}]


def test_the_served_document_documents_the_read_endpoints(client: httpx.Client) -> None:
    served = client.get("/openapi.json").json()
    assert served == build_openapi()
    assert "/v1/jobs/{jobId}" in served["paths"]
