# mockserver: a deterministic mock of the Scenario.com usage API (GET /v1/usages), as an image.
#
#   docker build -t mockserver .
#   docker run --rm -p 4010:4010 mockserver                           # the shipped scenarios
#   docker run --rm -p 4010:4010 -v "$PWD/my-scenarios:/scenarios:ro" \
#       -e MOCK_SCENARIOS=/scenarios mockserver  # your own scenario files
#   docker run --rm -p 4010:4010 mockserver serve --now 2026-11-30T12:00:00Z --lenient   # flags work too
#
# Every `serve` flag has an environment variable: MOCK_HOST, MOCK_PORT, MOCK_SCENARIOS, MOCK_SCENARIO, MOCK_NOW,
# MOCK_LENIENT=1, MOCK_RELOAD=1, MOCK_ALLOW_HOSTS, MOCK_HEADER_TIMEOUT, ... (README: Command line). The shipped scenarios are inside the installed package; /scenarios is only read
# when you point MOCK_SCENARIOS (or --scenarios) at it, so an empty or unmounted volume changes nothing.
# The admin API and the dashboard answer only Host names that are localhost or an IP (127.0.0.1:4010 through a
# published port works); reached by another name, e.g. a compose service, allow it: -e MOCK_ALLOW_HOSTS=scenario-mock.

# --- build: the wheel, from the sources alone ----------------------------------------------------------------
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md scenario.schema.json ./
COPY mockserver ./mockserver
COPY scenarios ./scenarios
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# --- runtime: the wheel and its dependencies, no build tools, no sources --------------------------------------
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
COPY --from=build /dist /tmp/dist
RUN python -m pip install --no-cache-dir /tmp/dist/*.whl \
 && rm -rf /tmp/dist \
 && groupadd --gid 10001 mockserver \
 && useradd --no-log-init --uid 10001 --gid mockserver --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin mockserver \
 && mkdir -p /scenarios

# Listen on every interface of the container (a container's 127.0.0.1 is unreachable from outside); the
# environment rather than the CMD carries it, so a command of your own (`serve --now ...`) keeps it.
ENV MOCK_HOST=0.0.0.0 \
    MOCK_PORT=4010
VOLUME ["/scenarios"]
WORKDIR /scenarios
USER 10001:10001
EXPOSE 4010
# No curl in slim images: the standard library asks the admin endpoint (no credentials needed).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MOCK_PORT', '4010') + '/__admin/health', timeout=2)"]
# Exec form: mockserver (uvicorn) is PID 1 and gets SIGTERM itself, so `docker stop` shuts it down cleanly.
ENTRYPOINT ["mockserver"]
CMD ["serve"]
