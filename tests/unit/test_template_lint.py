"""template.yaml is cfn-lint clean (errors and warnings)."""
from __future__ import annotations

from hub.local.template import DEFAULT_TEMPLATE


def test_template_cfn_lint_clean():
    from cfnlint.api import lint

    # the CLI defaults: errors and warnings, in the deployment region
    matches = lint(DEFAULT_TEMPLATE.read_text(), regions=["eu-west-2"])
    assert [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches] == []


def test_template_cfn_lint_catches_a_broken_template():
    # the lint test can fail: a bad property is reported
    from cfnlint.api import lint

    text = DEFAULT_TEMPLATE.read_text().replace("VisibilityTimeout: 180", "VisibilityTimeout: 99999", 1)
    assert any(m.rule.id.startswith("E") for m in lint(text, regions=["eu-west-2"]))
