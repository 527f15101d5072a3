"""Case- and accent-aware text comparison in SQL that agrees with Python.

SQLite's ``lower()``, ``LIKE`` and ``NOCASE`` fold ASCII letters only, and it orders text by
code point: a search for "élan" never found "Élan vital", and "Élan" sorted after "Zebras".
Two SQL functions fix that, each compiled to a Python function that every SQLite connection of
ours registers (:func:`register_sqlite_functions`); other databases get their own
Unicode-aware ``lower()``:

- ``casefold(text)``: Python's ``str.casefold`` ("Straße" and "STRASSE" fold alike), for
  matching;
- ``sort_key(text)``: the case-folded text without accents ("Élan" sorts among the E's),
  for ordering.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import String


def fold_case(text: str) -> str:
    return text.casefold()


def name_sort_key(text: str) -> str:
    """Case-folded, with accents and other combining marks removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class casefold(GenericFunction[str]):  # lower case, as SQL functions are
    """``casefold(text)``: ``text`` with case differences removed, as Python does it."""

    type = String()
    inherit_cache = True


class sort_key(GenericFunction[str]):  # lower case, as SQL functions are
    """``sort_key(text)``: what names are ordered by, ignoring case and accents."""

    type = String()
    inherit_cache = True


#: SQL function name on SQLite -> the Python function behind it.
_SQLITE_FUNCTIONS: dict[str, Callable[[str], str]] = {
    "videolab_casefold": fold_case,
    "videolab_sort_key": name_sort_key,
}


@compiles(casefold)
@compiles(sort_key)
def _compile_default(element: GenericFunction[str], compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(casefold, "sqlite")
def _compile_sqlite_casefold(element: casefold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"videolab_casefold({compiler.process(element.clauses, **kw)})"


@compiles(sort_key, "sqlite")
def _compile_sqlite_sort_key(element: sort_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"videolab_sort_key({compiler.process(element.clauses, **kw)})"


def _null_safe(fn: Callable[[str], str]) -> Callable[[object], object]:
    def call(value: object) -> object:
        return fn(value) if isinstance(value, str) else value

    return call


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Make ``casefold()`` and ``sort_key()`` callable on this SQLite connection."""
    for name, fn in _SQLITE_FUNCTIONS.items():
        # Deterministic: SQLite may then use them in indexes and cache their results.
        dbapi_connection.create_function(name, 1, _null_safe(fn), deterministic=True)
