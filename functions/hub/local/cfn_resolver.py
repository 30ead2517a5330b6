"""CloudFormation's evaluation rules, without AWS: intrinsic functions, conditions, parameters, pseudo
parameters, and the creation order that the references between resources imply.

`Resolver` is given callbacks for what only the deployed stack knows (a resource's Ref and GetAtt), so the
same rules serve a deploy through the resource creators and a stack that CloudFormation made.
"""
from __future__ import annotations

import base64
import re
from typing import Any, Callable

NO_VALUE = object()  # AWS::NoValue: the property or list item is dropped


class DeployError(RuntimeError):
    pass


_SUB_VAR = re.compile(r"\$\{([^}]+)\}")


def refs_in(value: Any) -> set[str]:
    """Logical ids / parameter names a value depends on (Ref, GetAtt, Sub)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::GetAtt":
                out.add(v[0] if isinstance(v, list) else str(v).split(".", 1)[0])
            elif k == "Fn::Sub":
                s, vars_ = (v, {}) if isinstance(v, str) else (v[0], v[1] if len(v) > 1 else {})
                for name in _SUB_VAR.findall(s):
                    if not name.startswith("!") and name.split(".", 1)[0] not in vars_:
                        out.add(name.split(".", 1)[0])
                out |= refs_in(vars_)
            else:
                out |= refs_in(v)
    elif isinstance(value, list):
        for v in value:
            out |= refs_in(v)
    return out


class Resolver:
    """Evaluates Ref / Fn::GetAtt / Fn::Sub / Fn::Join / Fn::If ... against known values."""

    def __init__(
        self,
        template: dict,
        params: dict[str, Any],
        pseudo: dict[str, Any],
        get_ref: Callable[[str], Any],
        get_att: Callable[[str, str], Any],
    ):
        self.template = template
        self.params = {}
        for name, spec in (template.get("Parameters") or {}).items():
            if name in params:
                v = params[name]
                if spec.get("Type") == "CommaDelimitedList" and isinstance(v, str):
                    v = [x.strip() for x in v.split(",")] if v else []
                elif not isinstance(v, list):
                    v = str(v)
                self.params[name] = v
        self.pseudo = pseudo
        self.get_ref = get_ref
        self.get_att = get_att
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            expr = (self.template.get("Conditions") or {}).get(name)
            if expr is None:
                raise DeployError(f"unknown condition {name}")
            self._conditions[name] = bool(self._cond(expr))
        return self._conditions[name]

    def _cond(self, expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            (k, v), = expr.items()
            if k == "Fn::Equals":
                a, b = (self.resolve(x) for x in v)
                return str(a) == str(b)
            if k == "Fn::Not":
                return not self._cond(v[0])
            if k == "Fn::And":
                return all(self._cond(x) for x in v)
            if k == "Fn::Or":
                return any(self._cond(x) for x in v)
            if k == "Condition":
                return self.condition(v)
        return self.resolve(expr)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        return self.get_ref(name)

    def _sub(self, s: str, vars_: dict) -> str:
        def repl(m: re.Match) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in vars_:
                return str(vars_[name])
            if "." in name and not name.startswith("AWS::"):
                lid, att = name.split(".", 1)
                return str(self.get_att(lid, att))
            v = self.ref(name)
            return ",".join(v) if isinstance(v, list) else str(v)

        return _SUB_VAR.sub(repl, s)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (k, v), = value.items()
            if k == "Ref":
                return self.ref(v)
            if k == "Fn::GetAtt":
                lid, att = (v if isinstance(v, list) else str(v).split(".", 1))
                return self.get_att(lid, self.resolve(att))
            if k == "Fn::Sub":
                if isinstance(v, str):
                    return self._sub(v, {})
                return self._sub(v[0], self.resolve(v[1]) if len(v) > 1 else {})
            if k == "Fn::Join":
                delim, items = v
                items = self.resolve(items)
                return delim.join(",".join(i) if isinstance(i, list) else str(i) for i in items)
            if k == "Fn::Select":
                idx, items = self.resolve(v[0]), self.resolve(v[1])
                return items[int(idx)]
            if k == "Fn::Split":
                return str(self.resolve(v[1])).split(v[0])
            if k == "Fn::If":
                cond, a, b = v
                return self.resolve(a if self.condition(cond) else b)
            if k == "Fn::FindInMap":
                m, top, second = (self.resolve(x) for x in v[:3])
                return self.template["Mappings"][m][top][second]
            if k == "Fn::Base64":
                return base64.b64encode(str(self.resolve(v)).encode()).decode()
            if k == "Fn::GetAZs":
                region = self.pseudo["AWS::Region"]
                return [f"{region}a", f"{region}b", f"{region}c"]
            if k in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
                return self._cond(value)
        out = {}
        for k, v in value.items():
            r = self.resolve(v)
            if r is not NO_VALUE:
                out[k] = r
        return out


def cfn_bool(v: Any) -> str:
    """A template boolean as the string AWS APIs take ("true"/"false"); anything else unchanged."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).lower() if str(v).lower() in ("true", "false") else str(v)


def toposort(resources: dict[str, dict], wanted: set[str]) -> list[str]:
    """`wanted` in creation order: each after what it references or DependsOn (ties by logical id)."""
    deps = {}
    for lid in wanted:
        r = resources[lid]
        d = refs_in(r.get("Properties") or {})
        dep_on = r.get("DependsOn") or []
        d |= set([dep_on] if isinstance(dep_on, str) else dep_on)
        deps[lid] = {x for x in d if x in wanted and x != lid}
    order: list[str] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in done:
            return
        if n in visiting:
            raise DeployError(f"circular dependency at {n}")
        visiting.add(n)
        for m in sorted(deps[n]):
            visit(m)
        visiting.discard(n)
        done.add(n)
        order.append(n)

    for n in sorted(wanted):
        visit(n)
    return order


def pseudo_parameters(region: str, account: str, stack: str) -> dict[str, Any]:
    return {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": "aws",
        "AWS::StackName": stack,
        "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack}/local",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NoValue": NO_VALUE,
        "AWS::NotificationARNs": [],
    }
