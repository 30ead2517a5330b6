"""InMemoryTaskStore: the TaskStore port in memory (re-exported by tests/support/fakes.py).

Kept as DynamoDBTaskStore keeps it: the stored form of each Task, conditional create and versioned update
(TaskConflictError), owner pages newest update first with an opaque cursor, the sweep's due Tasks by
next_due. tests/contract/test_task_store_contract.py holds the two to the same behaviour.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime

from hub.adapters.errors import TaskConflictError, TaskStoreError
from hub.core.tasks import Task, parse_time, utc_iso


class InMemoryTaskStore:
    def __init__(self) -> None:
        self.items: dict[str, dict] = {}  # id -> Task.to_item()

    def _key(self, value: str) -> str:
        return utc_iso(parse_time(value))

    def get(self, task_id: str) -> Task | None:
        item = self.items.get(task_id)
        return Task.from_item(json.loads(json.dumps(item))) if item is not None else None

    def create(self, task: Task) -> bool:
        if task.id in self.items:
            return False
        self.items[task.id] = json.loads(json.dumps(task.to_item()))
        return True

    def update(self, task: Task, *, expected_version: int) -> None:
        stored = self.items.get(task.id)
        if stored is None or stored["version"] != expected_version:
            raise TaskConflictError("the Task changed since it was read")
        self.items[task.id] = json.loads(json.dumps(task.to_item()))

    def by_alert(self, alert_id: str) -> list[Task]:
        return [self.get(i) for i in sorted(self.items) if self.items[i]["alert_id"] == alert_id]

    def by_owner(self, owner: str, *, statuses: tuple[str, ...] | None = None, updated_from: datetime | None = None,
                 updated_to: datetime | None = None, limit: int = 50,
                 cursor: str | None = None) -> tuple[list[Task], str | None]:
        lo = utc_iso(updated_from) if updated_from else None
        hi = utc_iso(updated_to) if updated_to else None
        rows = sorted(((self._key(t["last_updated"]), t["id"]) for t in self.items.values() if t["owner"] == owner
                       and (lo is None or self._key(t["last_updated"]) >= lo)
                       and (hi is None or self._key(t["last_updated"]) <= hi)), reverse=True)
        if cursor:
            try:
                after = tuple(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))
            except ValueError:
                raise TaskStoreError("bad cursor", retryable=False) from None
            rows = [r for r in rows if r < after]
        page, last = [], None
        for row in rows:
            last = row
            if statuses is None or self.items[row[1]]["status"] in statuses:
                page.append(self.get(row[1]))
            if len(page) >= limit:
                break
        more = last is not None and last != rows[-1]
        token = base64.urlsafe_b64encode(json.dumps(list(last)).encode()).decode().rstrip("=") if more else None
        return page, token

    def due(self, until: datetime, limit: int | None = None) -> list[Task]:
        cutoff = utc_iso(until)
        found = sorted(((self._key(t["next_due"]), i) for i, t in self.items.items()
                        if t.get("next_due") and self._key(t["next_due"]) <= cutoff))
        tasks = [self.get(i) for _, i in found]
        return tasks[:limit] if limit else tasks
