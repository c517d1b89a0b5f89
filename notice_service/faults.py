"""Fault injection for the crash tests: ``crash_point(name)`` kills the process where a test asked.

The composition root arms one point from ``NOTICE_FAULT_POINT`` (``bootstrap.build_services``; settings refuse it
in the production profile). ``name`` kills at the first time the point is reached, ``name#n`` at the n-th (a use
case with several commits, a batch). The process dies with ``os._exit(FAULT_EXIT)``: no ``finally``, no
rollback, no flush, as a power cut or ``kill -9`` would leave it. Unarmed, a hook costs one comparison.

No framework import: the domain-free hooks live in use cases, the unit of work and the worker.
"""

from __future__ import annotations

import os
import sys
import threading

FAULT_EXIT = 86  # the exit status a test recognises: died at the armed point, not of a bug
POINTS = (
    "after-render",
    "after-sign",
    "after-store-put",
    "before-commit",
    "after-commit",
    "after-provider-answer",
    "after-outbox-claim",
    "mid-dossier-zip",
    "mid-webhook-delivery",
    "after-checkpoint-sign",
    "after-checkpoint-store",
)

_lock = threading.Lock()
_armed: dict[str, int] = {}  # point -> how many more passes before the kill (1: the next one)


def parse(spec: str) -> tuple[str, int]:
    """``"after-commit#2"`` → ``("after-commit", 2)``; ValueError naming the known points otherwise."""
    name, _, count = spec.partition("#")
    if name not in POINTS:
        raise ValueError(f"unknown fault point {name!r}; one of {', '.join(POINTS)} (optionally #n)")
    if count and (not count.isdigit() or int(count) < 1):
        raise ValueError(f"fault point {spec!r}: the occurrence after '#' is a whole number from 1")
    return name, int(count or 1)


def arm(spec: str | None) -> None:
    """Arm ``spec`` (or disarm everything with ``None``); called by the composition root only."""
    with _lock:
        _armed.clear()
        if spec:
            name, count = parse(spec)
            _armed[name] = count


def crash_point(name: str) -> None:
    """Die here when this point is armed and its occurrence has come; otherwise nothing."""
    if not _armed or name not in _armed:
        return
    with _lock:
        remaining = _armed.get(name, 0) - 1
        _armed[name] = remaining
    if remaining == 0:
        sys.stderr.write(f"notice-service: fault point {name} reached, exiting\n")
        sys.stderr.flush()
        os._exit(FAULT_EXIT)
