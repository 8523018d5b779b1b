"""Server settings: one dataclass, from `govcat serve` flags and GOVCAT_* environment variables."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

# setting -> environment variable (each is documented in README.md, "Server")
ENVIRONMENT = {
    "store": "GOVCAT_STORE",
    "host": "GOVCAT_HOST",
    "port": "GOVCAT_PORT",
    "query_timeout": "GOVCAT_QUERY_TIMEOUT",
    "row_cap": "GOVCAT_ROW_CAP",
    "query_workers": "GOVCAT_QUERY_WORKERS",
    "service_hosts": "GOVCAT_SERVICE_HOSTS",
    "max_upload_mb": "GOVCAT_MAX_UPLOAD_MB",
}


@dataclass(frozen=True)
class Settings:
    store: Path = Path("data/store")
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 10.0        # seconds; a SPARQL query running longer is stopped (504)
    row_cap: int = 10000               # solutions (or triples) per SPARQL answer; 0: no cap
    query_workers: int = 2             # query worker processes
    service_hosts: tuple[str, ...] = ()   # hosts SPARQL SERVICE may reach (host or host:port); none by default
    max_upload_mb: float = 100.0       # size limit of a workbook uploaded at /import, MB

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then the environment, then `overrides` (flags given on the command line; None = not given)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = overrides.get(f.name)
            if raw is None:
                raw = environ.get(ENVIRONMENT[f.name])
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.query_timeout <= 0:
            raise ValueError("GOVCAT_QUERY_TIMEOUT must be > 0")
        if self.row_cap < 0:
            raise ValueError("GOVCAT_ROW_CAP must be ≥ 0 (0: no cap)")
        if self.max_upload_mb <= 0:
            raise ValueError("GOVCAT_MAX_UPLOAD_MB must be > 0")
        if self.query_workers < 1:
            raise ValueError("GOVCAT_QUERY_WORKERS must be ≥ 1")


def _convert(name: str, raw):
    if name == "store":
        return Path(raw)
    if name in ("port", "row_cap", "query_workers"):
        return int(raw)
    if name in ("query_timeout", "max_upload_mb"):
        return float(raw)
    if name == "service_hosts":
        items = raw.split(",") if isinstance(raw, str) else raw
        return tuple(h.strip() for h in items if h.strip())
    return str(raw)
