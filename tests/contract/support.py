"""Test support for the contract suites: the window of wall-clock time around a call, and short tracebacks.

The adapters read the system clock (pyHanko's signing time) or a TSA's (genTime), and none takes a ``Clock``, so
times are checked against the moments just before and just after the call: only durations are compared, never a
date, and the assertions hold whatever day the suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

_OURS = (str(Path(__file__).resolve().parents[2] / "notice_service"), str(Path(__file__).resolve().parents[1]))


@dataclass
class CallWindow:
    """The wall-clock moments just before and just after a call."""

    start: datetime
    end: datetime | None = None

    def holds(self, moment: datetime, *, resolution: timedelta = timedelta(seconds=1)) -> bool:
        """Whether ``moment`` (UTC, aware) falls inside the window; ``resolution`` allows for formats that keep
        whole seconds only (a PDF date, a CMS ``UTCTime``)."""
        assert self.end is not None, "the window is still open"
        aware_utc = moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
        return aware_utc and self.start - resolution <= moment <= self.end


@contextmanager
def call_window() -> Iterator[CallWindow]:
    window = CallWindow(datetime.now(UTC))
    yield window
    window.end = datetime.now(UTC)


@contextmanager
def our_frames_only() -> Iterator[None]:
    """An exception escaping the block keeps its type, message and causes, but each traceback stops at the last
    frame of the service's or the tests' code: pytest renders every failing (and xfailing) test's traceback with
    each frame's source, and pyHanko's deep, large modules cost it a quarter of a second per test."""
    try:
        yield
    except BaseException as exc:
        seen: set[int] = set()
        pending: list[BaseException | None] = [exc]
        while pending:
            current = pending.pop()
            if current is None or id(current) in seen:
                continue
            seen.add(id(current))
            _cut(current.__traceback__)
            pending += [current.__cause__, current.__context__]
        raise


def _cut(traceback: TracebackType | None) -> None:
    last_ours = None
    node = traceback
    while node is not None:
        if node.tb_frame.f_code.co_filename.startswith(_OURS):
            last_ours = node
        node = node.tb_next
    if last_ours is not None:
        last_ours.tb_next = None
