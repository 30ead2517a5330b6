"""The Lambda artefact, built the way template.yaml says and checked for what it holds.

Every function's BuildMethod is makefile: `sam build` copies its CodeUri to a scratch directory and runs
`make build-<LogicalId>` there with ARTIFACTS_DIR set. This test does the same, without Docker or network:
DEPS=0 leaves out the pip step, whose command is checked on its own against the template's runtime.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from hub.local.template import DEFAULT_TEMPLATE, REPO_ROOT, load_template

# The package's development-only parts, which the artefact must leave out (and nothing else).
DEV_ONLY = ("hub/cli", "hub/local")
# Never in a Lambda artefact, whatever the package grows.
FORBIDDEN_PARTS = {"cli", "local", "tests", "bench", "tools", "__pycache__"}
# Provided by the Lambda Python runtime, so not in requirements.txt.
RUNTIME_PROVIDED = ("boto3",)


def _functions() -> dict[str, dict]:
    tpl = load_template(DEFAULT_TEMPLATE)
    glob = (tpl.get("Globals") or {}).get("Function") or {}
    return {lid: {"metadata": res.get("Metadata") or {}, **glob, **(res.get("Properties") or {})}
            for lid, res in tpl["Resources"].items() if res["Type"] == "AWS::Serverless::Function"}


FUNCTIONS = _functions()


def _make(code_dir: Path, target: str, artefact: Path, *args: str, deps: str = "0") -> subprocess.CompletedProcess:
    env = {**os.environ, "ARTIFACTS_DIR": str(artefact), "DEPS": deps, "PYTHON": sys.executable}
    return subprocess.run(["make", "--no-print-directory", target, *args], cwd=code_dir, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> dict[str, Path]:
    """LogicalId -> its built artefact directory."""
    built: dict[str, Path] = {}
    scratch: dict[str, Path] = {}
    for lid, fn in FUNCTIONS.items():
        code_uri = fn["CodeUri"]
        if code_uri not in scratch:
            scratch[code_uri] = tmp_path_factory.mktemp("scratch") / "src"
            shutil.copytree(REPO_ROOT / code_uri, scratch[code_uri], ignore=shutil.ignore_patterns(".aws-sam", ".git"))
        out = tmp_path_factory.mktemp("build") / lid
        proc = _make(scratch[code_uri], f"build-{lid}", out)
        assert proc.returncode == 0, f"make build-{lid} failed:\n{proc.stdout}\n{proc.stderr}"
        built[lid] = out
    return built


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_every_function_is_built_by_the_makefile_in_its_code_uri():
    assert FUNCTIONS
    for lid, fn in FUNCTIONS.items():
        assert fn["metadata"].get("BuildMethod") == "makefile", lid
        assert (REPO_ROOT / fn["CodeUri"] / "Makefile").is_file(), lid


def test_artefact_holds_each_function_handler(artefacts):
    for lid, fn in FUNCTIONS.items():
        module, _, attr = fn["Handler"].rpartition(".")
        path = artefacts[lid] / (module.replace(".", "/") + ".py")
        assert path.is_file(), f"{lid}: {path.name} missing"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert attr in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}, f"{lid}: no {attr}"


def test_artefact_holds_only_the_hub_package(artefacts):
    for lid, root in artefacts.items():
        assert {p.name for p in root.iterdir()} == {"hub"}, lid  # no Makefile, requirements.txt, egg-info
        for rel in _files(root):
            parts = rel.split("/")
            assert not FORBIDDEN_PARTS & set(parts[:-1]), f"{lid}: {rel}"
            assert not rel.endswith((".pyc", ".egg-info")) and "egg-info" not in rel, f"{lid}: {rel}"
            assert parts[-1] not in ("testing.py", "codegen_models.py", "_codegen.py"), f"{lid}: {rel}"


def test_artefact_is_the_package_without_its_development_parts(artefacts):
    source = {rel for rel in _files(REPO_ROOT / "functions" / "hub") if "__pycache__" not in rel}
    expected = {f"hub/{rel}" for rel in source if not f"hub/{rel}".startswith(DEV_ONLY)}
    assert {"hub/data/openapi.json", "hub/data/routing-policy.yaml"} <= expected
    for lid, root in artefacts.items():
        assert _files(root) == expected, lid


def _imports(path: Path) -> set[str]:
    """Absolute module names a module can import when it runs (function bodies included, TYPE_CHECKING not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)}
    package = path.parent
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.parent
                prefix = ".".join(base.parts[base.parts.index("hub"):])
                mod = f"{prefix}.{node.module}" if node.module else prefix
            else:
                mod = node.module
            names.add(mod)
            names.update(f"{mod}.{a.name}" for a in node.names)  # `from pkg import module`
    return names


def _provided_distributions() -> set[str]:
    """requirements.txt, what the Lambda runtime provides, and everything those depend on (as installed here)."""
    todo = [Requirement(line.split("#")[0].strip()) for line in
            (REPO_ROOT / "functions" / "requirements.txt").read_text().splitlines() if line.split("#")[0].strip()]
    todo += [Requirement(name) for name in RUNTIME_PROVIDED]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            deps = requires(req.name) or []
        except PackageNotFoundError:
            continue
        for dep in map(Requirement, deps):
            # markers are evaluated for this machine (Linux, the same Python as Lambda) and the requested extras
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in (req.extras or {""})):
                todo.append(dep)
    return seen


def test_artefact_imports_resolve_to_its_modules_or_its_dependencies(artefacts):
    root = next(iter(artefacts.values()))
    modules = {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
               for p in root.rglob("*.py")}
    dists = packages_distributions()
    provided = _provided_distributions()
    missing: set[str] = set()
    for path in root.rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "hub":
                # `from pkg import attr` adds pkg.attr, which is a module only sometimes
                if name not in modules and name.rpartition(".")[0] not in modules:
                    missing.add(f"{path.relative_to(root)}: {name}")
            elif top not in sys.stdlib_module_names and top != "__future__":
                if not {canonicalize_name(d) for d in dists.get(top, [top])} & provided:
                    missing.add(f"{path.relative_to(root)}: {top}")
    assert not missing, sorted(missing)


def test_pip_step_installs_the_requirements_for_the_template_runtime(tmp_path):
    for lid, fn in FUNCTIONS.items():
        proc = _make(REPO_ROOT / fn["CodeUri"], f"build-{lid}", tmp_path / "artefact", "--dry-run", deps="1")
        assert proc.returncode == 0, proc.stderr
        pip = next(line for line in proc.stdout.splitlines() if " -m pip install " in line)
        words = pip.replace('"', "").split()
        version = re.fullmatch(r"python(\d+\.\d+)", fn["Runtime"]).group(1)
        platform = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}[fn["Architectures"][0]]
        assert words[words.index("--python-version") + 1] == version, lid
        assert words[words.index("--platform") + 1] == platform, lid
        assert words[words.index("--target") + 1] == str(tmp_path / "artefact"), lid
        assert words[words.index("-r") + 1] == "requirements.txt" and "--only-binary=:all:" in words, lid


def test_requirements_pin_the_versions_of_constraints():
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, ver = line.partition("==")
            pins[canonicalize_name(name.strip())] = ver.strip()
    for line in (REPO_ROOT / "functions" / "requirements.txt").read_text().splitlines():
        text = line.split("#")[0].strip()
        if text:
            req = Requirement(text)
            assert str(req.specifier) == f"=={pins[canonicalize_name(req.name)]}", text
