"""Promise OMS business rules: pure Python, no I/O, no clock.

Every module here states its rule in its docstring. Nothing in this package
imports SQLAlchemy, Strawberry, Starlette, Redis or the other packages of the
application; `tests/test_architecture.py` enforces it.
"""
