"""schemathesis against the served `/openapi.json`, in process (ASGI): every check, positive and negative data, fixed
seeds, with and without credentials; at least 1,000 cases and no failure. The operation fuzzed is `GET /v1/usages`;
the read endpoints the document also describes are checked by tests/contract/test_openapi_read.py.

The document says what the server does, the lenient parameters included (`type`, `activityOffset`,
`dropZeroPoints` take any text), so nothing is forgiven but the rules between parameters that OpenAPI has no words
for, each only where the response says it is that rule:

- a schema-valid query refused with 400 because of how `startDate` and `endDate` go together (both or neither,
  start before end, at most 120 days, the instant inside 1970..9999 once its offset is applied);
- a `timeRange` outside its enum accepted with 200 when both dates are given (it is ignored then);
- "negative" values that are not negative on the wire, accepted with 200: the lenient parameters (`type`,
  `activityOffset`, `dropZeroPoints`) take any text by design, and what schemathesis makes of them (a boolean, a
  number, an array: repeated names) is text again in a query string (`type=true`; a repeated scalar counts by its
  last value, README "The endpoint"); a mutated parameter that the query string does not carry at all, or carries
  empty (empty is absent, `allowEmptyValue`), was never sent.

The world accepts only its declared keys, so schemathesis' `ignored_auth` check can prove that credentials matter
(by default the mock accepts any well-formed credentials, a documented choice: see the security schemes).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.auths import AuthContext, set_on_case
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.python.asgi import get_client

from mockserver.api.app import build_app
from mockserver.contract.query import parse_date
from mockserver.settings import Settings, shipped_scenarios_dir
from tests.conftest import NOW

# Declared in the shipped default scenario; schemathesis applies it as `--auth` would (not to the cases that break
# the `Authorization` header on purpose), so its `ignored_auth` check probes without it and with wrong ones.
KEY = {"username": "api_ciRenderBot00000000001", "password": "ci-render-secret"}
DATES = ("startDate", "endDate")
LENIENT = frozenset({"type", "activityOffset", "dropZeroPoints"})
PAIR_RULES = (
    "startDate and endDate must be given together",
    "startDate must be before endDate",
    "the range between startDate and endDate must not exceed 120 days",
    "startDate and endDate must lie between 1970-01-01 and 9999-12-31",
)
MIN_CASES = 1_000
# About 20 s of CPU for the 1,100 cases (most of it generating them and validating 200 bodies): a long run.
pytestmark = pytest.mark.slow
FUZZ = settings(
    max_examples=450,
    derandomize=True,  # the fixed seed: the same cases on every run
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
COUNTS: Counter[tuple[str, int]] = Counter()  # (kind of case, status) -> cases


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    directory = tmp_path_factory.mktemp("strict-scenarios")
    shutil.copy(shipped_scenarios_dir() / "default.yaml", directory / "default.yaml")
    with (directory / "default.yaml").open("a", encoding="utf-8") as file:
        file.write("settings:\n  acceptOnlyDeclaredKeys: true\n")
    app = build_app(Settings(scenarios_dir=directory, now=NOW, log_requests=False))
    # An explicit configuration: a `schemathesis.toml` lying around must not change what this test checks.
    config = SchemathesisConfig.from_dict({"auth": {"basic": KEY}})
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


@pytest.fixture(scope="module")
def operation(schema: schemathesis.BaseSchema) -> schemathesis.APIOperation:
    return schema["/v1/usages"]["GET"]


@pytest.fixture(scope="module")
def session(schema: schemathesis.BaseSchema) -> Iterator[requests.Session]:
    with get_client(schema.app) as client:
        yield client


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    shown = ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(COUNTS.items()))
    print(f"\nschemathesis {schemathesis.__version__}: {_cases()} cases ({shown})")


def _cases() -> int:
    return sum(n for (kind, _), n in COUNTS.items() if not kind.startswith("forgiven"))


def _valid_dates(query: dict[str, object]) -> bool:
    texts = [query.get(name) for name in DATES]
    if not all(isinstance(text, str) and text for text in texts):
        return False
    try:
        return parse_date(str(texts[0]), is_end=False) < parse_date(str(texts[1]), is_end=True)
    except ValueError:
        return False


def _mutated(case: schemathesis.Case) -> set[str | None]:
    data = case.meta.phase.data if case.meta is not None else None
    names = {m.parameter for m in getattr(data, "mutations", ())}
    return names or {getattr(data, "parameter", None)}


def _forgiven(failure: Exception, case: schemathesis.Case, response: requests.Response) -> bool:
    query = dict(case.query or {})
    if isinstance(failure, RejectedPositiveData) and response.status_code == 400:
        forgiven = response.json()["reason"] in PAIR_RULES
    elif isinstance(failure, AcceptedNegativeData) and response.status_code == 200:
        mutated = _mutated(case)
        sent = parse_qs(urlsplit(response.request.url or "").query, keep_blank_values=True)
        unsent = {name for name in mutated if name is not None and not any(sent.get(name, []))}
        forgiven = (mutated == {"timeRange"} and _valid_dates(query)) or (
            None not in mutated and mutated <= LENIENT | unsent
        )
    else:
        forgiven = False
    if forgiven:
        COUNTS[f"forgiven {failure.code}", response.status_code] += 1
    return forgiven


def check(case: schemathesis.Case, session: requests.Session, kind: str) -> int:
    """Send the case, run every check on its response, fail on what the document does not explain."""
    response = case.call(session=session)
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    try:
        case.validate_response(response, transport_kwargs={"session": session})
    except FailureGroup as group:
        left = [failure for failure in group.exceptions if not _forgiven(failure, case, response)]
        if left:
            raise FailureGroup(left, str(group)) from None
    COUNTS[kind, response.status_code] += 1
    return response.status_code


def test_coverage_phase_cases_pass_every_check(operation: schemathesis.APIOperation, session: requests.Session) -> None:
    schema = operation.schema
    cases = list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation),
        )
    )
    for case in cases:  # generated cases get their credentials while generated; these are built directly
        set_on_case(case, AuthContext(operation=operation, app=operation.app), None)
    statuses = {check(case, session, "coverage") for case in cases}
    assert len(cases) >= 50
    assert {200, 400, 405} <= statuses


def test_positive_cases_pass_every_check(operation: schemathesis.APIOperation, session: requests.Session) -> None:
    @FUZZ
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def run(case: schemathesis.Case) -> None:
        check(case, session, "positive")

    run()
    assert COUNTS["positive", 200] >= FUZZ.max_examples // 3, "most cases reach the handler and are answered"


def test_negative_cases_pass_every_check(operation: schemathesis.APIOperation, session: requests.Session) -> None:
    @FUZZ
    @given(case=operation.as_strategy(GenerationMode.NEGATIVE))
    def run(case: schemathesis.Case) -> None:
        check(case, session, "negative")

    run()
    assert COUNTS["negative", 400] >= 10, "strict parameters refuse what the schema forbids"


def test_without_credentials_every_case_is_a_documented_401(
    operation: schemathesis.APIOperation, session: requests.Session
) -> None:
    @settings(FUZZ, max_examples=100)
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def run(case: schemathesis.Case) -> None:
        case.headers = {name: value for name, value in (case.headers or {}).items() if name.lower() != "authorization"}
        assert check(case, session, "no-credentials") == 401

    run()


def test_at_least_a_thousand_cases_ran() -> None:
    if not {"coverage", "positive", "negative", "no-credentials"} <= {kind for kind, _ in COUNTS}:
        pytest.skip("counts the cases of the whole module")
    assert _cases() >= MIN_CASES, COUNTS
