"""Routing core: who receives an accepted message, and what each recipient gets.

``decide`` applies the versioned policy (``hub/data/routing-policy.yaml``) to the
message and the child's state; ``minimise`` applies a recipient profile;
``readdress`` stamps the copy for its recipient. Pure: no I/O beyond reading the
packaged policy file.
"""
from hub.core.routing.decide import (
    ChildContext,
    Disclosure,
    RoutingConfig,
    RoutingDecision,
    Skipped,
    child_age_days,
    clinical_time,
    decide,
    plan_routing,
)
from hub.core.routing.minimise import minimise
from hub.core.routing.notifications import content_bundle
from hub.core.routing.policy import PolicyError, RoutingPolicy, default_policy, load_policy
from hub.core.routing.readdress import ReaddressError, destination_endpoint, readdress

__all__ = [
    "ChildContext",
    "Disclosure",
    "PolicyError",
    "ReaddressError",
    "RoutingConfig",
    "RoutingDecision",
    "RoutingPolicy",
    "Skipped",
    "child_age_days",
    "clinical_time",
    "content_bundle",
    "decide",
    "default_policy",
    "destination_endpoint",
    "load_policy",
    "minimise",
    "plan_routing",
    "readdress",
]
