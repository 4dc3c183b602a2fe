"""pipeline.clean: bytes -> Article (decoding, format by content, HTML cleaning, joins, metadata)."""
from __future__ import annotations

import codecs
import importlib.util
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pipeline.clean import clean, decode, load_rules
from pipeline.errors import InputError, RuleError
from pipeline.records import Article

MODELS = Path(__file__).resolve().parents[1] / "models"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_55cba44dae8bb6cf.txt"
DEV = SHARED / "corpus" / "dev"

BODY = (
    "永安期货股份有限公司申请的“期货公司场外衍生品交易对手信用风险计量系统”排在首位。"
    "中信期货方面表示，灾备平台将采用两地三中心架构，确保在极端情况下交易柜台能够在30秒内完成切换。"
    "中粮期货相关人士表示，课题将把保单、期货头寸和理赔数据纳入同一平台管理。"
)
TRADITIONAL = (
    "由中國銀行（香港）有限公司牽頭，聯合香港數碼港管理有限公司、香港科技大學申報的"
    "「代幣化存款跨境結算試點」備受關注。中銀香港有關負責人表示，項目將測試代幣化存款與數碼港元之間的互通。"
)


def run(raw: bytes | str, *, metadata: Mapping[str, object] | None = None) -> Article:
    """clean() with the rule data of this work tree (the package may not be installed)."""
    return clean(raw, article_id="t", models_dir=MODELS, metadata=metadata)


def text_of(raw: bytes | str) -> str:
    return run(raw).text


def lines_of(raw: bytes | str) -> list[str]:
    return text_of(raw).split("\n")


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path} (expected beside the work tree)")
    return path


# --- decoding ----------------------------------------------------------------------------------


def _page(charset_tag: str, body: str) -> str:
    return f"<!DOCTYPE html><html><head>{charset_tag}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("raw", "codec", "expected"),
    [
        pytest.param(BODY.encode("utf-8"), "utf-8", BODY, id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + BODY.encode("utf-8"), "utf-8-sig", BODY, id="utf-8-bom"),
        pytest.param(_page('<meta charset="gbk">', BODY).encode("gbk"), "gb18030", BODY, id="gbk-meta"),
        pytest.param(
            _page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', BODY)
            .encode("gb2312"),
            "gb18030", BODY, id="gb2312-http-equiv",
        ),
        pytest.param(BODY.encode("gbk"), "gb18030", BODY, id="gbk-no-meta"),
        pytest.param(TRADITIONAL.encode("big5"), "big5", TRADITIONAL, id="big5-no-meta"),
        pytest.param(_page('<meta charset="big5">', TRADITIONAL).encode("big5"), "big5", TRADITIONAL,
                     id="big5-meta"),
        pytest.param(codecs.BOM_UTF16_LE + BODY.encode("utf-16-le"), "utf-16-le", BODY, id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + BODY.encode("utf-16-be"), "utf-16-be", BODY, id="utf-16-be-bom"),
        pytest.param(  # a wrong declaration: the bytes are valid UTF-8
            _page('<meta charset="gbk">', BODY).encode("utf-8"), "utf-8", BODY, id="utf-8-declared-gbk",
        ),
    ],
)
def test_when_bytes_are_in_an_encoding_then_the_text_decodes(raw: bytes, codec: str, expected: str) -> None:
    article = run(raw)
    assert article.text == expected
    assert article.encoding.startswith(codec)


def test_when_decode_is_called_then_it_returns_text_and_codec() -> None:
    assert decode("中文".encode("gbk") * 20, source="x") == ("中文" * 20, "gb18030")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(b"", "E102", id="empty"),
        pytest.param(b" \n\t\r\n ", "E102", id="whitespace"),
        pytest.param(codecs.BOM_UTF8 + b"  \n", "E102", id="bom-then-whitespace"),
        pytest.param("   \n　", "E102", id="str-whitespace"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "E103", id="png"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00" + b"\x01\x02\x03" * 200, "E103", id="zip"),
        pytest.param(bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 100, "E103", id="control-bytes"),
        pytest.param(bytes(range(0x80, 0x100)) * 4, "E101", id="undecodable"),
        pytest.param(b"<p>hello</p>", "E103", id="no-text"),
        pytest.param("<html><body><nav>首页 要闻</nav></body></html>", "E103", id="only-boilerplate"),
    ],
)
def test_when_input_is_bad_then_a_coded_input_error_names_it(raw: bytes | str, code: str) -> None:
    with pytest.raises(InputError) as err:
        clean(raw, article_id="a1", input="data/a1.html", models_dir=MODELS)
    assert err.value.code == code
    message = str(err.value)
    assert message.startswith(f"[{code}] data/a1.html")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("raw", "codec", "expected"),
    [
        pytest.param(BODY.encode("utf-8")[:-1], "utf-8", BODY[:-1] + "\ufffd", id="utf-8-truncated"),
        pytest.param(BODY.encode("utf-8").replace("灾备".encode(), b"\xff\xfe\xfd"), "utf-8",
                     BODY.replace("灾备", "\ufffd\ufffd\ufffd"), id="utf-8-bad-bytes"),
        pytest.param(_page('<meta charset="gbk">', BODY).encode("gbk").replace("灾".encode("gbk"), b"\xff"),
                     "gb18030", BODY.replace("灾", "\ufffd"), id="gbk-declared-bad-byte"),
    ],
)
def test_when_a_few_bytes_are_broken_then_the_rest_is_kept(raw: bytes, codec: str, expected: str) -> None:
    article = run(raw)
    assert (article.encoding, article.text) == (codec, expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(f"<p>{BODY}中文\x01正文\x7f测试\x85内容</p>", f"{BODY}中文正文测试内容",
                     id="controls-dropped"),
        pytest.param("<p>中文正文\ud800测试</p>", "中文正文\ufffd测试", id="lone-surrogate"),
        pytest.param("<p>零\u200b宽\ufeff字\u00ad符</p>", "零宽字符", id="invisible-dropped"),
        pytest.param("<?xml version='1.0' encoding='utf-8'?>\n<html><body><p>中文正文</p></body></html>",
                     "中文正文", id="xhtml-declaration"),
    ],
)
def test_when_text_has_odd_characters_then_they_are_cleaned_without_warnings(raw: str, expected: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert text_of(raw) == expected


# --- format by content -------------------------------------------------------------------------

FRONT = """---
title: '首批16个金融科技试点项目公布，8家券商榜上有名'
categories:
 - 金融
 - 财联社
author: 财联社
date: Fri, 19 Nov 2021 12:04:46 GMT
---

<div>
<div class="m-b-10"><p><strong>财联社（上海，记者 刘超凤）讯</strong>，11月19日，证监会公布第一批\
16个资本市场金融科技创新试点项目。</p>
<p><img src="https://img.cls.cn/images/20211119/aVI95G7x2c.png" alt="image"></p>
<p>据悉，此次创新试点是为推动证券期货行业金融科技稳妥发展。</p></div>
</div>
"""


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "首批16个金融科技试点项目公布，8家券商榜上有名"),
        ("author", "财联社"),
        ("published", "Fri, 19 Nov 2021 12:04:46 GMT"),
        ("categories", ("金融", "财联社")),
        ("text", "财联社（上海，记者 刘超凤）讯，11月19日，证监会公布第一批16个资本市场金融科技"
                 "创新试点项目。\n据悉，此次创新试点是为推动证券期货行业金融科技稳妥发展。"),
    ],
)
def test_when_front_matter_precedes_html_in_a_txt_file_then_both_are_used(
    field: str, expected: object
) -> None:
    article = clean(FRONT.encode("utf-8"), article_id="x", input="in/x.txt", models_dir=MODELS)
    assert getattr(article, field) == expected


@pytest.mark.parametrize(
    "front",
    [
        "---\ntitle: [unclosed\n---\n",  # not YAML
        "---\n- a list\n- not a mapping\n---\n",
        "---\njust a string\n---\n",
    ],
)
def test_when_front_matter_is_broken_then_the_body_is_kept_and_the_metadata_ignored(front: str) -> None:
    article = run(front + f"<p>{BODY}</p>")
    assert article.text == BODY
    assert article.title == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(f"<div><p>{BODY}</p></div>", BODY, id="fragment"),
        pytest.param(f"第一段{BODY}<br>第二段。", f"第一段{BODY}\n第二段。", id="br-fragment"),
        pytest.param(f"{BODY}\n\n  第二段。  \r\n", f"{BODY}\n第二段。", id="plain-text"),
        pytest.param(f"<!DOCTYPE html><html><body><p>{BODY}</p></body></html>", BODY, id="page"),
        pytest.param(f"{BODY}\n价格 a<b 且 c>d。", f"{BODY}\n价格 a<b 且 c>d。", id="plain-with-angles"),
    ],
)
def test_when_format_is_decided_by_content_then_the_text_is_right(raw: str, expected: str) -> None:
    assert text_of(raw) == expected


# --- full pages ----------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>深交所公布金融科技联合攻关项目立项结果_证券时报网</title>
<meta property="og:site_name" content="证券时报">
<meta name="author" content="佚名">
<script>var site = "平安银行脚本";</script>
<style>.x{color:red}</style>
</head><body>
<div class="top-nav"><ul><li><a href="/">首页导航</a></li><li><a href="/bank/">银行频道</a></li></ul></div>
<div class="breadcrumb"><a href="/">首页</a> &gt; 正文面包屑</div>
<div class="main">
<h1 class="article-title">深交所公布金融科技联合攻关项目立项结果</h1>
<div class="article-info"><span class="source">来源：证券时报网</span>
<span class="time">2024-06-06 18:22</span> <span class="author">作者：黄思远</span></div>
<div class="shareBar"><span>分享到：</span><a href="#">微信分享</a></div>
<div {content}>
<p>证券时报网讯（记者 黄思远）6月6日，深圳证券交易所公布2024年度金融科技联合攻关项目立项结果，\
共有6个项目获准立项。</p>
<div class="ad-box">广告招商银行理财</div>
<p>国信证券股份有限公司牵头的项目入选，恒生电子股份有限公司作为联合申报单位参与。</p>
</div>
<div class="editor">责任编辑：李楠</div>
<div class="related-news"><h3>相关阅读</h3><ul><li><a href="#">平安银行：持续推进零售业务数字化经营</a></li>
<li><a href="#">招商证券发布年度科技投入报告</a></li></ul></div>
<div id="comments"><p>网友评论：中信证券和广发证券都很好，值得长期持有关注。</p></div>
</div>
<footer><p>Copyright 2008-2024 证券时报网 版权所有</p></footer>
<div class="footer"><p>关于我们 | 联系我们 | 法律声明</p></div>
</body></html>"""

BOILERPLATE = ["首页导航", "银行频道", "正文面包屑", "微信分享", "广告招商银行理财", "责任编辑", "相关阅读",
               "平安银行", "招商证券发布", "网友评论", "Copyright", "关于我们", "平安银行脚本", "color:red",
               "深交所公布金融科技联合攻关项目立项结果", "来源", "2024-06-06"]
CONTENT = [
    'class="article-content"',
    'class="article_content clearfix"',
    'class="articleContent"',
    'class="TRS_Editor"',
    'id="content"',
]


@pytest.mark.parametrize("content", CONTENT)
@pytest.mark.parametrize("junk", BOILERPLATE)
def test_when_a_full_page_is_cleaned_then_boilerplate_is_absent(content: str, junk: str) -> None:
    assert junk not in text_of(PAGE.replace("{content}", content))


@pytest.mark.parametrize("content", [*CONTENT, 'class="plain"'])
def test_when_a_full_page_is_cleaned_then_only_the_main_content_is_kept(content: str) -> None:
    assert lines_of(PAGE.replace("{content}", content)) == [
        "证券时报网讯（记者 黄思远）6月6日，深圳证券交易所公布2024年度金融科技联合攻关项目立项结果，"
        "共有6个项目获准立项。",
        "国信证券股份有限公司牵头的项目入选，恒生电子股份有限公司作为联合申报单位参与。",
    ]


def test_when_a_page_has_an_article_element_and_no_content_class_then_it_is_the_content() -> None:
    page = (f"<html><body><div><p>侧栏推广：{BODY}</p><p>{BODY}</p></div>"
            f"<article><p>正文第一段。</p><p>正文第二段。</p></article></body></html>")
    assert text_of(page) == "正文第一段。\n正文第二段。"


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "深交所公布金融科技联合攻关项目立项结果"),
        ("published", "2024-06-06 18:22"),
        ("author", "黄思远"),
        ("source", "证券时报网"),
    ],
)
def test_when_a_full_page_has_metadata_then_it_is_read(field: str, expected: str) -> None:
    article = run(PAGE.replace("{content}", 'class="article-content"'))
    assert getattr(article, field) == expected


@pytest.mark.parametrize(
    ("head", "field", "expected"),
    [
        ('<title>某某项目公布_证券时报网</title>', "title", "某某项目公布"),
        ('<title>某某项目公布 - 新浪财经</title>', "title", "某某项目公布"),
        ('<title>某某项目公布 - 新浪财经</title>', "source", "新浪财经"),
        ('<meta property="article:published_time" content="2024-06-06T18:22:00+08:00">', "published",
         "2024-06-06T18:22:00+08:00"),
        ('<meta name="author" content="张三">', "author", "张三"),
        ('<meta property="og:site_name" content="第一财经">', "source", "第一财经"),
    ],
)
def test_when_a_page_has_only_head_metadata_then_it_is_read(head: str, field: str, expected: str) -> None:
    page = f"<html><head>{head}</head><body><div class='content'><p>{BODY}</p></div></body></html>"
    assert getattr(run(page), field) == expected


DEEP_PAGE = ("<html><head><title>深层页面_某网站</title></head><body>" + "<div>" * 600
             + f"<div class='article-content'><p>{BODY}</p></div><span class='time'>2024-01-02</span>"
             + "<p>作者：王五</p><h1>深层页面</h1>" + "</div>" * 600 + "</body></html>")


@pytest.mark.parametrize(
    ("field", "expected"),
    [("text", BODY), ("title", "深层页面"), ("published", "2024-01-02"), ("author", "王五"), ("source", "某网站")],
)
def test_when_a_page_is_deeper_than_libxml2s_tree_then_content_and_metadata_are_read(
    field: str, expected: str
) -> None:
    assert getattr(run(DEEP_PAGE), field) == expected


@pytest.mark.parametrize(
    ("info", "field", "expected"),
    [
        pytest.param('<script>document.write("来源：脚本网");</script><span>来源：证券时报</span>', "source",
                     "证券时报", id="script-label-ignored"),
        pytest.param('<template><p>作者：模板</p></template><p>作者：张三</p>', "author", "张三",
                     id="template-label-ignored"),
        pytest.param("<span>来源：<a href='#'>新华社</a></span>", "source", "新华社", id="label-value-in-link"),
    ],
)
def test_when_a_page_has_labels_then_only_text_labels_count(info: str, field: str, expected: str) -> None:
    page = f"<html><body><div class='info'>{info}</div><div class='content'><p>{BODY}</p></div></body></html>"
    assert getattr(run(page), field) == expected


def test_when_a_page_goes_on_after_its_end_tag_then_the_text_is_the_body_and_the_metadata_counts() -> None:
    page = (f"<html><body><div class='content'><p>{BODY}</p></div></body></html>\n"
            "<div>作者：页尾</div><p>页尾的文字。</p>")
    article = run(page)
    assert (article.text, article.author) == (BODY, "页尾")


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "给定标题"), ("published", "2024-01-02"), ("url", "https://x.cn/a.html"), ("author", "李四"),
     ("source", "给定来源")],
)
def test_when_metadata_is_given_then_it_wins_over_the_page_and_front_matter(field: str, value: str) -> None:
    page = "---\ntitle: 前置标题\nauthor: 前置作者\ndate: 2020-01-01\n---\n" + PAGE.replace(
        "{content}", 'class="article-content"')
    assert getattr(run(page, metadata={field: value}), field) == value


# --- structure: headings, joins, lines -----------------------------------------------------------

LONG = "证券业方面，招商证券股份有限公司和国信证券股份有限公司联合申报的系统进入测试名单，审核时间压缩至"


HEADINGS = [
    pytest.param("<h2>券商项目聚焦合规</h2><p>国泰君安证券申报的系统入选。</p>",
                 ["券商项目聚焦合规", "国泰君安证券申报的系统入选。"], id="h2"),
    pytest.param("<p><strong>首批金融科技试点项目</strong></p><p>11月19日，证监会公布名单。</p>",
                 ["首批金融科技试点项目", "11月19日，证监会公布名单。"], id="strong-p"),
    pytest.param("<p> <b>中信建投牵头两个项目</b> </p><p>首批试点的机构中。</p>",
                 ["中信建投牵头两个项目", "首批试点的机构中。"], id="b-p-with-spaces"),
    pytest.param("<p><strong>财联社（上海，记者 刘超凤）讯</strong>，11月19日，证监会公布名单。</p>",
                 ["财联社（上海，记者 刘超凤）讯，11月19日，证监会公布名单。"],
                 id="leading-strong-inline"),
    pytest.param(f"<p>{LONG}</p><h3>小标题</h3><p>2分钟以内。</p>", [LONG, "小标题", "2分钟以内。"],
                 id="heading-blocks-join"),
    pytest.param(f"<p>{LONG}</p><p><strong>小标题</strong></p>", [LONG, "小标题"],
                 id="strong-heading-not-joined"),
]


@pytest.mark.parametrize(("html", "expected"), HEADINGS)
def test_when_a_heading_is_marked_up_then_it_is_a_line_of_its_own(html: str, expected: list[str]) -> None:
    assert lines_of(html) == expected


JOINS = [
    pytest.param(f"<p>{LONG}</p><p>2分钟以内，同时识别违规行为。</p>",
                 [LONG + "2分钟以内，同时识别违规行为。"], id="split-mid-sentence"),
    pytest.param(f"<p>{LONG}</p>\n\n<p>2分钟以内。</p><p>{LONG}</p><p>3分钟。</p>",
                 [LONG + "2分钟以内。", LONG + "3分钟。"], id="two-splits"),
    pytest.param("<p>21世纪经济报道记者 林嘉 深圳报道</p>"
                 "<p>在中国人民银行深圳市分行的指导下，6个项目入盒。</p>",
                 ["21世纪经济报道记者 林嘉 深圳报道", "在中国人民银行深圳市分行的指导下，6个项目入盒。"],
                 id="byline-without-comma"),
    pytest.param("<p>记者 张三，实习生 李四</p><p>在中国人民银行深圳市分行的指导下，6个项目入盒。</p>",
                 ["记者 张三，实习生 李四", "在中国人民银行深圳市分行的指导下，6个项目入盒。"],
                 id="short-byline-with-comma"),
    pytest.param(f"<p>{LONG}。</p><p>下一段。</p>", [LONG + "。", "下一段。"], id="sentence-final"),
    pytest.param(f"<p>{LONG}”</p><p>下一段。</p>", [LONG + "”", "下一段。"], id="closing-quote"),
    pytest.param("<p>入选名单中的前三个项目，均由多家机构联合申请：</p><p>1.“甲项目”，申请机构：甲银行</p>"
                 "<p>2.“乙项目”，申请机构：乙银行、丙大学</p><p>据介绍，两个项目均已完成测试。</p>",
                 ["入选名单中的前三个项目，均由多家机构联合申请：", "1.“甲项目”，申请机构：甲银行",
                  "2.“乙项目”，申请机构：乙银行、丙大学", "据介绍，两个项目均已完成测试。"],
                 id="numbered-list"),
    pytest.param(f"<ul><li>{LONG}</li><li>2分钟以内。</li></ul>", [LONG, "2分钟以内。"], id="list-items"),
    pytest.param(f"<ol><li><p>{LONG}</p></li><li><p>2分钟以内。</p></li></ol>", [LONG, "2分钟以内。"],
                 id="paragraphs-in-list-items"),
    pytest.param(f"<p>{LONG}</p><p>3.5亿元，同时识别违规行为。</p>",
                 [LONG + "3.5亿元，同时识别违规行为。"], id="decimal-is-no-list-marker"),
    pytest.param(f"<p>{LONG}<br>2分钟以内。</p>", [LONG, "2分钟以内。"], id="br-is-deliberate"),
]


@pytest.mark.parametrize(("html", "expected"), JOINS)
def test_when_paragraphs_are_split_then_only_mid_sentence_splits_are_joined(
    html: str, expected: list[str]
) -> None:
    assert lines_of(html) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(f"标题一行\n{LONG}\n2分钟以内。", ["标题一行", LONG + "2分钟以内。"], id="joined"),
        pytest.param(f"标题一行\n\n{LONG}\n\n2024-10-15 09:12　来源：经济参考报",
                     ["标题一行", LONG, "2024-10-15 09:12　来源：经济参考报"], id="dateline-not-joined"),
        pytest.param("某银行牵头，多家机构参与的项目公布\n2024-10-15　经济参考报\n正文。",
                     ["某银行牵头，多家机构参与的项目公布", "2024-10-15　经济参考报", "正文。"],
                     id="title-not-joined"),
    ],
)
def test_when_plain_text_lines_are_split_then_the_same_join_rule_applies(
    text: str, expected: list[str]
) -> None:
    assert lines_of(text) == expected


LINE_STRUCTURE = [
    pytest.param("<p>项目名称：甲系统<br>牵头单位：甲公司<br/>联合申报单位：乙公司、丙大学</p>",
                 ["项目名称：甲系统", "牵头单位：甲公司", "联合申报单位：乙公司、丙大学"], id="br-lines"),
    pytest.param("<p>项目名称：甲系统　牵头单位：甲公司　联合申报单位：无　</p>",
                 ["项目名称：甲系统　牵头单位：甲公司　联合申报单位：无"], id="full-width-spaces-kept"),
    pytest.param("<p>　　首行缩进的段落。　</p>", ["首行缩进的段落。"], id="full-width-stripped-at-ends"),
    pytest.param("<p>A&nbsp;&nbsp;股   市场\t 回暖\n 2024</p>", ["A 股 市场 回暖 2024"],
                 id="nbsp-and-ascii-collapsed"),
    pytest.param("<p>中国人民\n  银行深圳市分行</p>", ["中国人民银行深圳市分行"], id="cjk-segment-break"),
    pytest.param("<div>甲<span>乙</span><em>丙</em>丁</div>", ["甲乙丙丁"], id="inline-no-break"),
    pytest.param("<table><tr><td>项目名称</td><td>甲系统</td></tr>"
                 "<tr><th>牵头单位</th><td>甲公司</td></tr></table>",
                 ["项目名称　甲系统", "牵头单位　甲公司"], id="table-rows"),
    pytest.param("<table><tr><td>1</td><td>甲系统</td><td>甲公司<br>乙大学<br></td><td>金融服务</td></tr></table>",
                 ["1　甲系统　甲公司、乙大学　金融服务"], id="br-inside-a-cell-lists"),
    pytest.param("<div>外层文字<p>内层段落。</p>尾部文字</div>", ["外层文字", "内层段落。", "尾部文字"],
                 id="nested-blocks"),
    pytest.param("<pre>第一行\n第二行</pre>", ["第一行", "第二行"], id="pre"),
    pytest.param('<p>正文。<span style="display: none">隐藏文字</span></p><p hidden>也隐藏</p>',
                 ["正文。"], id="hidden"),
    pytest.param("<p>正文<!-- 注释 -->。<script>alert(1)</script></p>", ["正文。"], id="comment-script"),
    pytest.param("<p>２０２４年e\u0301</p>", ["２０２４年\u00e9"], id="nfc-not-nfkc"),
    pytest.param("<p>第一段文字<!DOCTYPE html>接着写</p>", ["第一段文字接着写"], id="stray-doctype"),
    pytest.param("<ruby>银<rt>yín</rt></ruby>行<template><p>模板</p></template>", ["银yín行"],
                 id="ruby-kept-template-dropped"),
]


@pytest.mark.parametrize(("html", "expected"), LINE_STRUCTURE)
def test_when_html_has_line_structure_then_lines_follow_blocks(html: str, expected: list[str]) -> None:
    assert lines_of(html) == expected


# libxml2's tree stops at 256 levels (and at 10 MB of text): such documents are built from the
# parser's events instead, and must clean the same.
DEEP = "<div>" * 300


@pytest.mark.parametrize(("html", "expected"), [*HEADINGS, *JOINS, *LINE_STRUCTURE])
def test_when_a_document_is_deeper_than_libxml2s_tree_then_its_lines_are_the_same(
    html: str, expected: list[str]
) -> None:
    assert lines_of(DEEP + html) == expected


def test_when_a_page_is_deeply_nested_then_it_is_cleaned_without_recursion() -> None:
    html = "<div>" * 3000 + f"<p>{BODY}</p>" + "</div>" * 3000
    assert text_of(html) == BODY


# --- the shared corpus --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> Article:
    path = shared(SEED)
    return clean(path.read_bytes(), article_id=path.stem, input=str(path), models_dir=MODELS)


@pytest.mark.parametrize(
    "fragment",
    [
        "均是以融资类业务为着力点",
        "中诚信牵头的“基于隐私计算的债券估值体系建设项目”",
        "财联社（上海，记者 刘超凤）讯，11月19日",
    ],
)
def test_when_the_seed_is_cleaned_then_split_sentences_are_whole(seed: Article, fragment: str) -> None:
    assert fragment in seed.text


@pytest.mark.parametrize(
    "heading", ["首批金融科技试点项目", "中信建投牵头两个项目", "公募基金金融科技牵头项目最多"]
)
def test_when_the_seed_is_cleaned_then_headings_are_lines_of_their_own(seed: Article, heading: str) -> None:
    assert heading in seed.text.split("\n")


@pytest.mark.parametrize("leftover", ["img", "http", "<", ">", "referrerpolicy", "title:", "---"])
def test_when_the_seed_is_cleaned_then_no_markup_is_left(seed: Article, leftover: str) -> None:
    assert leftover not in seed.text


def test_when_the_seed_is_cleaned_then_front_matter_fills_the_metadata(seed: Article) -> None:
    assert seed.title.startswith("首批16个金融科技试点项目公布")
    assert seed.categories == ("金融", "财联社", "深度")
    assert seed.encoding == "utf-8"
    assert not seed.traditional


@pytest.mark.parametrize(
    ("name", "field", "check"),
    [
        ("dev07.html", "encoding", lambda v: v == "gb18030"),
        ("dev07.html", "text", lambda v: "永安期货股份有限公司" in v),
        ("dev07.html", "text", lambda v: "5.“农产品‘保险+期货’全流程数字化管理平台”" in v.split("\n")[7]),
        ("dev06.html", "text", lambda v: "相关阅读" not in v and "平安银行：持续推进" not in v),
        ("dev06.html", "text", lambda v: "责任编辑" not in v and "Copyright" not in v and "shareTo" not in v),
        ("dev06.html", "text", lambda v: "项目名称：公募基金投资者适当性智能匹配服务　牵头单位："
                                        "南方基金管理股份有限公司　联合申报单位：无" in v.split("\n")),
        ("dev06.html", "text", lambda v: "牵头单位：深圳证券信息有限公司" in v.split("\n")),
        ("dev06.html", "title",
         lambda v: v == "深交所公布2024年度金融科技联合攻关项目立项结果 6个项目获准立项"),
        ("dev02.md", "text", lambda v: "从平均8分钟压缩至2分钟以内，同时" in v),
        ("dev02.md", "text", lambda v: v.split("\n")[0] == "21世纪经济报道记者 林嘉 深圳报道"),
        ("dev11.txt", "traditional", lambda v: v is True),
        ("dev10.txt", "traditional", lambda v: v is False),
        ("dev10.txt", "title",
         lambda v: v == "重庆公布第二批绿色金融改革创新项目 碳资产质押、光伏收益权融资受关注"),
        ("dev10.txt", "source", lambda v: v == "经济参考报"),
        ("dev10.txt", "text", lambda v: v.split("\n")[:3] == [
            "重庆公布第二批绿色金融改革创新项目 碳资产质押、光伏收益权融资受关注",
            "2024-10-15 09:12　来源：经济参考报", "本报记者 罗晓 重庆报道"]),
        ("dev11.txt", "source", lambda v: v == "香港經濟日報"),
        ("dev12.txt", "source", lambda v: v == "第一财经"),
        ("dev12.txt", "text", lambda v: "牵头单位：中信信托有限责任公司" in v.split("\n")),
    ],
)
def test_when_a_dev_article_is_cleaned_then_it_is_as_expected(
    name: str, field: str, check: Callable[[object], bool]
) -> None:
    path = shared(DEV / name)
    article = clean(path.read_bytes(), article_id=path.stem, input=str(path), models_dir=MODELS)
    assert check(getattr(article, field))


# --- rule data ----------------------------------------------------------------------------------

GOOD_RULES = "drop_tags: [script]\nboilerplate_class_id: [nav]\ncontent_class_id: [content]\n"


@pytest.mark.parametrize(
    ("yaml_text", "code", "line"),
    [
        pytest.param(GOOD_RULES + "drop_tag: [x]\n", "E203", 4, id="unknown-key"),
        pytest.param("drop_tags: [script]\nboilerplate_class_id:\n  - nav\n  - 'ad(['\n"
                     "content_class_id: [c]\n", "E205", 4, id="bad-regex"),
        pytest.param("drop_tags: [script]\nboilerplate_class_id: [nav]\ncontent_class_id: ['(?P<x>c)']\n",
                     "E205", 3, id="named-group"),
        pytest.param("drop_tags: script\nboilerplate_class_id: [nav]\ncontent_class_id: [c]\n", "E201", 1,
                     id="not-a-list"),
        pytest.param("drop_tags: [script]\ncontent_class_id: [c]\n", "E201", 1, id="missing-key"),
        pytest.param("drop_tags: [script, 'Bad Tag']\nboilerplate_class_id: [nav]\ncontent_class_id: [c]\n",
                     "E204", 1, id="bad-tag"),
        pytest.param("drop_tags: [script]\nboilerplate_class_id: [nav, nav]\ncontent_class_id: [c]\n",
                     "E206", 2, id="duplicate"),
        pytest.param("drop_tags: [script\n", "E201", 2, id="not-yaml"),
        pytest.param(GOOD_RULES + "drop_tags: [style]\n", "E206", 4, id="duplicate-key"),
    ],
)
def test_when_the_rule_file_is_broken_then_a_coded_rule_error_names_file_and_line(
    tmp_path: Path, yaml_text: str, code: str, line: int
) -> None:
    (tmp_path / "cleaning.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    assert err.value.code == code
    assert f"cleaning.yaml:{line}:" in str(err.value)


def test_when_the_rule_file_is_missing_then_e202(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    assert err.value.code == "E202"


def test_when_rules_are_loaded_twice_from_a_folder_then_the_cached_object_is_returned(tmp_path: Path) -> None:
    (tmp_path / "cleaning.yaml").write_text(GOOD_RULES, encoding="utf-8")
    assert load_rules(tmp_path) is load_rules(tmp_path)
    assert load_rules(MODELS) is not load_rules(tmp_path)


def test_when_models_dir_is_given_then_its_rules_are_used(tmp_path: Path) -> None:
    (tmp_path / "cleaning.yaml").write_text(
        "drop_tags: [script]\nboilerplate_class_id: [secret]\ncontent_class_id: [body-text]\n",
        encoding="utf-8",
    )
    page = (f"<html><body><div class='body-text'><p>{BODY}</p>"
            "<p class='secret'>机密段落。</p></div></body></html>")
    assert clean(page, article_id="x", models_dir=tmp_path).text == BODY
    assert "机密段落。" in clean(page, article_id="x", models_dir=MODELS).text


def test_when_the_package_is_installed_then_the_packaged_rules_load() -> None:
    if importlib.util.find_spec("pipeline.models") is None:
        pytest.skip("pipeline.models is not importable: the project is not installed (make install)")
    assert "script" in load_rules().drop_tags


def test_when_the_transport_declares_a_charset_then_it_is_tried_first() -> None:
    from pipeline.clean import decode

    raw = "香港金融管理局公布數碼港元試點名單，中國銀行（香港）有限公司牽頭。".encode("big5")
    text, codec = decode(raw, source="crawl.warc#1", declared="big5")
    assert codec.startswith("big5") and "香港金融管理局" in text


def test_when_a_line_is_printable_then_it_holds_nothing_the_space_rules_change() -> None:
    # pipeline.clean._tidy skips _spaces() and the whitespace regexes for a printable line
    from pipeline.clean import _SPACES

    assert not any(chr(cp).isprintable() for cp in _SPACES)
    assert not any(ch.isprintable() for ch in "\t\n\r\f\v")
    assert text_of(f"<p>{BODY[:40]}  \u00a0\t{BODY[40:]}\u200b</p>") == BODY[:40] + " " + BODY[40:]
    assert text_of(f"<p>{BODY[:40]}  \u00a0\t\n{BODY[40:]}</p>") == BODY  # a line break between CJK


@pytest.mark.parametrize("extra", ["", "國", "國銀", "國銀機構實", "國銀機構實行", "\U00020000" * 6, "😀" * 5 + "國"])
def test_when_few_traditional_characters_are_found_then_the_exact_test_agrees(extra: str) -> None:
    # is_traditional counts exactly only when a regex finds enough candidates: compare with the count
    from pipeline.script import _CJK, MIN_CHANGED, MIN_SHARE, _traditional_ideographs, is_traditional

    def exact(text: str) -> bool:
        n_cjk = len(_CJK.findall(text))
        changed = sum(ch in _traditional_ideographs() for ch in text)
        return n_cjk >= MIN_CHANGED and changed >= MIN_CHANGED and changed >= MIN_SHARE * n_cjk

    for text in (extra, BODY[:30] + extra, TRADITIONAL + extra, extra * 40 + BODY[:20]):
        assert is_traditional(text) == exact(text)
