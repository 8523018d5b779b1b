"""The project's SPARQL queries, one per file in queries/."""
from functools import lru_cache

from .paths import QUERIES_DIR


@lru_cache(maxsize=None)
def query(name: str) -> str:
    """The text of queries/<name>.rq."""
    return (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
