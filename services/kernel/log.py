"""structlog set-up: JSON lines for services, a readable console for the CLI.

Tracebacks never carry frame locals: a handler's locals hold the request (subject codes, names,
free text), and logs carry no request bodies.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.tracebacks import ExceptionDictTransformer

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def _shared(**static: str) -> list[structlog.typing.Processor]:
    def add_static(_: object, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
        event.update(static)
        return event

    return [
        add_static,
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_service(service: str, level: str) -> None:
    """JSON to stdout, one object per line; the configuration structlog recommends for speed."""
    structlog.configure(
        processors=[
            *_shared(service=service),
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.ERROR)),
        logger_factory=structlog.WriteLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=True,
    )


def configure_console(level: str = "warning") -> None:
    structlog.configure(
        processors=[
            *_shared(),
            structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.ERROR)),
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
