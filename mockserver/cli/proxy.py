"""`mockserver proxy` (forward to a real upstream, recording), `proxy report` (what captures say about the mock)
and `mockserver import` (a scenario whose world gives captured answers back)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from mockserver import __version__
from mockserver.cli.arguments import DEFAULT_IMPORT_NAME, UsageError, plural
from mockserver.cli.listen import allowed_hosts, browsable, check_address


def import_scenario(args: argparse.Namespace) -> int:
    """Run `mockserver import`: write a scenario that gives the captured answers back."""
    from mockserver.proxy.importer import import_captures, write_scenario

    missing = [str(p) for p in args.captures if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    name = args.name or DEFAULT_IMPORT_NAME
    target = None if args.output == "-" else Path(args.output or f"{name}.yaml")
    if target is not None and target.exists() and not args.force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    imported = import_captures(args.captures, name)
    if target is None:
        sys.stdout.write(imported.text)
    else:
        try:
            write_scenario(imported, target)
        except OSError as exc:  # the output cannot be written: one line, exit 1, as a library error is
            if args.debug:
                raise
            blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
            if target.is_dir():
                reason = "it is a directory"
            elif blocking is not None:
                reason = f"{blocking} is not a directory"
            else:
                reason = (exc.strerror or str(exc)).lower()
            print(f"mockserver: cannot write {target}: {reason}", file=sys.stderr)
            return 1
    events = imported.document["recorded"]["events"]
    where = "stdout" if target is None else str(target)
    print(
        f"wrote {where}: scenario {imported.name!r}, clock frozen at {imported.document['clock']['now']}, "
        f"{plural(len(events), 'event')}; {imported.equal} of {plural(imported.compared, 'captured answer')} "
        "served back JSON-equal",
        file=sys.stderr,
    )
    for note in imported.notes:
        print(f"  not reproduced: {note}", file=sys.stderr)
    return 0


def proxy(args: argparse.Namespace) -> int:
    """Run `mockserver proxy`: forward to the upstream until interrupted."""
    import uvicorn

    from mockserver.proxy.forward import ProxySettings, build_proxy_app, proxy_server_options

    if args.upstream is None:
        raise UsageError("--upstream URL is required (the API's base URL, e.g. https://api.cloud.scenario.com/v1)")
    allow_hosts = allowed_hosts(args)
    check_address(args.host, args.port)
    if args.record is not None:
        from mockserver.proxy.capture import prepare_directory

        try:
            prepare_directory(args.record)
        except ValueError as exc:
            raise UsageError(f"--record: {exc}") from None
    settings = ProxySettings(
        upstream=args.upstream,
        timeout=args.timeout,
        connect_timeout=min(5.0, args.timeout),
        record=args.record,
        log_requests=not args.quiet,
        verify_tls=not args.insecure,
        allow_hosts=allow_hosts,
    )
    app = build_proxy_app(settings)
    base = browsable(args.host, args.port)
    print(f"mockserver {__version__} proxy listening on {base}/v1 -> {settings.upstream}", file=sys.stderr)
    if settings.record is not None:
        print(f"  recording each exchange into {settings.record}/", file=sys.stderr)
    if args.insecure:
        print("  not verifying the upstream's TLS certificate (--insecure)", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, **proxy_server_options())
    return 0


def report(args: argparse.Namespace) -> int:
    """Run `mockserver proxy report`: print what the captures say, as Markdown or JSON."""
    files: list[Path] = []
    for target in args.paths:
        if target.is_dir():
            found = sorted(target.glob("*.json"))
            if not found:
                raise UsageError(f"no capture (*.json) in {target}")
            files.extend(found)
        elif target.is_file():
            files.append(target)
        else:
            raise UsageError(f"no such file or directory: {target}")
    from mockserver.proxy.report import report_from_captures  # type: ignore[import-not-found,unused-ignore]

    report = report_from_captures(files)
    if args.json:
        sys.stdout.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(report.to_markdown().rstrip("\n") + "\n")
    return 0
