"""What a journal entry keeps of a request: credentials masked, long values cut, headers and parameters past a
budget dropped."""

from __future__ import annotations

from urllib.parse import parse_qsl

# An entry is cut to about ENTRY_BYTES: header values past MAX_HEADER_VALUE, query values past MAX_QUERY_VALUE,
# names past MAX_NAME and the path past MAX_PATH end with `TRUNCATION_MARK`; headers past HEADERS_BYTES and
# query parameters past QUERY_BYTES are dropped (a last item says how many). The entry then says `truncated: true`.
ENTRY_BYTES = 8 * 1024
MAX_HEADER_VALUE = 2048
MAX_QUERY_VALUE = 512
MAX_NAME = 128
MAX_PATH = 1024
HEADERS_BYTES = 4096
QUERY_BYTES = 2048
TRUNCATION_MARK = "…[truncated {} bytes]"
DROPPED_HEADER = "x-mock-journal-dropped"  # the marker header of the headers an entry did not keep

# Names whose values are credentials. A name is normalised (lowercase, without `-`, `_` and `.`); it is secret if
# it contains one of SECRET_PARTS or ends with one of SECRET_ENDINGS, unless it is one of the API's documented
# query parameters (PUBLIC_NAMES: `authorId`, `paginationToken`, ... name no credential).
SECRET_PARTS = (
    "auth", "secret", "token", "passw", "pwd", "credential", "cookie", "session", "signature", "apikey",
    "accesskey", "privatekey", "jwt", "hmac",
)  # fmt: skip
SECRET_ENDINGS = ("key", "sig")
PUBLIC_NAMES = frozenset({
    "activityOffset", "assetId", "authorId", "blacklisted", "collectionId", "collectionIds", "createdAfter",
    "createdBefore", "deleted", "dropZeroPoints", "endDate", "hideResults", "inferenceId", "jobId", "loadedOnly",
    "modelId", "originalAssets", "pageSize", "paginationToken", "parentAssetId", "privacy", "projectId",
    "projectIds", "rootAssetId", "sortBy", "sortDirection", "startDate", "status", "tags", "teamId", "timeRange",
    "type", "types", "updatedAfter", "updatedBefore", "userId", "userIds", "withEmbedding",
    "withQualityGateDetails", "workflowId",
})  # fmt: skip
_NORMALISE = str.maketrans("", "", "-_.")


def is_secret_name(name: str) -> bool:
    """True if a header or query parameter of this name carries a credential (the rule above SECRET_PARTS)."""
    if name in PUBLIC_NAMES:
        return False
    folded = name.lower().translate(_NORMALISE)
    return folded.endswith(SECRET_ENDINGS) or any(part in folded for part in SECRET_PARTS)


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and a mark saying how many were cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_MARK.format(len(text) - limit)


def mask_header(name: str, value: str) -> str:
    """The journal's view of a header value: credentials replaced by `***`, keeping only an auth scheme."""
    if is_secret_name(name):
        if name.endswith("authorization"):
            scheme, _, rest = value.strip().partition(" ")
            return f"{cut(scheme, 32)} ***" if rest else "***"
        return "***"
    return cut(value, MAX_HEADER_VALUE)


def mask_query(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if not any(is_secret_name(k) for k, _ in items):
        return items
    return [(k, "***" if is_secret_name(k) else v) for k, v in items]


def parse_query(raw: bytes) -> list[tuple[str, str]]:
    """The query's (name, value) pairs, in order, blank values kept (as Starlette parses them)."""
    text = raw.decode("latin-1")
    if not text:
        return []
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    return [(name, value) for name, _, value in (part.partition("=") for part in text.split("&") if part)]


def decoded(raw: bytes, limit: int) -> str:
    """Decode at most `limit` bytes (a 10 MB header is never decoded whole), marking what was cut."""
    if len(raw) <= limit:
        return raw.decode("latin-1")
    return raw[:limit].decode("latin-1") + TRUNCATION_MARK.format(len(raw) - limit)


def cut_query(query: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """A long query's parameters cut (names and values) and, past QUERY_BYTES, dropped; and how many were cut."""
    kept: list[tuple[str, str]] = []
    used = cuts = 0
    for i, (name, value) in enumerate(query):
        if used > QUERY_BYTES:
            rest = query[i:]
            size = sum(len(k) + len(v) + 2 for k, v in rest)
            kept.append(("…", f"[{len(rest)} more parameters, {size} bytes, not kept]"))
            return kept, cuts + 1
        short_name, short_value = cut(name, MAX_NAME), cut(value, MAX_QUERY_VALUE)
        cuts += short_name is not name or short_value is not value
        used += len(short_name) + len(short_value)
        kept.append((short_name, short_value))
    return kept, cuts
