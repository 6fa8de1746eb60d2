"""The composition root: the one place that knows every room and wires them together.

`compose` builds the schema, the GraphQL endpoint and the Starlette app from the settings; `asgi` is the
entry point servers import (`uvicorn oms.asgi:app`); `cli` is the `oms` command. Nothing below imports
this package.
"""
