"""Alert lifecycle as FHIR R4 Task (pure): one Task per alert and recipient organisation.

``model`` (the Task and its stored form; ``tasks_for_alert``), ``lifecycle`` (acknowledge, assign,
decide, close; completion when the alert resolves), ``escalation`` (a Task not acknowledged by its
deadline escalates, level by level), ``fhir`` (the FHIR view and searchset), ``search`` (GET /Task
parameters). No I/O, no clock: the service passes times in.
"""
from hub.core.tasks.escalation import (EscalationPolicy, due_escalation, escalate, escalation_id,
                                       escalation_record)
from hub.core.tasks.fhir import searchset, to_fhir
from hub.core.tasks.lifecycle import OPERATIONS, TaskError, apply, complete
from hub.core.tasks.model import (DECISIONS, STATUSES, Change, Closure, DecisionMade, Escalation, Stamp, Task,
                                  parse_time, task_id, tasks_for_alert, utc_iso)
from hub.core.tasks.search import InvalidSearch, TaskQuery, parse_query

__all__ = [
    "Change", "Closure", "DECISIONS", "DecisionMade", "Escalation", "EscalationPolicy", "InvalidSearch",
    "OPERATIONS", "STATUSES", "Stamp", "Task", "TaskError", "TaskQuery", "apply", "complete", "due_escalation",
    "escalate", "escalation_id", "escalation_record", "parse_query", "parse_time", "searchset", "task_id",
    "tasks_for_alert", "to_fhir", "utc_iso",
]
