"""ODS codes of Organizations: the sender, a Patient's GP, a plan's local authority, a step-down service."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.messages import NS_ODS
from hub.core.validation.nhs import ods_code_valid
from hub.core.validation.values import as_dict, as_list, as_str

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def ods_of(c: MessageChecker, org: dict, path: str, what: str) -> str | None:
    """The ODS code identifier of an Organization resource at ``path``."""
    ids = as_list(org.get("identifier"))
    for k, ident in enumerate(ids):
        ident = as_dict(ident)
        if ident.get("system") == NS_ODS:
            v = ident.get("value")
            if not ods_code_valid(v):
                c.err("value", f"{what}: ODS code must match ^[A-Z0-9]{{3,8}}$", f"{path}.identifier[{k}].value")
                return None
            return v
    c.err("required", f"{what} needs an ODS code identifier ({NS_ODS})", f"{path}.identifier")
    return None


def org_ref_ods(c: MessageChecker, ref, path: str, what: str) -> str | None:
    """An Organization reference: logical (ODS identifier) or literal (to an Organization entry)."""
    ref = as_dict(ref)
    if as_str(ref.get("reference")):
        hit = c.resolve(ref)
        if hit is None:
            return None
        j, org = hit
        if org.get("resourceType") != "Organization":
            c.err("invalid", f"{what} must reference an Organization", f"{path}.reference")
            return None
        return ods_of(c, org, c.res_path(j), what)
    ident = ref.get("identifier")
    if isinstance(ident, dict):
        if ident.get("system") != NS_ODS:
            c.err("value", f"{what}: a logical reference needs an ODS identifier ({NS_ODS})",
                  f"{path}.identifier.system")
            return None
        v = ident.get("value")
        if not ods_code_valid(v):
            c.err("value", f"{what}: ODS code must match ^[A-Z0-9]{{3,8}}$", f"{path}.identifier.value")
            return None
        return v
    c.err("required", f"{what}: an ODS identifier or a reference to an Organization entry is required", path)
    return None
