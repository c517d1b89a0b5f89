"""Dunning plans: ordered steps, their validation, and the built-in default plan.

A step says when (``offset_days`` from the carrying invoice's due date, negative for a pre-reminder, or from
the previous step taken), what (``action``), how (``channel``, ``tone``), and whether a person approves it
(``manual``) or the plan does (``auto``). Validation answers every problem by field path, so the caller
refuses the whole plan and saves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

ACTIONS = (
    "pre_reminder",
    "reminder",
    "second_reminder",
    "formal_notice",
    "payment_plan_offer",
    "sms",
    "call_task",
    "injonction_proposal",
)
#: the actions that draft and issue a letter, and the notice kind each drafts
LETTER_KINDS = {
    "pre_reminder": "pre_reminder",
    "reminder": "reminder",
    "second_reminder": "second_reminder",
    "formal_notice": "formal_notice",
}
CHANNELS = ("email", "letter", "email_and_letter", "registered_letter", "sms", "phone", "none")
TONES = ("courteous", "firm")
MODES = ("auto", "manual")
ANCHORS = ("due_date", "previous")
MIN_OFFSET, MAX_OFFSET = -60, 365
MAX_STEPS = 20
#: the channels each action may use
ALLOWED_CHANNELS = {
    **{action: ("email", "letter", "email_and_letter") for action in ("pre_reminder", "reminder", "second_reminder")},
    "formal_notice": ("registered_letter", "letter", "email_and_letter"),
    "payment_plan_offer": ("email", "letter", "phone", "none"),
    "sms": ("sms",),
    "call_task": ("phone",),
    "injonction_proposal": ("none",),
}


@dataclass(frozen=True)
class Step:
    offset_days: int
    action: str
    channel: str
    mode: str = "manual"
    anchor: str = "due_date"  # "due_date" (the carrying invoice's) or "previous" (the previous step taken)
    tone: str | None = None
    deadline_days: int | None = None  # formal_notice only: the mise en demeure's deadline (default 8)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def letter_kind(self) -> str | None:
        return LETTER_KINDS.get(self.action)


DEFAULT_PLAN_NAME = "Plan par défaut"
DEFAULT_STEPS = (
    Step(-5, "pre_reminder", "email", "auto", tone="courteous"),
    Step(1, "reminder", "email", "auto", tone="courteous"),
    Step(15, "second_reminder", "email_and_letter", "auto", tone="firm"),
    Step(30, "formal_notice", "registered_letter", "manual", tone="firm", deadline_days=8),
    # the 8 days of the mise en demeure run from its receipt: 15 days after sending leaves the registered
    # letter a week to arrive (a deemed receipt at the latest 15 days after the first presentation is the
    # dossier's concern, not the plan's); a person decides whether to file.
    Step(15, "injonction_proposal", "none", "manual", anchor="previous"),
)


def _field_problems(index: int, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    where = f"steps.{index}"
    problems: list[tuple[str, str]] = []
    offset = raw.get("offset_days")
    if not isinstance(offset, int) or isinstance(offset, bool) or not MIN_OFFSET <= offset <= MAX_OFFSET:
        problems.append((f"{where}.offset_days", f"a whole number of days from {MIN_OFFSET} to {MAX_OFFSET}"))
    action = raw.get("action")
    if action not in ACTIONS:
        problems.append((f"{where}.action", "unknown action; one of " + ", ".join(ACTIONS)))
    channel = raw.get("channel")
    if channel not in CHANNELS:
        problems.append((f"{where}.channel", "unknown channel; one of " + ", ".join(CHANNELS)))
    elif action in ALLOWED_CHANNELS and channel not in ALLOWED_CHANNELS[str(action)]:
        allowed = ", ".join(ALLOWED_CHANNELS[str(action)])
        problems.append((f"{where}.channel", f"{action} goes by {allowed}"))
    for name, values in (("mode", MODES), ("anchor", ANCHORS)):
        if raw.get(name, values[0] if name == "anchor" else "manual") not in values:
            problems.append((f"{where}.{name}", "one of " + ", ".join(values)))
    if raw.get("tone") is not None and raw.get("tone") not in TONES:
        problems.append((f"{where}.tone", "one of " + ", ".join(TONES)))
    deadline = raw.get("deadline_days")
    if deadline is not None and (action != "formal_notice" or not isinstance(deadline, int) or not 1 <= deadline <= 60):
        problems.append((f"{where}.deadline_days", "formal_notice only, 1 to 60 days"))
    return problems


def _order_problems(steps: Sequence[Step]) -> list[tuple[str, str]]:
    """Steps anchored on the due date come in increasing offsets; a first step cannot follow a previous one;
    a pre-reminder goes before the due date, the other letters after it."""
    problems: list[tuple[str, str]] = []
    last_offset: int | None = None
    for index, step in enumerate(steps):
        where = f"steps.{index}.offset_days"
        if step.anchor == "previous":
            if index == 0:
                problems.append((f"steps.{index}.anchor", "the first step is anchored on the due date"))
            elif step.offset_days < 0:
                problems.append((where, "a step after the previous one has an offset of 0 or more"))
            continue
        if last_offset is not None and step.offset_days <= last_offset:
            problems.append((where, "steps anchored on the due date come in increasing offsets"))
        if step.action == "pre_reminder" and step.offset_days >= 0:
            problems.append((where, "a pre_reminder goes before the due date (a negative offset)"))
        if step.action in ("reminder", "second_reminder", "formal_notice") and step.offset_days <= 0:
            problems.append((where, f"a {step.action} goes after the due date (an offset of 1 or more)"))
        last_offset = step.offset_days
    return problems


def parse_steps(raw_steps: object) -> tuple[list[Step], list[tuple[str, str]]]:
    """The steps of ``raw_steps`` (JSON) and the problems found, each ``(field path, what to do)``."""
    if not isinstance(raw_steps, list) or not raw_steps:
        return [], [("steps", "give at least one step")]
    if len(raw_steps) > MAX_STEPS:
        return [], [("steps", f"at most {MAX_STEPS} steps")]
    problems: list[tuple[str, str]] = []
    steps: list[Step] = []
    for index, raw in enumerate(raw_steps):
        if not isinstance(raw, Mapping):
            problems.append((f"steps.{index}", "a step is an object"))
            continue
        found = _field_problems(index, raw)
        problems += found
        if not found:
            steps.append(Step(**{k: raw[k] for k in raw if k in Step.__dataclass_fields__}))
    if not problems:
        problems += _order_problems(steps)
    return steps, problems


def steps_from_json(rows: Sequence[Mapping[str, Any]]) -> list[Step]:
    """Stored (already validated) steps."""
    return [Step(**dict(row)) for row in rows]
