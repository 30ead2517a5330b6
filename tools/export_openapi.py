"""Build the published OpenAPI document offline: `make openapi` (python tools/export_openapi.py).

Writes schemas/openapi.json, the published contract, and its packaged copy functions/hub/data/openapi.json,
which GET /openapi.json serves as is. The two are byte-identical; tests/unit/test_openapi_published.py fails
when either is stale.

The functions behind the API are read from template.yaml. Each one's own Lambda resolver (`app` in its
handler module) gives its part of the document, and Powertools' OpenAPIMerge joins the parts. No resolver
includes another's router: `include_router` rebinds a router's request state to the including resolver,
which once made a Lambda app in the same process read a stale event.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
PUBLISHED = ROOT / "schemas" / "openapi.json"
PACKAGED = ROOT / "functions" / "hub" / "data" / "openapi.json"
RESOLVER = "app"

INFO = {
    "title": "Safeguarding Hub API",
    "summary": "FHIR R4 messaging between safeguarding partners, and the commissioners' audit view",
    "description": ("Every route but GET /metadata and the FHIR conformance resources sits behind the agency "
                    "authorizer: `Authorization: Bearer sgh_<key_id>_<secret>`, or the key in `x-api-key`."),
}
SECURITY_SCHEMES = {"agencyKey": {"type": "http", "scheme": "bearer", "description": "Agency API key issued by the hub"},
                    "agencyKeyHeader": {"type": "apiKey", "in": "header", "name": "x-api-key",
                                        "description": "The same key in the x-api-key header"}}
SECURITY = [{"agencyKey": []}, {"agencyKeyHeader": []}]  # either


class _TemplateLoader(yaml.SafeLoader):
    """Reads template.yaml for its structure only: CloudFormation tags (!Ref, !Sub...) become None."""


_TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def public_routes(template: Path = TEMPLATE) -> set[tuple[str, str]]:
    """(method, path) of the template's Api events without the authorizer (Auth: Authorizer: NONE)."""
    doc = yaml.load(template.read_text(encoding="utf-8"), Loader=_TemplateLoader)  # noqa: S506 - SafeLoader
    return {(p["Method"].lower(), p["Path"]) for res in (doc.get("Resources") or {}).values()
            for ev in ((res.get("Properties") or {}).get("Events") or {}).values()
            if (ev or {}).get("Type") == "Api" and ((p := ev.get("Properties") or {}).get("Auth") or {}).get("Authorizer") == "NONE"}


def api_handler_modules(template: Path = TEMPLATE) -> list[str]:
    """Handler modules of the functions that serve API routes, in template order."""
    doc = yaml.load(template.read_text(encoding="utf-8"), Loader=_TemplateLoader)  # noqa: S506 - SafeLoader
    modules: list[str] = []
    for res in (doc.get("Resources") or {}).values():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties") or {}
        if any((ev or {}).get("Type") == "Api" for ev in (props.get("Events") or {}).values()):
            module = props["Handler"].rpartition(".")[0]
            if module not in modules:
                modules.append(module)
    return modules


def openapi_document(modules: list[str] | None = None) -> dict:
    """The merged document, built from each API function's own resolver."""
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    from hub import __version__

    merge = OpenAPIMerge(version=__version__, security_schemes=SECURITY_SCHEMES, security=SECURITY,
                         on_conflict="error", **INFO)
    for name in modules or api_handler_modules():
        merge.add_schema(getattr(importlib.import_module(name), RESOLVER).get_openapi_schema())
    doc = json.loads(merge.get_openapi_json_schema())
    # Powertools routes are regexes, so the `$` of `$process-message` is escaped in the route.
    doc["paths"] = {p.replace("\\$", "$"): v for p, v in doc["paths"].items()}
    # the template decides which routes need no key; the document says so per operation
    for method, path in public_routes():
        op = doc["paths"].get(path, {}).get(method)
        if op is not None:
            op["security"] = []
    return doc


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def published_document() -> dict:
    """The committed document (what GET /openapi.json serves)."""
    return json.loads(PUBLISHED.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdout", action="store_true", help="print the document instead of writing the files")
    mode.add_argument("--check", action="store_true", help="exit 1 when a committed copy is stale")
    args = parser.parse_args(argv)
    text = render(openapi_document())
    if args.stdout:
        sys.stdout.write(text)
        return 0
    targets = (PUBLISHED, PACKAGED)
    if args.check:
        stale = [str(p.relative_to(ROOT)) for p in targets if not p.exists() or p.read_text(encoding="utf-8") != text]
        if stale:
            print(f"stale: {', '.join(stale)} (run: make openapi)", file=sys.stderr)
        return 1 if stale else 0
    for p in targets:
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
