"""Where child states live. The Lambda shell supplies a DynamoDB-backed implementation."""
from __future__ import annotations

import heapq
from datetime import datetime
from typing import Protocol, runtime_checkable

from .calendars import iso
from .state import ChildState


@runtime_checkable
class StateRepository(Protocol):
    def get(self, nhs_number: str) -> ChildState | None: ...

    def by_household(self, household: str) -> list[ChildState]: ...

    def due(self, until: datetime, limit: int | None = None) -> list[ChildState]: ...  # next_due <= until

    def put(self, state: ChildState) -> None: ...


class InMemoryStateRepository:
    """Dict-backed repository. ``due`` uses a lazy min-heap, so a sweep costs O(k log n) for k due children."""

    def __init__(self) -> None:
        self._states: dict[str, dict] = {}  # stored as items: callers never share mutable state with the repo
        self._households: dict[str, set[str]] = {}
        self._heap: list[tuple[str, str]] = []  # (next_due iso UTC, nhs_number); stale entries skipped

    def __len__(self) -> int:
        return len(self._states)

    def get(self, nhs_number: str) -> ChildState | None:
        item = self._states.get(nhs_number)
        return ChildState.from_item(item) if item is not None else None

    def by_household(self, household: str) -> list[ChildState]:
        return [ChildState.from_item(self._states[n]) for n in sorted(self._households.get(household, ()))]

    def put(self, state: ChildState) -> None:
        item = state.to_item()
        old = self._states.get(state.nhs_number)
        old_hh = old.get("household") if old else None
        if old_hh and old_hh != state.household:
            self._households.get(old_hh, set()).discard(state.nhs_number)
        if state.household:
            self._households.setdefault(state.household, set()).add(state.nhs_number)
        self._states[state.nhs_number] = item
        if state.next_due and (old is None or old.get("next_due") != state.next_due):
            heapq.heappush(self._heap, (state.next_due, state.nhs_number))

    def _valid(self, entry: tuple[str, str]) -> bool:
        item = self._states.get(entry[1])
        return item is not None and item.get("next_due") == entry[0]

    def due(self, until: datetime, limit: int | None = None) -> list[ChildState]:
        bound = iso(until)
        popped: list[tuple[str, str]] = []
        seen: set[str] = set()
        out: list[ChildState] = []
        while self._heap and (limit is None or len(out) < limit):
            entry = self._heap[0]
            if not self._valid(entry):
                heapq.heappop(self._heap)
                continue
            if _after(entry[0], bound):
                break
            heapq.heappop(self._heap)
            if entry[1] in seen:
                continue
            seen.add(entry[1])
            popped.append(entry)
            out.append(ChildState.from_item(self._states[entry[1]]))
        for entry in popped:  # due stays due until the state is put with a new next_due
            heapq.heappush(self._heap, entry)
        return out

    def next_due(self) -> datetime | None:
        """The earliest pending deadline (for the simulated clock of replay)."""
        while self._heap and not self._valid(self._heap[0]):
            heapq.heappop(self._heap)
        if not self._heap:
            return None
        from .calendars import parse_iso

        return parse_iso(self._heap[0][0])


def _after(a: str, b: str) -> bool:
    from .calendars import parse_iso

    return parse_iso(a) > parse_iso(b)
