"""The built wheel, installed in a clean virtual environment, gives spaCy users the tokenizer and
the three components through entry points alone: the script run there never imports ``pipeline``."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest

from pipeline.api import Extractor

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "000_55cba44dae8bb6cf.txt"
# what the build needs from the working tree (build/ and *.egg-info left by an editable install are not copied:
# setuptools would package stale files from them)
BUILD_IGNORE = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "out")
USER_SCRIPT = """
import json, sys
import spacy

config = {"nlp": {"tokenizer": {"@tokenizers": "finnews.JiebaTokenizer.v1"}}}
nlp = spacy.blank("zh", config=config)
nlp.add_pipe("finnews_institutions")
nlp.add_pipe("finnews_projects")
nlp.add_pipe("finnews_relations")
doc = nlp(open(sys.argv[1], encoding="utf-8").read())
import importlib.util
print(json.dumps({
    "package": importlib.util.find_spec("pipeline").origin,
    "ents": [[e.text, e.label_, e._.canonical, e._.inst_type, e._.rule] for e in doc.ents],
    "relations": [[r.project, r.institution, r.canonical, r.role, r.rule] for r in doc._.relations],
}, ensure_ascii=False))
"""


def run(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=env,
                          timeout=900)
    assert proc.returncode == 0, f"{' '.join(map(str, argv))}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def user_output(tmp_path_factory: pytest.TempPathFactory, extractor: Extractor) -> tuple[dict[str, Any], Path, str]:
    """Build the wheel, install it in a fresh venv, run the user script on the seed's clean text."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=BUILD_IGNORE)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", source)
    (wheel,) = (work / "dist").glob("finnews-*.whl")
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", wheel)
    text = extractor.extract(SAMPLE.read_bytes(), article_id="seed").article.text
    (work / "article.txt").write_text(text, encoding="utf-8")
    (work / "user.py").write_text(USER_SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    out = run(python, work / "user.py", work / "article.txt", cwd=work, env=env)
    return json.loads(out.strip().splitlines()[-1]), env_dir, text


def test_when_the_wheel_is_installed_then_the_package_comes_from_the_venv(
        user_output: tuple[dict[str, Any], Path, str]) -> None:
    data, env_dir, _ = user_output
    assert Path(data["package"]).resolve().is_relative_to(env_dir.resolve())


def test_when_a_spacy_user_adds_the_components_then_the_relations_equal_the_api(
        user_output: tuple[dict[str, Any], Path, str], extractor: Extractor) -> None:
    data, _, text = user_output
    expected = [[r.project, r.institution, r.canonical, r.role, r.rule]
                for r in extractor.extract(text, article_id="seed").relations]
    assert expected
    assert data["relations"] == expected
    assert ["基于区块链的证券业务电子签约与存证服务平台", "中证机构间报价系统股份有限公司", "中证报价", "lead",
            "REL_IN_LED_PROJECT"] in data["relations"]


def test_when_a_spacy_user_adds_the_components_then_the_ents_carry_canonical_type_and_rule(
        user_output: tuple[dict[str, Any], Path, str]) -> None:
    ents = user_output[0]["ents"]
    assert {label for _, label, *_ in ents} == {"INSTITUTION", "PROJECT"}
    assert all(canonical and rule for _, _, canonical, _, rule in ents)
    assert all(kind for _, label, _, kind, _ in ents if label == "INSTITUTION")
    assert ["银河证券", "INSTITUTION", "中国银河证券", "securities", "GAZ"] in ents
