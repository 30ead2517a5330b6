"""Rules engine: per-child state, the section 6 rules, alerts and resolutions."""
from .config import RulesConfig
from .engine import Decision, evaluate, on_message, on_tick
from .findings import Finding, Rule, RuleContext
from .repository import InMemoryStateRepository, StateRepository
from .table import RULES, RULES_BY_ID
from .schedule import Schedule, default_schedule, parse_schedule
from .state import ChildState, ChildView

__all__ = [
    "ChildState",
    "ChildView",
    "Decision",
    "Finding",
    "InMemoryStateRepository",
    "Rule",
    "RuleContext",
    "RULES",
    "RULES_BY_ID",
    "RulesConfig",
    "Schedule",
    "StateRepository",
    "default_schedule",
    "evaluate",
    "on_message",
    "on_tick",
    "parse_schedule",
]
