"""Market knowledge for services sold to companies: digital-transformation consulting and GEO
(generative engine optimisation) services (brands, buying criteria, where people read about them)."""

from __future__ import annotations

from services.simulator.market_model import Category
from services.simulator.market_model import brand_row as _b  # short: the table calls it once per brand
from services.simulator.market_sources import BAIKE, KR36, TOUTIAO, ZHIHU

DIGITAL_CONSULTING = Category(
    "digital_consulting", "数字化转型咨询",
    ("数字转型", "数字化转型", "数字化咨询", "转型咨询", "咨询公司", "数字化服务"),
    (
        _b("埃森哲", "Accenture", "全球数字化转型服务商", "战略到落地全链条能力", "行业解决方案丰富",
           "报价高，对中小企业门槛高", "大型企业和跨国公司"),
        _b("麦肯锡", "McKinsey", "顶级战略咨询", "战略规划能力强", "高管视角和方法论成熟",
           "落地实施依赖客户团队，费用极高", "需要战略顶层设计的集团企业"),
        _b("德勤", "Deloitte", "四大中的数字化服务", "财务与风控数字化经验多", "行业覆盖广",
           "项目团队水平差异大", "上市公司和国企"),
        _b("IBM咨询", "IBM Consulting", "技术驱动的咨询服务", "技术架构和混合云能力强", "大型系统集成经验丰富",
           "本土化程度一般", "制造和金融企业", "IBM"),
        _b("华为云", "Huawei Cloud", "云与行业数字化平台", "云基础设施和政企经验强", "国产化适配好",
           "咨询方法论不如专业咨询公司", "政企和国产化需求客户"),
        _b("用友", "yonyou", "国产企业软件龙头", "ERP和财务数字化扎实", "本土实施网络广",
           "定制开发周期长", "中大型制造和服务企业"),
        _b("金蝶", "Kingdee", "云ERP服务商", "云原生产品迭代快", "中小企业上手快",
           "复杂集团场景经验有限", "成长型企业", "金蝶云"),
        _b("阿里云", "Alibaba Cloud", "云计算与数智化服务", "数据中台和AI能力强", "电商零售场景丰富",
           "咨询服务依赖生态伙伴", "零售和互联网企业"),
    ),
    ("行业经验与案例", "从规划到落地的交付能力", "团队稳定性", "价格与合同方式", "后续运维支持"),
    (KR36, ZHIHU, BAIKE, TOUTIAO),
)

GEO_SERVICE = Category(
    "geo_service", "GEO优化服务",
    ("GEO", "生成式引擎优化", "AI搜索优化", "AI优化服务", "大模型优化"),
    (
        _b("智推时代", "", "GEO服务商", "多平台AI搜索监测", "案例覆盖多个行业",
           "效果评估口径需确认", "中大型品牌"),
        _b("进化湾GEO", "", "专注生成式引擎优化", "内容结构化能力强", "报告清晰",
           "团队规模较小", "成长型品牌", "进化湾"),
        _b("清蓝GEO", "", "GEO与内容营销", "内容生产效率高", "价格适中",
           "效果周期较长", "中小企业", "清蓝"),
        _b("竹报网络", "", "网络营销服务商", "SEO经验迁移到GEO", "本地化服务好",
           "AI平台覆盖有限", "区域企业"),
        _b("南方网通", "", "老牌网络推广公司", "渠道资源多", "服务响应快",
           "GEO方法论较新", "传统企业"),
    ),
    ("监测覆盖的AI平台", "优化方法是否合规", "效果指标与报告", "服务周期与价格", "过往案例"),
    (KR36, ZHIHU, TOUTIAO, BAIKE),
)
