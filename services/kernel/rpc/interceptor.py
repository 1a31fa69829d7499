"""The server interceptor: request id and log context, authentication, request checks, error
mapping (a ServiceError to its status, an outage of the database or broker to UNAVAILABLE with a
retry delay, anything else to INTERNAL).

It wraps each unary handler once (cached per method). Roles come from the handler's own
declaration (@query / @command); a handler that declares none is refused, so forgetting the
declaration fails closed. After authentication every request passes the checks common to all
RPCs (rpc/request_check.py), so an undecodable request or a string PostgreSQL cannot store is
refused as INVALID_ARGUMENT instead of failing deep inside a handler.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias

import grpc
import structlog

from services.kernel.auth import TokenVerifier, set_current_caller
from services.kernel.errors import PermissionDenied, ServiceError, Unauthenticated, Unavailable
from services.kernel.rpc import request_check
from services.kernel.rpc.handlers import ROLES_ATTRIBUTE
from services.kernel.rpc.status import to_status
from services.kernel.supervise import dependency, describe

PUBLIC_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
log = structlog.get_logger()

Unary = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"  # generic only in the stubs


class CallInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier
        self._wrapped: dict[str, Handler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        method: str = details.method
        wrapped = self._wrapped.get(method)
        if wrapped is None:
            handler = await continuation(details)
            if handler is None or handler.unary_unary is None:
                return handler  # streaming (reflection, health watch) or unknown: grpc handles it
            wrapped = self._wrapped[method] = self._wrap(method, handler)
        return wrapped

    def _wrap(self, method: str, handler: Handler) -> Handler:
        behavior: Unary = handler.unary_unary  # type: ignore[assignment]  # grpc.aio handlers are async
        public = method.startswith(PUBLIC_PREFIXES)
        roles: Sequence[str] | None = getattr(behavior, ROLES_ATTRIBUTE, None)

        async def run(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            metadata = dict(context.invocation_metadata() or ())
            request_id = str(metadata.get("x-request-id") or _new_request_id())
            structlog.contextvars.bind_contextvars(request_id=request_id, rpc=method)
            try:
                if not public:
                    self._authorise(metadata, roles)
                request_check.check(request)
                return await behavior(request, context)
            except ServiceError as exc:
                log.info("rpc refused", error=type(exc).__name__, reason=exc.message)
                await context.abort_with_status(to_status(exc))
            except grpc.aio.AbortError:
                raise  # the handler ended the call itself
            except Exception as exc:
                down = dependency(exc)
                if down is not None:  # an outage, not a fault of the call: the caller retries it
                    log.warning("rpc unavailable", dependency=down, error=describe(exc))
                    await context.abort_with_status(to_status(Unavailable(down)))
                else:
                    log.exception("rpc failed")
                    await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id})")
            finally:
                structlog.contextvars.clear_contextvars()

        return grpc.unary_unary_rpc_method_handler(
            run,
            request_deserializer=request_check.tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )

    def _authorise(self, metadata: dict[str, Any], roles: Sequence[str] | None) -> None:
        scheme, _, token = str(metadata.get("authorization", "")).partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("send 'authorization: Bearer <token>' metadata")
        # Tokens expire in real time, whatever the development clock says.
        caller = self._verifier.verify(token, time.time())
        if roles is None:
            log.error("handler declares no roles; refusing")
            raise PermissionDenied("this method is not open to any role")
        if not caller.has_any(roles):
            raise PermissionDenied(f"requires one of the roles {', '.join(roles)}")
        set_current_caller(caller)
        structlog.contextvars.bind_contextvars(caller=caller.subject, department=caller.department)


def _new_request_id() -> str:
    # A log correlation id shaped like uuid4().hex, without uuid4's system call per call.
    return f"{random.getrandbits(128):032x}"
