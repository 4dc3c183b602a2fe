"""Settings travel as one frozen object: packaged defaults, then a user file, then flags."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import FinnewsError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    models_dir: Path | None = None  # None: the rule data packaged with finnews
    max_bytes: int = DEFAULT_MAX_BYTES  # per article
    workers: int = 1  # the CLI defaults to the machine's cores
    format: str = "csv"  # csv | parquet
    quiet: bool = False
    chunk_size: int = 500  # articles per chunk file of a run (what --resume keeps after a crash)
    # JSON Lines field names
    id_field: str = "id"
    url_field: str = "url"
    title_field: str = "title"
    published_field: str = "published"
    html_field: str = "html"
    text_field: str = "text"

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given non-None values; unknown names are a usage error."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise FinnewsError("E301", detail=f"unknown setting(s): {', '.join(unknown)}")
        clean = {k: v for k, v in values.items() if v is not None}
        if "models_dir" in clean:
            clean["models_dir"] = Path(clean["models_dir"])
        return replace(self, **clean)

    @classmethod
    def from_file(cls, path: str | Path, base: Settings | None = None) -> Settings:
        """Layer a YAML settings file (keys = field names) over ``base``."""
        import yaml

        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise FinnewsError("E301", detail=f"{p}: cannot read settings ({exc})") from exc
        if not isinstance(data, dict):
            raise FinnewsError("E301", detail=f"{p}: settings must be a mapping")
        return (base or cls()).with_overrides(**data)
