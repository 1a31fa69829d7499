"""The gRPC ceiling: a bare grpc.aio unary server, no interceptor, no parsing, no database.

`python -m bench.echo_server PORT REPLY_BYTES` answers every call with REPLY_BYTES bytes (the size
of the real answer it stands in for), or with the request itself when REPLY_BYTES is 0.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, TypeAlias

import grpc

if TYPE_CHECKING:  # generic only in the stubs
    Handler: TypeAlias = grpc.RpcMethodHandler[bytes, bytes]


def _handler(reply_bytes: int) -> Handler:
    reply = b"y" * reply_bytes

    async def answer(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return reply or request

    return grpc.unary_unary_rpc_method_handler(answer)  # raw bytes in and out


async def serve(port: int, reply_bytes: int) -> None:
    server = grpc.aio.server()
    handlers = {"Call": _handler(reply_bytes)}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("bench.Echo", handlers),))
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(bound, flush=True)  # the parent reads the port from here
    await server.wait_for_termination()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(serve(*(args + [0, 0][len(args) :])))
