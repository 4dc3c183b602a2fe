"""finnews: institutions, projects and lead / co-applicant relations from Chinese financial news."""
from __future__ import annotations

from .api import Extractor, Tables, load
from .records import Article, Mention, Relation, Result
from .settings import Settings

__version__ = "0.1.0"
__all__ = ["Article", "Extractor", "Mention", "Relation", "Result", "Settings", "Tables", "load"]
