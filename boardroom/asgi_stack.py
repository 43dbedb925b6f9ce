"""ASGI plumbing that keeps an idle WebSocket's stack short (``boardroom.asgi``).

Every ASGI middleware ``return await self.inner(scope, receive, send)`` stays suspended,
with its own copy of the scope, for as long as the socket is open. With the protocol
router, the connection tracking, the origin check, Channels' cookie, session and auth
middlewares, the bearer user, the URL router and the consumer's ``as_asgi`` function,
that was ten coroutines and five scope dicts above every idle consumer, about 5 KiB per
socket (docs/benchmarks.md, "Memory per socket"). Here:

* :class:`ProtocolRouter` hands the scope to its application without a coroutine of
  its own;
* :class:`FlatWebSocketStack` runs the middlewares one after the other instead of one
  inside the other (each hands over to a :class:`HandOver`, which only keeps the scope),
  then routes the scope itself (:func:`route`) and runs the consumer: one coroutine and
  one scope above it.
"""

from __future__ import annotations

from asgiref.sync import markcoroutinefunction
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls.exceptions import Resolver404


class ProtocolRouter(ProtocolTypeRouter):
    """Channels' ``ProtocolTypeRouter`` returning its application's coroutine instead of
    awaiting it in one of its own (an unknown scope type still raises its ValueError
    when awaited)."""

    _asgi_single_callable = True  # asgiref's check (the test communicator)

    @markcoroutinefunction  # servers that tell ASGI 2 from 3 by it (uvicorn)
    def __call__(self, scope, receive, send):
        application = self.application_mapping.get(scope["type"])
        if application is None:
            return super().__call__(scope, receive, send)
        return application(scope, receive, send)


class HandOver:
    """The inner application of a middleware run up to its hand-over: it keeps the scope
    it is given and returns at once, so that the middleware's coroutine ends."""

    __slots__ = ("scope",)

    def __init__(self):
        self.scope = None

    async def __call__(self, scope, receive, send):
        self.scope = scope


class FlatWebSocketStack:
    """``layers[0](layers[1](...(URLRouter(routes))))`` for WebSockets, without the
    nesting: each layer (a middleware class or factory taking its inner application)
    runs with a :class:`HandOver` inside; if it hands over, the next layer runs on the
    scope it passed on; if it does not (it refused the socket and answered it itself),
    the socket is done. Then the URL route's consumer runs on the last scope.

    Only for layers that pass ``receive`` and ``send`` on as they got them, or whose
    wrapped ``send`` does nothing for a WebSocket: Channels' session middleware wraps
    ``send`` to save the session on ``http.response.start``, which a WebSocket never
    sends, so the server's ``send`` goes to the consumer."""

    def __init__(self, layers, router: URLRouter):
        self.layers = layers
        self.router = router

    async def __call__(self, scope, receive, send):
        for layer in self.layers:
            scope = await run_to_hand_over(layer, scope, receive, send)
            if scope is None:
                return  # refused by this layer
        application, scope = route(self.router, scope)
        return await application(scope, receive, send)


async def run_to_hand_over(layer, scope, receive, send):
    """The scope ``layer`` hands over to its inner application, or None if it does not."""
    hand_over = HandOver()
    await layer(hand_over)(scope, receive, send)
    return hand_over.scope


def route(router: URLRouter, scope):
    """Channels' ``URLRouter.__call__`` up to the call: (the application of the route
    matching the scope's path, the scope it gets). A consumer's ``as_asgi()`` function
    is replaced by a new instance of the consumer (what that function does, in a
    coroutine more)."""
    path = scope.get("path_remaining", scope.get("path", None))
    if path is None:
        raise ValueError("No 'path' key in connection scope, cannot route URLs")
    if "path_remaining" not in scope:
        # We are the outermost URLRouter, so handle root_path if present.
        root_path = scope.get("root_path", "")
        if root_path and not path.startswith(root_path):
            raise ValueError(f"No route found for path {path!r}.")
        path = path[len(root_path) :]
    path = path.lstrip("/")
    for candidate in router.routes:
        match = candidate.pattern.match(path)
        if not match:
            continue
        new_path, args, kwargs = match
        kwargs.update(candidate.default_args)
        outer = scope.get("url_route", {})
        inner = dict(
            scope,
            path_remaining=new_path,
            url_route={
                "args": outer.get("args", ()) + args,
                "kwargs": {**outer.get("kwargs", {}), **kwargs},
            },
        )
        application = candidate.callback
        if isinstance(application, URLRouter):
            try:
                return route(application, inner)
            except Resolver404:
                continue  # as Channels: a nested router without a match, try the next
        consumer = getattr(application, "consumer_class", None)
        if consumer is not None:
            return consumer(**application.consumer_initkwargs), inner
        return application, inner
    if "path_remaining" in scope:
        raise Resolver404(f"No route found for path {path!r}.")
    raise ValueError(f"No route found for path {path!r}.")
