"""Relations and mentions, one table of small sentences per construction of the language.

Every sentence here is written for the test (other institutions and project names than the
development articles); each case states the complete set of (project, institution, role) triples
expected from it, so a missing relation and a spurious one both fail.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language

from pipeline.api import Extractor

Triple = tuple[str, str, str]
Relations = Callable[[str], set[Triple]]
Mentions = Callable[[str, str], set[str]]


def lead(project: str, institution: str) -> Triple:
    return (project, institution, "lead")


def co(project: str, institution: str) -> Triple:
    return (project, institution, "co_applicant")


def cases(*rows: tuple[str, set[Triple]] | tuple[str, set[str]]) -> list[tuple[str, object]]:
    """Rows of (text, expected); pytest numbers them (its ids escape Chinese text anyway)."""
    return list(rows)


# --- one applicant ---------------------------------------------------------------------------

SINGLE = cases(
    ("招商银行申报的“跨境贸易融资区块链平台”顺利通过评审。",
     {lead("跨境贸易融资区块链平台", "招商银行")}),
    ("浦发银行申请的“供应链票据智能风控系统”已进入测试阶段。",
     {lead("供应链票据智能风控系统", "浦发银行")}),
    ("华泰证券所申请的《基于知识图谱的投资者适当性管理系统》排在名单首位。",
     {lead("基于知识图谱的投资者适当性管理系统", "华泰证券")}),
    ("易方达基金的“养老目标基金智能投顾服务”也在名单之中。",
     {lead("养老目标基金智能投顾服务", "易方达基金")}),
    ("南京银行牵头的“小微企业数字信用贷款服务”备受关注。",
     {lead("小微企业数字信用贷款服务", "南京银行")}),
    ("浙江大学牵头申报的项目是“隐私计算联合建模平台”。",
     {lead("隐私计算联合建模平台", "浙江大学")}),
    ("兴业银行申报的项目为“海洋经济蓝色债券服务平台”。",
     {lead("海洋经济蓝色债券服务平台", "兴业银行")}),
    ("南京银行申报了「科创企业信用评价模型平台」。",
     {lead("科创企业信用评价模型平台", "南京银行")}),
    ("华泰证券（以下简称“华泰”）申报的“投顾业务合规智能质检系统”入选。",
     {lead("投顾业务合规智能质检系统", "华泰证券")}),
)


@pytest.mark.parametrize(("text", "expected"), SINGLE)
def test_when_one_institution_applies_then_it_leads(relations_of: Relations, text: str,
                                                     expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- coordination without a leader word ------------------------------------------------------

COORDINATED = cases(
    ("招商银行、浙江大学共同申请的“跨境电商结汇风险监测平台”入选。",
     {lead("跨境电商结汇风险监测平台", "招商银行"), co("跨境电商结汇风险监测平台", "浙江大学")}),
    ("华泰证券和南京银行联合申报的“科创企业综合金融服务平台”获批。",
     {lead("科创企业综合金融服务平台", "华泰证券"), co("科创企业综合金融服务平台", "南京银行")}),
    ("易方达基金与复旦大学合作的“基金投顾智能问答系统”进入公示。",
     {lead("基金投顾智能问答系统", "易方达基金"), co("基金投顾智能问答系统", "复旦大学")}),
    ("浦发银行、华泰证券、浙江大学等3家机构联合申报的“知识产权质押融资数字化试点”同样入选。",
     {lead("知识产权质押融资数字化试点", "浦发银行"), co("知识产权质押融资数字化试点", "华泰证券"),
      co("知识产权质押融资数字化试点", "浙江大学")}),
    ("招商银行、浦发银行和南京银行共同申报的“长三角跨境资金池管理平台”入选。",
     {lead("长三角跨境资金池管理平台", "招商银行"), co("长三角跨境资金池管理平台", "浦发银行"),
      co("长三角跨境资金池管理平台", "南京银行")}),
    ("华泰证券和其子公司华泰期货共同申报的“场内期权智能做市系统”入选。",
     {lead("场内期权智能做市系统", "华泰证券"), co("场内期权智能做市系统", "华泰期货")}),
)


@pytest.mark.parametrize(("text", "expected"), COORDINATED)
def test_when_institutions_are_coordinated_then_the_first_leads(relations_of: Relations, text: str,
                                                                 expected: set[Triple]) -> None:
    assert relations_of(text) == expected


ET_CETERA = cases(
    ("杭州银行等申请的“数字人民币智能合约缴费服务”也获准测试。",
     {lead("数字人民币智能合约缴费服务", "杭州银行")}),
    ("宁波银行等4家机构共同申报的“跨境电商出口退税融资平台”排在第二位。",
     {lead("跨境电商出口退税融资平台", "宁波银行")}),
)


@pytest.mark.parametrize(("text", "expected"), ET_CETERA)
def test_when_the_others_are_only_counted_then_only_the_named_one_leads(
        relations_of: Relations, text: str, expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- an explicit leader ------------------------------------------------------------------------

LED_AND_UNITED = cases(
    ("由浦发银行牵头，联合华泰证券、浙江大学申报的“长三角绿色债券信息披露平台”备受关注。",
     {lead("长三角绿色债券信息披露平台", "浦发银行"), co("长三角绿色债券信息披露平台", "华泰证券"),
      co("长三角绿色债券信息披露平台", "浙江大学")}),
    ("招商银行牵头并联合子公司招银理财申报了“理财产品穿透式风险监测系统”。",
     {lead("理财产品穿透式风险监测系统", "招商银行"), co("理财产品穿透式风险监测系统", "招银理财")}),
    ("在南京银行牵头的“普惠金融移动服务站项目”中，江苏银行和苏州银行作为联合申报单位。",
     {lead("普惠金融移动服务站项目", "南京银行"), co("普惠金融移动服务站项目", "江苏银行"),
      co("普惠金融移动服务站项目", "苏州银行")}),
)


@pytest.mark.parametrize(("text", "expected"), LED_AND_UNITED)
def test_when_a_leader_unites_others_then_they_co_apply(relations_of: Relations, text: str,
                                                         expected: set[Triple]) -> None:
    assert relations_of(text) == expected


LED_BY = cases(
    ("“农村集体资产数字化管理平台”由宁波银行牵头，浙江大学、杭州银行参与。",
     {lead("农村集体资产数字化管理平台", "宁波银行"), co("农村集体资产数字化管理平台", "浙江大学"),
      co("农村集体资产数字化管理平台", "杭州银行")}),
    ("“新市民安居金融服务试点”由兴业银行与华泰证券共同牵头，复旦大学参与。",
     {lead("新市民安居金融服务试点", "兴业银行"), lead("新市民安居金融服务试点", "华泰证券"),
      co("新市民安居金融服务试点", "复旦大学")}),
    ("“绿色建筑性能保险服务平台”由中国人寿保险股份有限公司牵头，复旦大学参与。",
     {lead("绿色建筑性能保险服务平台", "中国人寿"), co("绿色建筑性能保险服务平台", "复旦大学")}),
    # the lead as a role (作为牵头方), the others with 与/携手, the project named before or after
    ("“跨境电商出口退税融资平台”由宁波银行作为牵头方，与浙江大学共同申报。",
     {lead("跨境电商出口退税融资平台", "宁波银行"), co("跨境电商出口退税融资平台", "浙江大学")}),
    ("“智能投研知识图谱系统”也已入选，该项目由华泰证券作为牵头单位。",
     {lead("智能投研知识图谱系统", "华泰证券")}),
    ("厦门银行作为牵头方，携手厦门大学与华侨大学推出的“海洋碳汇金融服务平台”获评优秀。",
     {lead("海洋碳汇金融服务平台", "厦门银行"), co("海洋碳汇金融服务平台", "厦门大学"),
      co("海洋碳汇金融服务平台", "华侨大学")}),
    ("国泰君安则作为牵头方，与其全资子公司国泰君安资管合作申报了“资管产品流动性压力测试系统”。",
     {lead("资管产品流动性压力测试系统", "国泰君安证券"), co("资管产品流动性压力测试系统", "国泰君安资管")}),
    # the others as a role: 为协办单位 / 合作方为 / 任牵头单位 / 申报单位为
    ("“供应链金融区块链存证平台”由苏州银行牵头，东吴证券与苏州大学为该项目的协办单位。",
     {lead("供应链金融区块链存证平台", "苏州银行"), co("供应链金融区块链存证平台", "东吴证券"),
      co("供应链金融区块链存证平台", "苏州大学")}),
    ("“农业保险遥感定损系统”的申报单位为中华联合财产保险股份有限公司，合作方为中国农业大学。",
     {lead("农业保险遥感定损系统", "中华财险"), co("农业保险遥感定损系统", "中国农业大学")}),
    ("“绿色信贷环境效益测算模型”共有3家机构参与，其中兴业银行任牵头单位，清华大学与中央财经大学为参与单位。",
     {lead("绿色信贷环境效益测算模型", "兴业银行"), co("绿色信贷环境效益测算模型", "清华大学"),
      co("绿色信贷环境效益测算模型", "中央财经大学")}),
    ("《上市公司ESG评级方法研究》共有3家机构参与，其中中金公司任牵头单位，南开大学与中央财经大学为参与单位。",
     {lead("上市公司ESG评级方法研究", "中国国际金融股份有限公司"), co("上市公司ESG评级方法研究", "南开大学"),
      co("上市公司ESG评级方法研究", "中央财经大学")}),
    ("“碳排放数据核验服务”由恒生银行牵头，参与单位为香港科技园公司与本地初创企业云象数智科技有限公司。",
     {lead("碳排放数据核验服务", "恒生银行"), co("碳排放数据核验服务", "香港科技园公司"),
      co("碳排放数据核验服务", "云象数智科技有限公司")}),
    # a list after a colon, one member a line
    ("课题《公募基金费率改革影响研究》由以下3家机构共同承担：\n南方基金\n- 厦门大学（参与）\n2. 西南财经大学\n"
     "其中，南方基金为牵头单位。",
     {lead("公募基金费率改革影响研究", "南方基金"), co("公募基金费率改革影响研究", "厦门大学"),
      co("公募基金费率改革影响研究", "西南财经大学")}),
    ("项目名称：城市更新基础设施REITs估值平台\n牵头单位：中金公司\n参与单位：\n1. 清华大学\n2. 北京大学",
     {lead("城市更新基础设施REITs估值平台", "中国国际金融股份有限公司"),
      co("城市更新基础设施REITs估值平台", "清华大学"), co("城市更新基础设施REITs估值平台", "北京大学")}),
    # more ways to name the roles
    ("“曲江夜市数字人民币消费街区”的实施主体是西安银行，西安交通大学作为合作单位共同参与。",
     {lead("曲江夜市数字人民币消费街区", "西安银行"), co("曲江夜市数字人民币消费街区", "西安交通大学")}),
    ("此外，由中信银行郑州分行筹组的“洛阳牡丹文化产业园”银团完成签约，郑州银行、洛阳银行各认购5亿元份额。",
     {lead("洛阳牡丹文化产业园", "中信银行郑州分行"), co("洛阳牡丹文化产业园", "郑州银行"),
      co("洛阳牡丹文化产业园", "洛阳银行")}),
    ("另一项课题《养老目标基金风险预算研究》（承担单位：华夏基金；合作单位：中国人民大学）同样立项。",
     {lead("养老目标基金风险预算研究", "华夏基金"), co("养老目标基金风险预算研究", "中国人民大学")}),
    ("富国基金作为承担单位、上海财经大学作为合作单位申报的《指数增强策略容量研究》入选。",
     {lead("指数增强策略容量研究", "富国基金"), co("指数增强策略容量研究", "上海财经大学")}),
    ("平安产险牵头开发、同济大学共同参与研发的“建筑工程质量潜在缺陷保险”获评创新项目。",
     {lead("建筑工程质量潜在缺陷保险", "平安产险"), co("建筑工程质量潜在缺陷保险", "同济大学")}),
    ("另一个获评项目“科技型企业知识产权被侵权损失保险”的承保主体为人保财险。",
     {lead("科技型企业知识产权被侵权损失保险", "人保财险")}),
    ("广州银行的入选项目名为“跨境电商出口信用画像服务”。",
     {lead("跨境电商出口信用画像服务", "广州银行")}),
    ("作为本次唯一入选的民营银行，网商银行以“小微经营者数字信用贷”入选。",
     {lead("小微经营者数字信用贷", "网商银行")}),
    ("第二件创新实验由上海银行主导，复旦大学协力提出，名称为「电力数据辅助小额授信评分」。",
     {lead("电力数据辅助小额授信评分", "上海银行"), co("电力数据辅助小额授信评分", "复旦大学")}),
    ("由浙商银行提出的「中小企业应收账款线上融资平台」获准试办。",
     {lead("中小企业应收账款线上融资平台", "浙商银行")}),
    ("“海洋碳汇收储交易服务”入选。\n该项目由青岛银行牵头，中国海洋大学参与。",
     {lead("海洋碳汇收储交易服务", "青岛银行"), co("海洋碳汇收储交易服务", "中国海洋大学")}),
    ("具体名单如下：\n一、基于联邦学习的跨境贸易融资风控服务\n申请机构：浙商银行、杭州数澜科技有限公司\n"
     "二、基于区块链的农产品仓单质押融资平台\n申请机构：中国农业银行",
     {lead("基于联邦学习的跨境贸易融资风控服务", "浙商银行"),
      co("基于联邦学习的跨境贸易融资风控服务", "杭州数澜科技有限公司"),
      lead("基于区块链的农产品仓单质押融资平台", "中国农业银行")}),
    ("人保财险报送的“基于卫星遥感的农险定损系统”获评优秀案例。",
     {lead("基于卫星遥感的农险定损系统", "人保财险")}),
    ("“皖北高铁站区综合开发工程”银团由徽商银行牵头，马鞍山农村商业银行、安徽银行共同参加。",
     {lead("皖北高铁站区综合开发工程", "徽商银行"), co("皖北高铁站区综合开发工程", "马鞍山农村商业银行"),
      co("皖北高铁站区综合开发工程", "安徽银行")}),
    ("由东亚银行牵头、联同香港大学申请的「中小企碳足迹融资平台」获批。",
     {lead("中小企碳足迹融资平台", "东亚银行"), co("中小企碳足迹融资平台", "香港大学")}),
    ("“普惠金融大数据风控平台”由以下3家机构联合申报：重庆银行、重庆农村商业银行和西南大学。",
     {lead("普惠金融大数据风控平台", "重庆银行"), co("普惠金融大数据风控平台", "重庆农村商业银行"),
      co("普惠金融大数据风控平台", "西南大学")}),
)


@pytest.mark.parametrize(("text", "expected"), LED_BY)
def test_when_a_project_is_led_by_some_then_the_participants_co_apply(
        relations_of: Relations, text: str, expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- 分别 ---------------------------------------------------------------------------------------

RESPECTIVELY = cases(
    ("招商银行、浦发银行分别申报了“离岸账户智能反洗钱系统”、“外贸企业汇率避险服务平台”。",
     {lead("离岸账户智能反洗钱系统", "招商银行"), lead("外贸企业汇率避险服务平台", "浦发银行")}),
    ("华泰证券、易方达基金分别申报了“债券做市智能报价系统”和“指数基金投资者陪伴服务平台”。",
     {lead("债券做市智能报价系统", "华泰证券"), lead("指数基金投资者陪伴服务平台", "易方达基金")}),
    ("宁波银行与杭州银行分别申请了“跨境电商收款数字化服务”和“小微企业订单贷线上化平台”。",
     {lead("跨境电商收款数字化服务", "宁波银行"), lead("小微企业订单贷线上化平台", "杭州银行")}),
    ("入选的两个项目分别是南京银行申报的“科技企业投贷联动服务平台”、江苏银行申报的“农业保险保单质押贷款试点”。",
     {lead("科技企业投贷联动服务平台", "南京银行"), lead("农业保险保单质押贷款试点", "江苏银行")}),
    ("平安银行和广发银行分别牵头申报了“数字票据贴现服务平台”和“跨境理财通服务系统”。前者的联合申报单位为暨南大学；"
     "后者的参与单位则是中山大学。",
     {lead("数字票据贴现服务平台", "平安银行"), lead("跨境理财通服务系统", "广发银行"),
      co("数字票据贴现服务平台", "暨南大学"), co("跨境理财通服务系统", "中山大学")}),
    ("中信证券、华泰证券与国泰君安分别申报了“场外期权估值系统”“投顾合规质检平台”以及“债券投研知识库平台”。",
     {lead("场外期权估值系统", "中信证券"), lead("投顾合规质检平台", "华泰证券"),
      lead("债券投研知识库平台", "国泰君安证券")}),
)


@pytest.mark.parametrize(("text", "expected"), RESPECTIVELY)
def test_when_respectively_then_the_nth_institution_leads_the_nth_project(
        relations_of: Relations, text: str, expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- counts resolved across sentences -------------------------------------------------------------

COUNTED = cases(
    ("招商银行联合了3家机构申报了“跨境支付数字身份认证平台”。这三家机构分别是浙江大学、华泰证券和南京银行。",
     {lead("跨境支付数字身份认证平台", "招商银行"), co("跨境支付数字身份认证平台", "浙江大学"),
      co("跨境支付数字身份认证平台", "华泰证券"), co("跨境支付数字身份认证平台", "南京银行")}),
    ("浦发银行联合了三家机构申报了“航运金融数字化服务平台”。这3家机构分别是复旦大学、兴业银行和易方达基金。",
     {lead("航运金融数字化服务平台", "浦发银行"), co("航运金融数字化服务平台", "复旦大学"),
      co("航运金融数字化服务平台", "兴业银行"), co("航运金融数字化服务平台", "易方达基金")}),
    ("由宁波银行等四家机构联合申报的“港口物流供应链金融平台”进入公示。据了解，另外三家机构分别是杭州银行、"
     "浙江大学和华泰证券。",
     {lead("港口物流供应链金融平台", "宁波银行"), co("港口物流供应链金融平台", "杭州银行"),
      co("港口物流供应链金融平台", "浙江大学"), co("港口物流供应链金融平台", "华泰证券")}),
)


@pytest.mark.parametrize(("text", "expected"), COUNTED)
def test_when_a_counted_group_is_named_later_then_its_members_co_apply(
        relations_of: Relations, text: str, expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- anaphora and cross-sentence references -------------------------------------------------------

ANAPHORA = cases(
    ("名单中的“社区养老金融综合服务平台”颇受关注。该项目由兴业银行牵头，复旦大学参与。",
     {lead("社区养老金融综合服务平台", "兴业银行"), co("社区养老金融综合服务平台", "复旦大学")}),
    ("乡村振兴数字金融服务站也获准进入测试，该项目由杭州银行牵头，浙江大学参与。",
     {lead("乡村振兴数字金融服务站", "杭州银行"), co("乡村振兴数字金融服务站", "浙江大学")}),
    ("“碳账户积分激励平台”和“绿色信贷环境效益测算系统”同时入选，前者由兴业银行申报，"
     "后者由南京银行和江苏银行联合申报。",
     {lead("碳账户积分激励平台", "兴业银行"), lead("绿色信贷环境效益测算系统", "南京银行"),
      co("绿色信贷环境效益测算系统", "江苏银行")}),
    # 前者 / 后者 standing for two institutions named together (no two projects before)
    ("齐鲁银行和青岛银行也有所斩获。前者牵头申报了“海洋牧场保险质押融资平台”，后者则以参与单位身份加入了该平台的建设。",
     {lead("海洋牧场保险质押融资平台", "齐鲁银行"), co("海洋牧场保险质押融资平台", "青岛银行")}),
    # 该行 stands for the bank named last; 还与Y联合申报: the bank leads
    ("天津银行今年共有两个项目入选。此外，该行还与南开大学联合申报了“汽车供应链应收账款融资平台”。",
     {lead("汽车供应链应收账款融资平台", "天津银行"), co("汽车供应链应收账款融资平台", "南开大学")}),
)


@pytest.mark.parametrize(("text", "expected"), ANAPHORA)
def test_when_an_anaphor_names_the_project_then_it_resolves(relations_of: Relations, text: str,
                                                            expected: set[Triple]) -> None:
    assert relations_of(text) == expected


CROSS_SENTENCE = cases(
    ("华泰证券牵头申报的项目是“场外衍生品交易对手风险计量平台”。业内人士认为，这一方向颇具代表性。"
     "在华泰证券牵头的项目中，南京银行、易方达基金作为联合申报单位。",
     {lead("场外衍生品交易对手风险计量平台", "华泰证券"), co("场外衍生品交易对手风险计量平台", "南京银行"),
      co("场外衍生品交易对手风险计量平台", "易方达基金")}),
)


@pytest.mark.parametrize(("text", "expected"), CROSS_SENTENCE)
def test_when_the_led_project_is_named_earlier_then_the_co_applicants_join_it(
        relations_of: Relations, text: str, expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- table-like lines ------------------------------------------------------------------------------

TABLE_LINES = cases(
    ("项目名称：跨境理财通投资者服务平台　牵头单位：招商银行　联合申报单位：华泰证券、易方达基金",
     {lead("跨境理财通投资者服务平台", "招商银行"), co("跨境理财通投资者服务平台", "华泰证券"),
      co("跨境理财通投资者服务平台", "易方达基金")}),
    ("项目名称：县域小微企业信用画像系统\n牵头单位：南京银行\n联合申报单位：浙江大学、江苏银行",
     {lead("县域小微企业信用画像系统", "南京银行"), co("县域小微企业信用画像系统", "浙江大学"),
      co("县域小微企业信用画像系统", "江苏银行")}),
    ("项目名称：私募基金份额转让登记服务平台\n牵头单位：浦发银行\n联合申报单位：无",
     {lead("私募基金份额转让登记服务平台", "浦发银行")}),
    ("课题名称：《资本市场数据要素流通机制研究》\n牵头：中国人民大学\n参与：南开大学",
     {lead("资本市场数据要素流通机制研究", "中国人民大学"), co("资本市场数据要素流通机制研究", "南开大学")}),
    ("项目：农户信用数据共享平台\n牵头方：浙江农商联合银行\n协办单位：浙江大学",
     {lead("农户信用数据共享平台", "浙江农商联合银行"), co("农户信用数据共享平台", "浙江大学")}),
    # a table whose header names the columns (the cleaner separates cells with U+3000)
    ("入选项目如下。\n序号　项目名称　牵头单位　参与单位\n1　跨境支付数字身份认证平台　中国银行　中国银联、复旦大学\n"
     "2　小微企业信用画像工具　建设银行　—\n以上项目将于下月启动测试。",
     {lead("跨境支付数字身份认证平台", "中国银行"), co("跨境支付数字身份认证平台", "中国银联"),
      co("跨境支付数字身份认证平台", "复旦大学"), lead("小微企业信用画像工具", "中国建设银行")}),
    ("<table><tr><td>项目名称</td><td>跨境电商收款合规平台</td></tr><tr><td>牵头单位</td><td>宁波银行</td></tr>"
     "<tr><td>参与单位</td><td>浙江大学、宁波大学</td></tr></table>",
     {lead("跨境电商收款合规平台", "宁波银行"), co("跨境电商收款合规平台", "浙江大学"),
      co("跨境电商收款合规平台", "宁波大学")}),
    ("<p>拟入选项目如下：</p><table><tr><th>序号</th><th>项目名称</th><th>申请机构</th></tr>"
     "<tr><td>1</td><td>基于隐私计算的小微企业授信服务</td><td>北京银行、中国科学院计算技术研究所</td></tr>"
     "<tr><td>2</td><td>“保险+期货”价格指数系统</td><td>大连商品交易所</td></tr></table>",
     {lead("基于隐私计算的小微企业授信服务", "北京银行"),
      co("基于隐私计算的小微企业授信服务", "中国科学院计算技术研究所"),
      lead("“保险+期货”价格指数系统", "大连商品交易所")}),
    ("<table><tr><td>序号</td><td>创新应用名称</td><td>申请机构</td></tr><tr><td>1</td>"
     "<td>基于大模型的远程银行智能客服产品</td><td>浙商银行<br>杭州数澜科技有限公司</td></tr></table>",
     {lead("基于大模型的远程银行智能客服产品", "浙商银行"),
      co("基于大模型的远程银行智能客服产品", "杭州数澜科技有限公司")}),
    ("名称　申报单位\n数字人民币智能合约缴费服务　交通银行、上海交通大学",
     {lead("数字人民币智能合约缴费服务", "交通银行"), co("数字人民币智能合约缴费服务", "上海交通大学")}),
)


@pytest.mark.parametrize(("text", "expected"), TABLE_LINES)
def test_when_fields_name_the_roles_then_they_attach_to_the_record(relations_of: Relations, text: str,
                                                                   expected: set[Triple]) -> None:
    assert relations_of(text) == expected


NUMBERED = cases(
    ("1.“海洋牧场保险收益权质押贷款试点”，申请机构：兴业银行、浙江大学",
     {lead("海洋牧场保险收益权质押贷款试点", "兴业银行"), co("海洋牧场保险收益权质押贷款试点", "浙江大学")}),
    ("入选项目如下：\n1.“外贸订单融资数字化平台”，申请机构：宁波银行\n2.“专精特新企业知识产权融资服务”，"
     "申请机构：杭州银行、浙江大学",
     {lead("外贸订单融资数字化平台", "宁波银行"), lead("专精特新企业知识产权融资服务", "杭州银行"),
      co("专精特新企业知识产权融资服务", "浙江大学")}),
)


@pytest.mark.parametrize(("text", "expected"), NUMBERED)
def test_when_a_numbered_line_lists_applicants_then_the_first_leads(relations_of: Relations, text: str,
                                                                     expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- syndicated loans ------------------------------------------------------------------------------

SYNDICATED = cases(
    ("“沪苏湖城际铁路工程”银团贷款金额达80亿元。其中，浦发银行作为牵头行，南京银行、江苏银行作为参贷行。",
     {lead("沪苏湖城际铁路工程", "浦发银行"), co("沪苏湖城际铁路工程", "南京银行"),
      co("沪苏湖城际铁路工程", "江苏银行")}),
    ("“宁波舟山港集装箱码头扩建工程”获得银团贷款支持，宁波银行担任牵头行和代理行。",
     {lead("宁波舟山港集装箱码头扩建工程", "宁波银行")}),
    ("“杭州湾新区海上风电工程”银团贷款已完成签约，牵头行为杭州银行。",
     {lead("杭州湾新区海上风电工程", "杭州银行")}),
    ("“苏南硕放机场改扩建工程”银团贷款于近日签约，牵头行和代理行均为苏州银行。",
     {lead("苏南硕放机场改扩建工程", "苏州银行")}),
    ("“苏南硕放机场改扩建工程”银团贷款于近日签约，苏州银行担任牵头行，借款人为无锡市交通产业集团有限公司。",
     {lead("苏南硕放机场改扩建工程", "苏州银行")}),
    ("“沪杭高速扩容工程”银团贷款中，浦发银行担任牵头行，杭州银行担任参贷行。",
     {lead("沪杭高速扩容工程", "浦发银行"), co("沪杭高速扩容工程", "杭州银行")}),
    ("“合肥轨道交通六号线工程”银团贷款已签约。中国银行安徽省分行为牵头行，其余3家分别为交通银行、徽商银行与合肥科技农村商业银行。",
     {lead("合肥轨道交通六号线工程", "中国银行安徽省分行"), co("合肥轨道交通六号线工程", "交通银行"),
      co("合肥轨道交通六号线工程", "徽商银行"), co("合肥轨道交通六号线工程", "合肥科技农村商业银行")}),
    ("“郑州航空港物流园工程”银团贷款中，牵头行由中原银行担任，郑州银行作为参贷行加入。",
     {lead("郑州航空港物流园工程", "中原银行"), co("郑州航空港物流园工程", "郑州银行")}),
    ("金额最大的是南昌昌北国际机场扩建工程银团贷款。该银团由中国银行江西省分行担任牵头行和代理行，九江银行、赣州银行共同参贷。",
     {lead("南昌昌北国际机场扩建工程", "中国银行江西省分行"), co("南昌昌北国际机场扩建工程", "九江银行"),
      co("南昌昌北国际机场扩建工程", "赣州银行")}),
    ("“西安咸阳机场三期工程”银团贷款由长安银行和西安银行担任联合牵头行。",
     {lead("西安咸阳机场三期工程", "长安银行"), lead("西安咸阳机场三期工程", "西安银行")}),
)


@pytest.mark.parametrize(("text", "expected"), SYNDICATED)
def test_when_a_loan_names_its_banks_then_the_lead_bank_leads(relations_of: Relations, text: str,
                                                              expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- a lead without a named project -------------------------------------------------------------

UNNAMED = cases(
    ("招商银行、华泰证券作为牵头机构参与了本次试点，项目名称尚未披露。",
     {lead("", "招商银行"), lead("", "华泰证券")}),
)


@pytest.mark.parametrize(("text", "expected"), UNNAMED)
def test_when_no_project_is_named_then_the_lead_has_an_empty_project(relations_of: Relations, text: str,
                                                                      expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- unquoted project names --------------------------------------------------------------------

UNQUOTED = cases(
    ("南京银行申报的科创企业知识产权融资风险评估系统已完成测试。",
     {lead("科创企业知识产权融资风险评估系统", "南京银行")}),
    ("兴业银行申报的林业碳汇收益权质押融资试点也获准进入测试。",
     {lead("林业碳汇收益权质押融资试点", "兴业银行")}),
)


@pytest.mark.parametrize(("text", "expected"), UNQUOTED)
def test_when_an_unquoted_name_follows_the_verb_then_it_is_the_project(relations_of: Relations, text: str,
                                                                        expected: set[Triple]) -> None:
    assert relations_of(text) == expected


# --- no relation ----------------------------------------------------------------------------------
# Each sentence names institutions (asserted, so the case cannot pass by recognising nothing) that
# no construction links to a project.

NO_RELATION = cases(
    ("中国人民银行近日公布了第二批金融科技创新监管试点名单。", {"中国人民银行"}),
    ("在国家金融监督管理总局的指导下，“跨境理财通投资者服务平台”于今年3月启动测试。", {"国家金融监督管理总局"}),
    ("南京银行、江苏银行等多家机构“榜上有名”。", {"南京银行", "江苏银行"}),
    ("工商银行、农业银行和建设银行此前参与过类似的数字人民币测试。", {"工商银行", "农业银行", "建设银行"}),
    ("“沪苏湖城际铁路工程”银团贷款已签约，宁波银行仍在申请加入该银团。", {"宁波银行"}),
    ("“苏南硕放机场改扩建工程”银团贷款于近日签约，借款人为无锡市交通产业集团有限公司。",
     {"无锡市交通产业集团有限公司"}),
)


@pytest.mark.parametrize(("text", "institutions"), NO_RELATION)
def test_when_no_construction_links_them_then_there_is_no_relation(
        relations_of: Relations, mentions_of: Mentions, text: str, institutions: set[str]) -> None:
    assert mentions_of(text, "INSTITUTION") == institutions
    assert relations_of(text) == set()


NOT_PROJECTS = cases(
    ("招商银行相关负责人表示，要坚持“持牌经营、风险可控”的原则。", set()),
    ("“跨境收付一站式服务平台”覆盖“跨境收款结汇”、“出口信保融资”两类场景。", {"跨境收付一站式服务平台"}),
    ("浦发银行表示，科技要服务于“实体经济”。", set()),
    ("不少中小银行都想“尝鲜”。", set()),
    ("“保险+期货”模式在多地推广。", set()),
    ("会上集中发布了三笔重大项目银团贷款，合计50亿元。", set()),  # a description, not a name
)


@pytest.mark.parametrize(("text", "expected"), NOT_PROJECTS)
def test_when_a_quotation_is_no_name_then_it_is_no_project(mentions_of: Mentions, text: str,
                                                           expected: set[str]) -> None:
    assert mentions_of(text, "PROJECT") == expected


# --- institutions ----------------------------------------------------------------------------------

INSTITUTIONS = cases(
    ("招商银行杭州分行表示将加大投入。", {"招商银行杭州分行"}),
    ("深圳市云帆数据科技有限公司提供技术支持。", {"深圳市云帆数据科技有限公司"}),
    ("浙江大学提供了算法支持。", {"浙江大学"}),
    ("上海金融科技研究院负责模型评估。", {"上海金融科技研究院"}),
    ("浙江温州鹿城农村商业银行也在其中。", {"浙江温州鹿城农村商业银行"}),
    ("证券公司和基金公司都在加大科技投入。", set()),
    ("农村商业银行和村镇银行的科技力量较为薄弱。", set()),
    ("两家杭州科技公司也在名单之中。", set()),  # a place and generic words describe companies
    ("该工具可以帮助银行识别异常交易。", set()),
    ("本地初创企业云象数智科技有限公司负责建模。", {"云象数智科技有限公司"}),
    ("上海市第一人民医院提供了脱敏病历数据。", {"上海市第一人民医院"}),
    ("香港银行公会对此表示欢迎。", {"香港银行公会"}),
    ("浙江省科技成果转化服务中心参与评审。", {"浙江省科技成果转化服务中心"}),
    ("硬件钱包由恒朗股份有限公司提供。", {"恒朗股份有限公司"}),  # 由 glued to an unknown name
    ("南京大学工程管理学院负责模型验证。", {"南京大学工程管理学院"}),  # a school of a university
    ("浙江大学和浙江工商大学管理学院提供支持。", {"浙江大学", "浙江工商大学管理学院"}),
    ("清华大学深圳国际研究生院参与建模。", {"清华大学深圳国际研究生院"}),
    ("东亚银行有限公司联同数码港管理有限公司推出服务。", {"东亚银行有限公司", "数码港管理有限公司"}),
)


@pytest.mark.parametrize(("text", "expected"), INSTITUTIONS)
def test_when_a_name_is_written_then_it_is_an_institution(mentions_of: Mentions, text: str,
                                                          expected: set[str]) -> None:
    assert mentions_of(text, "INSTITUTION") == expected


def test_when_an_alias_is_defined_then_the_alias_is_a_mention(mentions_of: Mentions) -> None:
    text = "深圳市云帆数据科技有限公司（以下简称“云帆数据”）提供技术支持。云帆数据方面表示，模型已上线。"
    assert mentions_of(text, "INSTITUTION") == {"深圳市云帆数据科技有限公司", "云帆数据"}


def test_when_a_name_carries_a_ticker_then_the_canonical_drops_it(extractor: Extractor) -> None:
    result = extractor.extract("上海云帆(688001)股份有限公司提供技术支持。", article_id="t")
    names = {(m.text, m.canonical) for m in result.mentions if m.label == "INSTITUTION"}
    assert names == {("上海云帆(688001)股份有限公司", "上海云帆股份有限公司")}


def test_when_the_spacy_pipeline_runs_alone_then_the_doc_carries_the_relations(nlp: Language) -> None:
    assert nlp.pipe_names[-3:] == ["finnews_institutions", "finnews_projects", "finnews_relations"]
    doc = nlp("招商银行申报的“跨境贸易融资区块链平台”顺利通过评审。")
    assert [(r.project, r.canonical, r.role, r.rule) for r in doc._.relations] == [
        ("跨境贸易融资区块链平台", "招商银行", "lead", "REL_APPLY")]


ROLE_WORDS = [
    ("由招商银行作为牵头单位，联合浙江大学、南京银行共同申报“智慧供应链金融平台”。",
     {("智慧供应链金融平台", "招商银行", "lead"), ("智慧供应链金融平台", "浙江大学", "co_applicant"),
      ("智慧供应链金融平台", "南京银行", "co_applicant")}),
    ("华泰证券联合南京大学、易方达基金申报的“投研知识图谱系统”入选。",
     {("投研知识图谱系统", "华泰证券", "lead"), ("投研知识图谱系统", "南京大学", "co_applicant"),
      ("投研知识图谱系统", "易方达基金", "co_applicant")}),
    ("宁波银行与杭州银行共同牵头的“城市更新银团贷款项目”签约。",
     {("城市更新银团贷款项目", "宁波银行", "lead"), ("城市更新银团贷款项目", "杭州银行", "lead")}),
    ("“长三角绿色金融数据共享服务”的牵头单位为兴业银行，参与单位包括复旦大学、上海银行。",
     {("长三角绿色金融数据共享服务", "兴业银行", "lead"), ("长三角绿色金融数据共享服务", "复旦大学", "co_applicant"),
      ("长三角绿色金融数据共享服务", "上海银行", "co_applicant")}),
    ("“杭州湾大桥工程”银团贷款签约，参贷行包括宁波银行、杭州银行。",
     {("杭州湾大桥工程", "宁波银行", "co_applicant"), ("杭州湾大桥工程", "杭州银行", "co_applicant")}),
    ("此次入选的还有乡村振兴数字金融服务站，该项目由杭州银行牵头，浙江大学参与。",
     {("乡村振兴数字金融服务站", "杭州银行", "lead"), ("乡村振兴数字金融服务站", "浙江大学", "co_applicant")}),
    ("其中，平安银行为该项目牵头单位。", set()),  # no project named in the paragraph: nothing to attach to
    # one applicant (or one joint group) with two projects
    ("宁波银行申报的“普惠贷款风控平台”和“跨境结算服务”均获批。",
     {("普惠贷款风控平台", "宁波银行", "lead"), ("跨境结算服务", "宁波银行", "lead")}),
    ("杭州银行、浙江大学共同申请的“数据资产质押试点”和“科创企业画像系统”入选。",
     {("数据资产质押试点", "杭州银行", "lead"), ("数据资产质押试点", "浙江大学", "co_applicant"),
      ("科创企业画像系统", "杭州银行", "lead"), ("科创企业画像系统", "浙江大学", "co_applicant")}),
    ("浙商银行携手浙江大学申报的“智能风控实验室项目”获批。",
     {("智能风控实验室项目", "浙商银行", "lead"), ("智能风控实验室项目", "浙江大学", "co_applicant")}),
    ("兴业证券与福州大学合作开发的“债券估值模型”入选。",
     {("债券估值模型", "兴业证券", "lead"), ("债券估值模型", "福州大学", "co_applicant")}),
    ("中国邮政储蓄银行福建省分行作为主办行，福建海峡银行、泉州银行作为参贷行，为“福厦高铁配套工程”提供银团贷款。",
     {("福厦高铁配套工程", "中国邮政储蓄银行福建省分行", "lead"), ("福厦高铁配套工程", "福建海峡银行", "co_applicant"),
      ("福厦高铁配套工程", "泉州银行", "co_applicant")}),
]


@pytest.mark.parametrize(("text", "expected"), ROLE_WORDS)
def test_when_role_words_name_the_lead_and_partners_then_roles_follow(relations_of: Relations, text: str,
                                                                      expected: set[Triple]) -> None:
    assert relations_of(text) == expected


COORDINATED_NAMES = [
    # an unknown short name listed with a known institution before an application verb is one too
    ("工银澳门、中银澳门分别申报了“数字身份认证服务”、“绿色债券登记托管系统”。",
     {("数字身份认证服务", "工银澳门", "lead"), ("绿色债券登记托管系统", "中银澳门", "lead")}),
    ("星河数科、招商银行共同申请的“跨境支付风控系统”入选。",
     {("跨境支付风控系统", "星河数科", "lead"), ("跨境支付风控系统", "招商银行", "co_applicant")}),
    # a generic word in the same place is no name, and the list is then no list of applicants
    ("招商银行、证券公司等机构共同申报的“零售客户画像平台”入选。", set()),
]


@pytest.mark.parametrize(("text", "expected"), COORDINATED_NAMES)
def test_when_an_unknown_name_is_listed_with_a_known_one_then_it_applies_too(relations_of: Relations, text: str,
                                                                            expected: set[Triple]) -> None:
    assert relations_of(text) == expected


def test_when_a_document_title_ends_like_a_project_then_it_is_no_project(mentions_of: Mentions) -> None:
    text = "人民银行印发《关于推进金融科技发展的实施方案》，要求各机构落实。"
    assert mentions_of(text, "PROJECT") == set()
