"""Build the hub's FHIR package: `make fhir-package` (python tools/build_fhir_package.py).

Writes each conformance resource (tools/fhir_conformance.py) to functions/hub/data/fhir/<Type>-<id>.json,
which GET /metadata and GET /<Type>/<id> serve, and the FHIR package schemas/fhir/package.tgz: an NPM-style
archive with package/package.json, package/.index.json and the resources. The archive is reproducible
(fixed times and owners, sorted members), so an unchanged build leaves it byte-identical; `--check` exits 1
when a committed file is stale (tests/unit/test_fhir_package.py).
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # fhir_conformance, next to this script

from fhir_conformance import FHIR_VERSION, PUBLISHER, resources  # noqa: E402

from hub import __version__  # noqa: E402
from hub.core.messages import HUB  # noqa: E402
from hub.local.template import load_template  # noqa: E402

TEMPLATE = ROOT / "template.yaml"
DATA = ROOT / "functions" / "hub" / "data" / "fhir"
PACKAGE = ROOT / "schemas" / "fhir" / "package.tgz"
PACKAGE_NAME = "example.safeguarding-hub"


def api_routes(template: Path = TEMPLATE) -> list[dict]:
    """{"method", "path", "public"} for every Api event of the template's functions, in template order."""
    routes = []
    for res in (load_template(template).get("Resources") or {}).values():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        for ev in ((res.get("Properties") or {}).get("Events") or {}).values():
            if (ev or {}).get("Type") != "Api":
                continue
            props = ev.get("Properties") or {}
            routes.append({"method": props["Method"].upper(), "path": props["Path"],
                           "public": ((props.get("Auth") or {}).get("Authorizer")) == "NONE"})
    return routes


def file_name(resource: dict) -> str:
    return f"{resource['resourceType']}-{resource['id']}.json"


def render(resource: dict) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def package_json() -> dict:
    return {"name": PACKAGE_NAME, "version": __version__, "canonical": HUB, "fhirVersions": [FHIR_VERSION],
            "type": "Conformance", "title": "Safeguarding Hub conformance resources",
            "description": "The hub's CapabilityStatement, MessageDefinitions, CodeSystems, ValueSets and extensions.",
            "author": PUBLISHER, "license": "MIT", "dependencies": {"hl7.fhir.r4.core": FHIR_VERSION}}


def index_json(found: list[dict]) -> dict:
    return {"index-version": 1, "files": [
        {"filename": file_name(r), "resourceType": r["resourceType"], "id": r["id"], "url": r["url"],
         "version": r.get("version")} for r in found]}


def members(found: list[dict]) -> dict[str, bytes]:
    """Archive path -> content."""
    out = {"package/package.json": render(package_json()).encode(),
           "package/.index.json": render(index_json(found)).encode()}
    out.update({f"package/{file_name(r)}": render(r).encode() for r in found})
    return out


def archive(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uid, info.gid = len(files[name]), 0, 0o644, 0, 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(files[name]))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def read_package(path: Path = PACKAGE) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def build() -> tuple[dict[str, str], dict[str, bytes]]:
    """(data file name -> text, package member -> bytes)."""
    found = resources(api_routes())
    return {file_name(r): render(r) for r in found}, members(found)


def stale() -> list[str]:
    data, files = build()
    out = [str((DATA / n).relative_to(ROOT)) for n, text in data.items()
           if not (DATA / n).exists() or (DATA / n).read_text(encoding="utf-8") != text]
    out += [str(p.relative_to(ROOT)) for p in DATA.glob("*.json") if p.name not in data]
    if not PACKAGE.exists() or read_package() != files:
        out.append(str(PACKAGE.relative_to(ROOT)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed file is stale")
    args = parser.parse_args(argv)
    if args.check:
        found = stale()
        if found:
            print(f"stale: {', '.join(found)} (run: make fhir-package)", file=sys.stderr)
        return 1 if found else 0
    data, files = build()
    DATA.mkdir(parents=True, exist_ok=True)
    for old in DATA.glob("*.json"):
        if old.name not in data:
            old.unlink()
    for name, text in data.items():
        (DATA / name).write_text(text, encoding="utf-8")
    PACKAGE.parent.mkdir(parents=True, exist_ok=True)
    PACKAGE.write_bytes(archive(files))
    print(f"wrote {len(data)} resources to {DATA.relative_to(ROOT)} and {PACKAGE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
