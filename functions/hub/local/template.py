"""Load template.yaml and translate it with aws-sam-translator, offline.

The SAM template is the single source of truth: deploy.py, runtime.py and the
tests read resources, names and wiring from here.
"""
from __future__ import annotations

import copy
import logging
import os
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_REGION = "eu-west-2"
DEFAULT_ACCOUNT = "123456789012"
PLACEHOLDER_CODE_BUCKET = "hub-local-code"

_MULTI_ARG = {"GetAZs", "ImportValue"}


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands the CloudFormation short-form tags (!Ref, !Sub, ...)."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            # !GetAtt Res.Attr -> ["Res", "Attr"] (split once: Attr may contain dots)
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: str | os.PathLike | None = None) -> dict:
    """Parse a CloudFormation/SAM YAML (or JSON) template into plain dicts."""
    p = Path(path) if path else DEFAULT_TEMPLATE
    with open(p, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


class _OfflinePolicyLoader:
    """Managed-policy name -> ARN map without calling IAM (SAM only needs it for bare names)."""

    def load(self) -> dict[str, str]:
        return {}


def parameter_defaults(template: dict, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parameter values: template defaults overlaid with overrides (CommaDelimitedList kept as str)."""
    values: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if "Default" in spec:
            values[name] = spec["Default"]
    values.update(overrides or {})
    return values


def _rewrite_code_uris(template: dict) -> None:
    """Like `sam package`: the translator needs s3:// CodeUris."""
    glob = (template.get("Globals") or {}).get("Function") or {}
    if isinstance(glob.get("CodeUri"), str) and not glob["CodeUri"].startswith("s3://"):
        glob["CodeUri"] = f"s3://{PLACEHOLDER_CODE_BUCKET}/{glob['CodeUri'].strip('/') or 'code'}.zip"
    for res in (template.get("Resources") or {}).values():
        if res.get("Type") in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
            props = res.setdefault("Properties", {})
            for key in ("CodeUri", "ContentUri"):
                v = props.get(key)
                if isinstance(v, str) and not v.startswith("s3://"):
                    props[key] = f"s3://{PLACEHOLDER_CODE_BUCKET}/{v.strip('/') or 'code'}.zip"


def translate(
    template: dict,
    *,
    parameters: dict[str, Any] | None = None,
    region: str | None = None,
) -> dict:
    """SAM -> plain CloudFormation, offline. Returns a new dict; the input is not modified.

    Same steps as `samtranslator.translator.transform.transform`, with an explicit
    boto3 session so no region needs to be in the environment.
    """
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template

    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    tpl = copy.deepcopy(template)
    if "AWS::Serverless" not in str(tpl.get("Transform", "")):
        return tpl
    _rewrite_code_uris(tpl)
    ArnGenerator.BOTO_SESSION_REGION_NAME = region
    logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)  # "unpublished metrics" noise
    params = parameter_defaults(tpl, parameters)
    params.setdefault("AWS::Region", region)
    params.setdefault("AWS::Partition", "aws")
    session = boto3.session.Session(region_name=region, aws_access_key_id="offline", aws_secret_access_key="offline")
    to_py27_compatible_template(tpl, params)
    loader = _OfflinePolicyLoader()
    out = Translator(None, Parser(), boto_session=session).translate(
        tpl, parameter_values=params, get_managed_policy_map=loader.load
    )
    return undo_mark_unicode_str_in_template(out)


def translate_file(path: str | os.PathLike | None = None, **kwargs: Any) -> dict:
    return translate(load_template(path), **kwargs)


def resources_of_type(template: dict, *types: str) -> dict[str, dict]:
    return {lid: r for lid, r in (template.get("Resources") or {}).items() if r.get("Type") in types}


def serverless_functions(template: dict) -> dict[str, dict]:
    """The SAM functions with Globals.Function merged into their Properties (shallow, env merged)."""
    glob = copy.deepcopy((template.get("Globals") or {}).get("Function") or {})
    out: dict[str, dict] = {}
    for lid, res in resources_of_type(template, "AWS::Serverless::Function").items():
        props = copy.deepcopy(glob)
        own = copy.deepcopy(res.get("Properties") or {})
        env = dict(((props.get("Environment") or {}).get("Variables")) or {})
        env.update(((own.get("Environment") or {}).get("Variables")) or {})
        props.update(own)
        props["Environment"] = {"Variables": env}
        out[lid] = props
    return out
