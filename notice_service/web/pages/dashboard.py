"""Tableau de bord: amounts outstanding and overdue, their aging as an inline SVG chart (no script), the
deadlines ending this week and the drafts awaiting approval (``use_cases.backoffice.dashboard``); the KPIs (DSO,
recovery rate, reminders per paid invoice) on ``/app/indicateurs``, pulled into the dashboard by htmx."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import redirect, url_for

from notice_service.domain.french_format import percent_fr
from notice_service.domain.roles import Permission
from notice_service.use_cases.backoffice.dashboard import dashboard_figures
from notice_service.use_cases.kpis.report import kpis
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.rendering import page

CHART_WIDTH, BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 560, 26, 12, 90


def aging_bars(aging: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each bucket's bar: its label, amount, width in pixels (the largest bucket fills the chart) and row."""
    largest = max((bucket["amount"] for bucket in aging), default=Decimal(0))
    span = CHART_WIDTH - LABEL_WIDTH - 130
    bars = []
    for row, bucket in enumerate(aging):
        width = int(span * bucket["amount"] / largest) if largest > 0 else 0
        bars.append(
            {**bucket, "width": max(width, 1 if bucket["amount"] > 0 else 0), "y": row * (BAR_HEIGHT + BAR_GAP)}
        )
    return bars


@pages.get("/")
@needs(Permission.READ)
def dashboard() -> Any:
    figures = dashboard_figures(services(), person().actor)
    bars = aging_bars(figures["aging"])
    height = len(bars) * (BAR_HEIGHT + BAR_GAP)
    chart = {"width": CHART_WIDTH, "height": height, "bar_height": BAR_HEIGHT, "label_width": LABEL_WIDTH}
    return page("dashboard.html", figures=figures, bars=bars, chart=chart)


@pages.get("")
def root() -> Any:
    return redirect(url_for("pages.dashboard"))


def _measures(report: dict[str, Any]) -> dict[str, Any]:
    """The KPIs' figures as a credit manager reads them, French-formatted (``use_cases.kpis``, README "KPIs")."""
    dso, recovery, reminders = (
        report["dso"]["days"],
        report["recovery"]["rate"],
        report["reminders"]["per_paid_invoice"],
    )
    return {
        "start": report["from"],
        "end": report["to"],
        "dso": None if dso is None else format_decimal(Decimal(dso), format="0.#", locale="fr_FR"),
        "recovery": None if recovery is None else percent_fr(Decimal(recovery) * 100),
        "recovered": Decimal(report["recovery"]["recovered"]),
        "chased": Decimal(report["recovery"]["chased"]),
        "reminders": None if reminders is None else format_decimal(Decimal(reminders), format="0.00", locale="fr_FR"),
        "steps": report["steps"],
    }


@pages.get("/indicateurs")
@needs(Permission.READ)
def indicators() -> Any:
    """DSO, recovery rate and reminders per paid invoice over the last 90 days: a page of its own, which the
    dashboard pulls in with htmx after it is shown (the SQL of the KPIs costs more than the dashboard's own
    figures, so the dashboard never waits for it; without JavaScript it is a link)."""
    return page("indicators.html", k=_measures(kpis(services(), person().actor, None, None)))
