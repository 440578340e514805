"""Alerts: render a run's changes once (text, Markdown, HTML), queue one copy per channel in the
warehouse outbox in the same transaction as the developments, and deliver the outbox at least
once (terminal, files, any Apprise URL), with retries, backoff and operator notices.

    render.render_alert / render_notice  -> RenderedMessage
    evwatch.warehouse.alerts.enqueue     -> one pending row per channel (idempotent)
    deliver.deliver_pending              -> DeliveryReport
"""

from evwatch.alerts.deliver import DeliveryReport, deliver_pending
from evwatch.alerts.render import RenderedMessage, render_alert, render_notice

__all__ = ["DeliveryReport", "RenderedMessage", "deliver_pending", "render_alert", "render_notice"]
