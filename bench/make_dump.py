"""Build a synthetic dump of N articles for the benchmark: the samples plus generated articles.

Generated articles are full HTML pages (with navigation, share bars, related news and footers)
whose body mixes sentences with the constructions finnews handles (real institution names from the
gazetteer, invented project names) and background sentences, calibrated to the development corpus:
about 1,100 characters of text, ~25 institution mentions per 1,000 characters and ~6 projects per
article. Deterministic for a given seed.

    python bench/make_dump.py N OUT_DIR [--seed 7]
"""
from __future__ import annotations

import argparse
import csv
import random
from importlib import resources
from pathlib import Path

TOPICS = ["基于大数据的", "基于区块链的", "面向小微企业的", "基于隐私计算的", "面向养老客户的", "基于知识图谱的",
          "跨境", "绿色", "数字人民币", "面向县域的", "基于联邦学习的", "智能"]
THEMES = ["信贷风控", "反洗钱监测", "投资者适当性", "供应链融资", "碳资产质押", "理赔审核", "交易监控", "客户画像",
          "合规质检", "数据共享", "资金监管", "支付结算"]
HEADS = ["平台", "系统", "服务", "试点", "项目", "工程", "解决方案"]
TEMPLATES = [
    "{a}申报的“{p}”获准进入测试，该项目将在限定范围内开展验证。",
    "由{a}牵头，联合{b}、{c}申报的“{p}”也在名单之列。",
    "在{a}牵头的“{p}”中，{b}和{c}作为联合申报单位。",
    "{a}、{b}共同申请的“{p}”入选，双方将基于真实业务场景开展测试。",
    "“{p}”由{a}牵头，{b}、{c}参与，拟在年内上线。",
    "{a}、{b}分别申报了“{p}”、“{q}”，两者均与数字化转型相关。",
    "{a}联合了3家机构申报了“{p}”。这三家机构分别是{b}、{c}和{d}。",
    "此外，{a}等申请的“{p}”也通过了评审。",
    "其中，{a}作为牵头行，{b}、{c}作为参贷行，为“{p}”提供银团贷款。",
]
BACKGROUND = [
    "{a}相关负责人表示，公司将继续加大科技投入，推动业务数字化转型。",
    "业内人士指出，监管部门对试点项目的风险控制能力提出了更高要求，单纯追求“新技术”的项目越来越难以入围。",
    "据了解，本批项目的征集工作于去年启动，经过材料审核、技术评估和现场答辩等环节产生。",
    "{a}方面透露，相关系统已在内部完成小范围测试，识别准确率超过九成。",
    "从申报主体看，城商行和农商行的参与度明显提升，科技公司更多以技术支持方的身份出现。",
    "测试期间一旦出现重大风险隐患，将立即启动退出程序，并做好消费者权益保护工作。",
    "此前，{a}、{b}和{c}等机构已在省内推广类似模式，但覆盖面主要集中在经济条件较好的地区。",
    "数据显示，上半年全省新增普惠小微贷款超过一千亿元，首贷户数量同比增长约两成。",
    "专家认为，数据要素市场化是大方向，但金融数据敏感度高，必须先把确权和合规问题想清楚。",
    "该负责人说，希望通过试点探索出一批可复制、可推广的经验，并适时组织评估验收。",
    "公示期满后，主管部门将对无异议的项目出具书面意见，并指导试点机构稳步推进测试。",
    "与往年相比，本批项目更加注重金融机构与高校、科研院所之间的协同。",
]
PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}_示例财经网</title>
<style>body{{margin:0}}</style><script>var cfg={{channel:"金融"}};</script></head><body>
<div class="top-nav"><ul><li><a href="/">首页</a></li><li><a href="/news/">要闻</a></li><li><a href="/bank/">银行</a></li></ul></div>
<div class="main"><h1 class="article-title">{title}</h1>
<div class="article-info"><span class="source">来源：示例财经网</span> <span class="time">2025-0{m}-1{d} 10:00</span></div>
<div class="share-bar"><a href="#">微信</a><a href="#">微博</a></div>
<div class="article-content">{body}</div>
<div class="related-news"><h3>相关阅读</h3><ul><li><a href="/1.html">{other}发布年度报告</a></li></ul></div></div>
<div class="footer"><p>Copyright 示例财经网 版权所有</p></div></body></html>
"""


def institutions() -> list[str]:
    path = Path(str(resources.files("pipeline.models"))) / "institutions.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["canonical"] for r in rows if r["type"] in ("bank", "securities", "fund", "insurer", "trust", "futures")]


def article(rng: random.Random, names: list[str], i: int) -> str:
    paragraphs = []
    for _ in range(rng.randint(9, 15)):
        sentences = []
        for _ in range(rng.randint(1, 3)):
            a, b, c, d = rng.sample(names, 4)
            p = rng.choice(TOPICS) + rng.choice(THEMES) + rng.choice(HEADS)
            q = rng.choice(TOPICS) + rng.choice(THEMES) + rng.choice(HEADS)
            pool = TEMPLATES if rng.random() < 0.25 else BACKGROUND
            sentences.append(rng.choice(pool).format(a=a, b=b, c=c, d=d, p=p, q=q))
        paragraphs.append("<p>" + "".join(sentences) + "</p>")
    title = f"第{i}批金融科技创新试点项目公布"
    return PAGE.format(title=title, body="\n".join(paragraphs), m=rng.randint(1, 9), d=rng.randint(0, 9),
                       other=rng.choice(names))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    samples = sorted(p for p in Path("samples").iterdir() if p.is_file())
    names = institutions()
    for i in range(args.n):
        if i < len(samples):
            (out / f"{i:06d}{samples[i].suffix}").write_bytes(samples[i].read_bytes())
        else:
            (out / f"{i:06d}.html").write_text(article(rng, names, i), encoding="utf-8")


if __name__ == "__main__":
    main()
