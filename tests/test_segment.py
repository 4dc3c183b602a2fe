"""The tokenizer: rjieba gives jieba's tokens with the same lexicon; the global jieba is untouched."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pipeline.rules import load_rules
from pipeline.segment import Segmenter

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="module")
def segmenters() -> tuple[Segmenter, Segmenter]:
    lexicon = load_rules().lexicon()
    return Segmenter(lexicon, "rjieba"), Segmenter(lexicon, "jieba")


def texts() -> list[str]:
    out = [
        "由海通证券牵头，联合上海财经大学、上海数据交易所申报的“证券行业数据资产登记与流通试点”。",
        "恒生电子(600570)股份有限公司此前已参与多家券商的核心系统信创改造。",
        "滙豐、渣打銀行（香港）有限公司分別申報了「中小企綠色貸款代幣化平台」。",
        "2024年ABC 123 mixed　全角空格\n换行 ",
    ]
    rng = random.Random(3)  # fuzz: Chinese, ASCII runs, punctuation and spaces mixed at random
    pool = "中国银行证券基金牵头申报2024-10.5%abcXYZ的了，。 \n“”AT&T+#_C++（）"
    out += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 80))) for _ in range(200)]
    out.append("价格为3.5%，e-CNY与A股、T恤、B超 20GW LNG a.b-c 1.2.3 ... --x utf-8 1.html")
    corpus = SHARED / "corpus" / "dev"
    if corpus.is_dir():
        for p in sorted(corpus.glob("*.txt")):
            out.append(p.read_text(encoding="utf-8"))
        for line in (corpus / "dev-batch.jsonl").read_text(encoding="utf-8").splitlines():
            out.append(json.loads(line)["html"])
    return out


@pytest.mark.parametrize("text", texts())
def test_when_same_lexicon_then_rjieba_tokens_equal_jieba_tokens(segmenters: tuple[Segmenter, Segmenter],
                                                                 text: str) -> None:
    fast, reference = segmenters
    assert fast.cut(text) == reference.cut(text)


def test_when_pipeline_is_built_then_global_jieba_is_untouched(nlp: object) -> None:
    import jieba

    assert not jieba.dt.initialized or "中证机构间报价系统股份有限公司" not in jieba.dt.FREQ


def test_when_tokenizing_then_tokens_cover_the_text_exactly(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "中國銀行（香港）有限公司牽頭，聯合香港科技大學申報。"
    doc = nlp.make_doc(text)
    assert doc.text == text
    assert "".join(t.text for t in doc) == text


def test_when_rjieba_is_loaded_without_its_default_instance_then_it_still_imports_normally() -> None:
    # Segmenter loads jieba-rs's class without running rjieba/__init__.py (start-up time); a later
    # ``import rjieba`` by anyone else must still work and use the same class
    import subprocess
    import sys

    code = ("from pipeline.segment import Segmenter, _rjieba_class; import sys; "
            "cls = _rjieba_class(); assert 'rjieba' not in sys.modules, 'package ran'; "
            "s = Segmenter([('星途数智', None, None)]); "
            "import rjieba; assert rjieba.Jieba is cls; "
            "print(s.words('深圳市星途数智科技'), rjieba.cut('中国工商银行'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['深圳市', '星途数智', '科技'] ['中国工商银行']"
