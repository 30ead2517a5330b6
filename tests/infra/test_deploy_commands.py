"""The deployment entry points refer to template.yaml and pass only parameters the template declares."""
from __future__ import annotations

import shlex
import subprocess
import tomllib

from hub.local.template import DEFAULT_TEMPLATE, REPO_ROOT, load_template

PARAMS = set(load_template(DEFAULT_TEMPLATE)["Parameters"])


def _overrides(words: list[str]) -> dict[str, str]:
    return dict(w.split("=", 1) for w in words)


def test_docker_localstack_dry_run_builds_and_deploys_template_with_parameters():
    out = subprocess.run(["bash", str(REPO_ROOT / "infra/docker-localstack.sh"), "--dry-run", "--stage", "prod",
                          "--stack-name", "hub-x"], capture_output=True, text=True, check=True, timeout=30).stdout
    lines = [shlex.split(line) for line in out.splitlines() if line.strip()]
    cmds = [" ".join(words[:2]) for words in lines]
    assert any("localstack start" in " ".join(w) for w in lines)
    build = next(w for w in lines if w[:2] == ["samlocal", "build"])
    assert build[build.index("--template-file") + 1] == "template.yaml"
    deploy = next(w for w in lines if w[:2] == ["samlocal", "deploy"])
    assert deploy[deploy.index("--stack-name") + 1] == "hub-x"
    assert deploy[deploy.index("--template-file") + 1] == ".aws-sam/build/template.yaml"  # built from template.yaml
    i = deploy.index("--parameter-overrides")
    params = _overrides([w for w in deploy[i + 1:] if "=" in w])
    assert params["Stage"] == "prod"
    assert set(params) <= PARAMS
    assert cmds.index("samlocal build") < cmds.index("samlocal deploy")


def test_samconfig_targets_template_with_declared_parameters():
    cfg = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())
    for env in ("default", "prod"):
        assert cfg[env]["global"]["parameters"]["template_file"] == "template.yaml"
        params = _overrides(shlex.split(cfg[env]["deploy"]["parameters"]["parameter_overrides"]))
        assert set(params) <= PARAMS, set(params) - PARAMS
        assert params["Stage"] == ("prod" if env == "prod" else "dev")
        allowed = load_template(DEFAULT_TEMPLATE)["Parameters"]["LogRetentionDays"]["AllowedValues"]
        assert int(params["LogRetentionDays"]) in allowed
