"""The OpenAPI document: 3.1, `/v1/usages` with every query parameter of contract 2.4.0, every read endpoint with its
contract's path and query parameters, both auth schemes, the response and error schemas (the contract models'),
and every `$ref` resolvable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest

from mockserver.contract import ErrorBody, UsageListResponse, build_openapi, response_json_schema
from mockserver.contract.query import DATE_PATTERN, parse_date
from mockserver.contract.versions import load_contract

Document = dict[str, Any]
ERROR_STATUSES = ["400", "401", "404", "405", "414", "429", "431", "500", "503"]


@pytest.fixture(scope="module")
def document() -> Document:
    return build_openapi()


@pytest.fixture(scope="module")
def operation(document: Document) -> Document:
    op: Document = document["paths"]["/v1/usages"]["get"]
    return op


@pytest.fixture(scope="module")
def parameters(operation: Document) -> dict[str, Document]:
    return {p["name"]: p for p in operation["parameters"]}


@pytest.fixture(scope="module")
def query_contract() -> dict[str, Any]:
    query: dict[str, Any] = load_contract("2.4.0")["query"]
    return query


def resolve(document: Document, ref: str) -> Document:
    assert ref.startswith("#/"), f"non-local $ref {ref!r}"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref!r} does not resolve (no {part!r})"
        node = node[part]
    assert isinstance(node, dict), f"$ref {ref!r} points to a {type(node).__name__}"
    return node


def walk(node: Any, path: str = "#") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def inline(node: Any, document: Document) -> Any:
    """Replace every `$ref` by its target (the schemas here are not recursive)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return inline(resolve(document, node["$ref"]), document)
        return {k: inline(v, document) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [inline(v, document) for v in node]
    return node


def test_document_header(document: Document) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Scenario API (mockserver)"
    assert document["info"]["version"] == "0.1.0"
    json.dumps(document, allow_nan=False)  # plain JSON data throughout


def test_only_v1_paths_are_documented(document: Document, operation: Document) -> None:
    assert all(path.startswith("/v1/") for path in document["paths"])
    assert "/usages" not in document["paths"]
    assert "without its `/v1` prefix" in document["info"]["description"]
    assert {tuple(item) for item in document["paths"].values()} == {("get",)}
    assert operation["operationId"] == "listUsages"
    ids = [item["get"]["operationId"] for item in document["paths"].values()]
    assert len(ids) == len(set(ids)) == 14


def test_every_contract_query_parameter_is_documented(
    parameters: dict[str, Document], query_contract: dict[str, Any]
) -> None:
    assert set(parameters) == set(query_contract)
    for name, parameter in parameters.items():
        assert parameter["in"] == "query", name
        assert parameter.get("required", False) is False, name
        assert parameter["description"].strip(), name


def test_enum_parameters_equal_the_contract(parameters: dict[str, Document], query_contract: dict[str, Any]) -> None:
    assert parameters["timeRange"]["schema"] == {
        "type": "string",
        "enum": query_contract["timeRange"]["enum"],
    }
    assert parameters["timeRange"]["allowEmptyValue"] is True  # empty is absent
    type_ = parameters["type"]
    # The known values, and any other text (ignored, as the API documents): the server takes every `type`.
    known, other = type_["schema"]["items"]["anyOf"]
    assert type_["schema"]["type"] == "array"
    assert known == {"type": "string", "enum": query_contract["type"]["array_of"]["enum"]}
    assert other == {**other, "type": "string"} and "ignored" in other["description"]
    assert (type_["style"], type_["explode"]) == ("form", False)  # comma-separated


@pytest.mark.parametrize("name", ["userId", "userIds", "projectIds", "teamId"])
def test_free_text_parameters(parameters: dict[str, Document], name: str) -> None:
    assert parameters[name]["schema"] == {"type": "string"}


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        pytest.param("activityOffset", {"type": ["number", "string"], "minimum": 0}, id="activityOffset"),
        pytest.param("dropZeroPoints", {"type": ["boolean", "string"]}, id="dropZeroPoints"),
    ],
)
def test_lenient_parameters_admit_any_text(parameters: dict[str, Document], name: str, schema: Document) -> None:
    # The server takes any value of these (API-FACTS: bad offsets are 0, any dropZeroPoints but four words enables).
    assert parameters[name]["schema"] == schema
    assert parameters[name]["allowEmptyValue"] is True


@pytest.mark.parametrize(
    ("parameter", "text"),
    [
        pytest.param("dropZeroPoints", "-58800", id="drop-zero-points-number"),
        pytest.param("dropZeroPoints", "", id="drop-zero-points-empty"),
        pytest.param("activityOffset", "abc", id="offset-text"),
        pytest.param("activityOffset", "-5", id="offset-negative"),
        pytest.param("type", "usages,bogus", id="type-unknown"),
    ],
)
def test_lenient_values_are_schema_valid_and_answered(
    parameters: dict[str, Document], parameter: str, text: str, client: httpx.Client
) -> None:
    schema = parameters[parameter]["schema"]
    value: Any = text.split(",") if schema.get("type") == "array" else text
    assert jsonschema_rs.validator_for(schema).is_valid(value)
    assert client.get("/v1/usages", params={parameter: text, "timeRange": "last-hour"}).status_code == 200


def test_dates_carry_the_parsers_pattern(parameters: dict[str, Document]) -> None:
    for name in ("startDate", "endDate"):
        assert parameters[name]["schema"] == {"type": "string", "pattern": DATE_PATTERN}, name
        assert parameters[name]["allowEmptyValue"] is True  # empty is absent
        assert "1970" in parameters[name]["description"]


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        pytest.param("2026-05-01", True, id="date"),
        pytest.param("2028-02-29", True, id="leap-day"),
        pytest.param("2000-02-29", True, id="leap-century"),
        pytest.param("2100-02-29", False, id="not-leap-century"),
        pytest.param("2026-02-29", False, id="not-leap"),
        pytest.param("2026-04-31", False, id="april-31"),
        pytest.param("1969-12-31", False, id="before-1970"),
        pytest.param("9999-12-31T23:59:59.999999999Z", True, id="nanoseconds"),
        pytest.param("2026-05-01T10:15", True, id="minutes"),
        pytest.param("2026-05-01T10:15:30.5+02:00", True, id="offset"),
        pytest.param("2026-05-01T10:15 02:00", True, id="unencoded-plus"),
        pytest.param("2026-05-01T10:15z", True, id="lower-z"),
        pytest.param("2026-05-01T24:00", False, id="hour-24"),
        pytest.param("2026-05-01t10:15", False, id="lower-t"),
        pytest.param("2026-05-01T10:15:30.", False, id="empty-fraction"),
        pytest.param("2026-05-01\n", False, id="trailing-newline"),
        pytest.param("\u0662\u0660\u0662\u0666-05-01", False, id="arabic-indic-digits"),
        pytest.param("-58800", False, id="number"),
    ],
)
def test_date_pattern_means_the_same_to_schemathesis_and_the_server(text: str, accepted: bool) -> None:
    # jsonschema_rs is the validator schemathesis judges cases with; parse_date is the server.
    validator = jsonschema_rs.validator_for({"type": "string", "pattern": DATE_PATTERN})
    assert validator.is_valid(text) is accepted
    try:
        parse_date(text, is_end=False)
    except ValueError:
        parsed = False
    else:
        parsed = True
    assert parsed is accepted


def test_either_auth_scheme_is_accepted(document: Document, operation: Document) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert operation["security"] == [{"basicAuth": []}, {"bearerAuth": []}]  # no `{}`: credentials are required


@pytest.mark.parametrize("scheme", ["basicAuth", "bearerAuth"])
def test_security_schemes_say_which_credentials_are_accepted(document: Document, scheme: str) -> None:
    description = document["components"]["securitySchemes"][scheme]["description"]
    assert "any well-formed credentials" in description
    assert "acceptOnlyDeclaredKeys" in description
    assert "401" in description


def test_200_is_the_usage_list_response(document: Document, operation: Document) -> None:
    content = operation["responses"]["200"]["content"]
    assert list(content) == ["application/json"]
    schema = resolve(document, content["application/json"]["schema"]["$ref"])
    assert set(schema["properties"]) == {f.alias for f in UsageListResponse.model_fields.values()}
    # Moving $defs into components changes only where refs point, not what they describe.
    exported = response_json_schema(mode="serialization")
    assert inline(schema, document) == inline(exported, exported)


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_errors_use_the_error_body(document: Document, operation: Document, status: str) -> None:
    response = operation["responses"][status]
    assert response["description"].strip()
    schema = resolve(document, response["content"]["application/json"]["schema"]["$ref"])
    assert set(schema["required"]) == {"reason", "message", "code", "traceId"}
    assert "remainingSeconds" in schema["properties"]
    assert schema["title"] == ErrorBody.__name__


def test_405_documents_allow(operation: Document) -> None:
    assert operation["responses"]["405"]["headers"]["Allow"]["required"] is True


def test_429_documents_retry_after(operation: Document) -> None:
    header = operation["responses"]["429"]["headers"]["Retry-After"]
    assert header["schema"]["type"] == "integer"
    assert set(operation["responses"]) == {"200", *ERROR_STATUSES}


def test_every_ref_resolves(document: Document) -> None:
    refs = [(path, node["$ref"]) for path, node in walk(document) if isinstance(node, dict) and "$ref" in node]
    assert refs, "the document should use $refs"
    for path, ref in refs:
        assert resolve(document, ref) is not None, path
    assert not [path for path, node in walk(document) if isinstance(node, dict) and "$defs" in node]


def test_every_schema_is_valid_json_schema_2020_12(document: Document) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for name, schema in document["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:  # pragma: no cover - the message is the point
            pytest.fail(f"components.schemas.{name}: {error.message}")


def test_document_is_a_fresh_copy_each_time() -> None:
    first = build_openapi()
    first["paths"]["/v1/usages"]["get"]["responses"]["400"]["content"]["application/json"]["schema"]["$ref"] = "x"
    first["info"]["title"] = "changed"
    second = build_openapi()
    assert second["info"]["title"] == "Scenario API (mockserver)"
    error_refs = {
        second["paths"]["/v1/usages"]["get"]["responses"][s]["content"]["application/json"]["schema"]["$ref"]
        for s in ERROR_STATUSES
    }
    assert error_refs == {"#/components/schemas/ErrorBody"}


def test_no_object_is_shared_within_the_document(document: Document) -> None:
    # Shared dicts would stay shared in a deep copy, so editing one spot of a copy would edit others.
    seen: dict[int, str] = {}
    for path, node in walk(document):
        if isinstance(node, dict | list):
            assert id(node) not in seen, f"{path} is the same object as {seen[id(node)]}"
            seen[id(node)] = path


def test_server_url_sets_servers() -> None:
    assert build_openapi("http://127.0.0.1:4010")["servers"] == [{"url": "http://127.0.0.1:4010"}]
    assert "servers" not in build_openapi()
