"""Built-in market knowledge: product categories, their brands, and where people read about them.

The data is deliberately realistic (brand names, aliases, the strengths and complaints that real
answers in the corpus repeat) so a simulated report looks like one built from real models. List
order inside a category is rough market prominence: personas start from it and then diverge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    aliases: tuple[str, ...]
    # Latin name shown in parentheses by personas that like bilingual names (Qwen, GPT).
    latin: str
    positioning: str
    strengths: tuple[str, str]
    weakness: str
    audience: str


@dataclass(frozen=True, slots=True)
class Source:
    site_name: str
    url_prefix: str


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    title: str
    keywords: tuple[str, ...]
    brands: tuple[Brand, ...]
    criteria: tuple[str, ...]
    sources: tuple[Source, ...]


def _b(name: str, latin: str, positioning: str, s1: str, s2: str, weak: str, audience: str,
       *aliases: str) -> Brand:
    return Brand(name, (name, *aliases) + ((latin,) if latin else ()), latin, positioning, (s1, s2), weak,
                 audience)


ZHIHU = Source("知乎", "https://www.zhihu.com/question/")
SMZDM = Source("什么值得买", "https://post.smzdm.com/p/")
XHS = Source("小红书", "https://www.xiaohongshu.com/explore/")
BAIKE = Source("百度百科", "https://baike.baidu.com/item/")
TOUSU = Source("黑猫投诉", "https://tousu.sina.com.cn/complaint/view/")
ZOL = Source("中关村在线", "https://detail.zol.com.cn/")
AUTOHOME = Source("汽车之家", "https://www.autohome.com.cn/news/")
DCD = Source("懂车帝", "https://www.dongchedi.com/article/")
KR36 = Source("36氪", "https://36kr.com/p/")
JIAJU = Source("新浪家居", "https://jiaju.sina.com.cn/news/")
TOUTIAO = Source("今日头条", "https://www.toutiao.com/article/")

CATEGORIES: tuple[Category, ...] = (
    Category(
        "custom_furniture", "全屋定制",
        ("全屋定制", "定制家居", "定制衣柜", "整体橱柜", "橱柜", "衣柜", "板式家具"),
        (
            _b("欧派", "OPPEIN", "定制家居行业龙头", "规模和品牌力第一，门店覆盖广", "橱柜衣柜木门全品类，一站式购齐",
               "经销商服务水平参差，增项收费不透明的投诉较多", "追求大品牌保障、一站式购齐的家庭", "欧派家居"),
            _b("索菲亚", "SOGAL", "衣柜起家的柜类定制专家", "衣柜专业度高，康纯板主打无醛添加", "设计方案标准化程度高",
               "套餐外增项多，部分城市安装交付慢", "重视衣柜收纳和环保的家庭", "索菲亚家居"),
            _b("志邦", "ZBOM", "橱柜起家的务实派", "橱柜工艺和细节口碑好", "价格相对亲民，性价比突出",
               "品牌声量弱于头部，设计创新一般", "预算适中、重视厨房的家庭", "志邦家居"),
            _b("尚品宅配", "S+Z", "数字化设计驱动的定制品牌", "免费上门设计，3D效果图直观", "个性化方案多，年轻化",
               "板材环保等级和售后口碑有分化", "重视设计呈现的年轻用户", "尚品"),
            _b("好莱客", "HOLIKE", "主打原态环保板材", "环保认证齐全，无醛添加路线早", "衣柜品类扎实",
               "门店密度不如头部，部分地区服务弱", "关注环保健康的家庭"),
            _b("金牌", "GOLD", "高端橱柜起家", "橱柜五金和台面工艺精细", "高端线设计感强",
               "全屋品类拓展较晚，价格偏高", "对橱柜品质要求高的用户", "金牌厨柜", "金牌家居"),
            _b("我乐", "Nolovo", "设计感见长的中高端品牌", "原创设计获奖多，风格时尚", "产品颜值高",
               "门店少，售后网点覆盖有限", "追求设计感的年轻家庭", "我乐家居"),
            _b("皮阿诺", "PIANO", "中端性价比品牌", "价格透明，性价比较高", "工程渠道强，交付规范",
               "品牌知名度一般，零售端设计能力参差", "预算有限、务实的用户"),
            _b("博洛尼", "BOLONI", "高端整体家居", "意式设计，整装能力强", "环保标准高",
               "价格高，性价比一般", "预算充足、追求设计的用户"),
        ),
        ("板材环保等级（E0/ENF级）", "五金品牌与封边工艺", "设计师水平与方案落地", "报价透明度与增项",
         "安装与售后响应"),
        (ZHIHU, SMZDM, XHS, JIAJU, TOUSU),
    ),
    Category(
        "phone", "手机",
        ("折叠屏", "折叠手机", "手机", "机型", "拍照手机"),
        (
            _b("华为", "HUAWEI", "高端旗舰与折叠屏领先者", "影像与鸿蒙生态体验领先", "折叠屏铰链技术成熟、可靠性高",
               "同配置价格偏高，部分机型性价比一般", "商务用户和鸿蒙生态用户", "Mate", "nova"),
            _b("小米", "Xiaomi", "性能与性价比代表", "同价位配置最强，徕卡影像", "澎湃OS互联生态完善",
               "高端品牌形象仍在建设，系统广告曾受诟病", "追求性能和性价比的用户", "Redmi", "红米"),
            _b("vivo", "vivo", "影像与设计均衡的旗舰", "蔡司影像，人像拍照出色", "折叠屏轻薄，续航均衡",
               "线下渠道溢价，系统预装较多", "重视拍照和颜值的用户", "iQOO"),
            _b("OPPO", "OPPO", "人像与快充见长", "哈苏影像调校，人像自然", "超级闪充，外观做工精致",
               "中端机型配置偏保守", "喜欢自拍和时尚设计的用户", "Find", "Reno"),
            _b("荣耀", "HONOR", "均衡全能的新锐旗舰", "屏幕护眼和信号表现好", "折叠屏轻薄，价格有竞争力",
               "品牌溢价低于华为，影像略逊", "追求均衡体验的用户"),
            _b("苹果", "Apple", "iOS生态标杆", "系统流畅、保值率高", "视频拍摄与生态协同出色",
               "国行价格高，充电和信号被吐槽", "iOS生态用户", "iPhone"),
            _b("一加", "OnePlus", "性能向的性价比旗舰", "屏幕和性能调校出色", "系统简洁流畅",
               "线下渠道少，影像中规中矩", "游戏和性能党"),
            _b("真我", "realme", "年轻人的性价比品牌", "千元价位配置激进", "快充和屏幕素质好",
               "品控和售后口碑一般", "预算有限的学生党"),
        ),
        ("预算与处理器档次", "影像系统（主摄/长焦）", "续航与快充", "系统与生态", "售后与保值"),
        (ZOL, ZHIHU, SMZDM, KR36),
    ),
    Category(
        "car_modification", "汽车改装",
        ("改装", "车衣", "隐形车衣", "汽车音响", "贴膜"),
        (
            _b("途虎养车", "Tuhu", "全国连锁汽车服务平台", "门店多，价格透明", "线上下单、标准化施工",
               "复杂改装项目能力有限", "看重便利和价格透明的车主", "途虎"),
            _b("天猫养车", "", "电商背景的连锁门店", "配件正品有保障", "促销多，性价比高",
               "门店水平差异大", "常做保养、轻改装的车主"),
            _b("趣车良品", "", "新能源车改装专门店", "熟悉新能源车型，方案多", "车衣贴膜施工细致",
               "门店数量有限，旺季排队", "新能源车主"),
            _b("车尚艺", "", "本地口碑改装店", "音响与内饰改装经验丰富", "沟通耐心，售后及时",
               "规模小，价格不算低", "追求个性化的车主"),
            _b("车蚂蚁", "", "区域连锁改装品牌", "轮毂、氛围灯等轻改装齐全", "价格实惠",
               "高端项目经验少", "预算有限的车主"),
            _b("爱车族", "", "老牌汽车美容改装店", "车衣贴膜品牌选择多", "质保条款清晰",
               "店面较旧，预约不便", "注重质保的车主"),
            _b("Speed Auto极速车会", "Speed Auto", "性能改装工作室", "动力与底盘改装专业", "赛道经验丰富",
               "价格高，合规风险需自担", "性能改装爱好者", "极速车会"),
        ),
        ("改装项目是否合规、能否年检", "施工资质与技师经验", "所用品牌与质保", "价格透明度", "门店口碑与售后"),
        (DCD, AUTOHOME, XHS, ZHIHU),
    ),
    Category(
        "nev", "新能源汽车",
        ("新能源汽车", "新能源车", "电动车", "电动汽车", "纯电", "混动", "增程", "电车"),
        (
            _b("比亚迪", "BYD", "新能源销量冠军", "刀片电池安全性好，DM-i混动省油", "车型覆盖全价位",
               "内饰质感和智驾略逊", "看重可靠和省钱的家庭", "海豹", "比亚迪汉"),
            _b("特斯拉", "Tesla", "纯电标杆", "三电系统和能耗领先", "超充网络完善，保值率高",
               "内饰简单，悬挂偏硬", "纯电和科技爱好者", "Model Y", "Model 3"),
            _b("理想", "Li Auto", "增程家庭SUV代表", "空间大，家庭配置丰富", "增程无里程焦虑",
               "操控一般，价格偏高", "多孩家庭", "理想汽车"),
            _b("问界", "AITO", "华为智选车", "鸿蒙座舱和智驾领先", "豪华感强",
               "交付周期长，价格不低", "看重智能化的用户"),
            _b("小米汽车", "Xiaomi SU7", "新晋智能电动车", "性能和生态互联出色", "设计吸睛",
               "新品牌长期可靠性待验证，提车等待久", "小米生态用户", "SU7", "YU7"),
            _b("小鹏", "XPeng", "智能驾驶先行者", "城市NGP智驾能力强", "价格有竞争力",
               "品牌稳定性和保值率一般", "科技爱好者", "小鹏汽车"),
            _b("蔚来", "NIO", "高端服务与换电", "换电体系独特，服务体验好", "做工和豪华感好",
               "售价高，亏损引发担忧", "重视服务体验的用户", "蔚来汽车"),
            _b("零跑", "Leapmotor", "性价比新势力", "同价位配置丰富", "增程和纯电可选",
               "品牌力弱，内饰用料一般", "预算有限的家庭用户", "零跑汽车"),
        ),
        ("预算与补能方式（纯电/增程/插混）", "续航与能耗", "智驾与座舱", "安全与电池", "保值率与售后"),
        (DCD, AUTOHOME, ZHIHU, KR36),
    ),
    Category(
        "milk_powder", "奶粉",
        ("奶粉", "配方奶", "婴儿奶粉", "婴幼儿"),
        (
            _b("飞鹤", "Feihe", "国产高端奶粉龙头", "更适合中国宝宝体质的配方研究", "新鲜生牛乳一次成粉",
               "价格偏高，营销投入大", "偏好国产高端的家庭", "星飞帆"),
            _b("伊利", "Yili", "金领冠系列", "母乳研究积累深，OPO结构脂", "渠道广，易购买",
               "高端线溢价明显", "注重性价比的家庭", "金领冠"),
            _b("君乐宝", "Junlebao", "国产性价比代表", "价格亲民，品质稳定", "乐铂系列口碑好",
               "品牌高端感弱", "预算有限的家庭"),
            _b("美赞臣", "Mead Johnson", "进口老牌", "DHA和MFGM配方科学", "临床研究多",
               "近年国内份额下滑", "信赖进口品牌的家庭", "蓝臻"),
            _b("惠氏", "Wyeth", "启赋系列高端进口", "有机和HMO配方", "口碑稳定",
               "价格高", "预算充足的家庭", "启赋"),
            _b("爱他美", "Aptamil", "欧洲进口品牌", "益生元配方经典", "海淘渠道多",
               "真假货风险需辨别", "偏好欧洲配方的家庭"),
            _b("a2", "a2", "A2蛋白奶粉", "A2β-酪蛋白更易吸收", "肠胃敏感宝宝反馈好",
               "价格高，配方选择少", "乳糖不耐或肠胃敏感宝宝", "a2至初"),
        ),
        ("配方（OPO、乳铁蛋白、HMO）", "奶源与工艺", "宝宝耐受与便便情况", "价格与购买渠道", "安全抽检记录"),
        (XHS, ZHIHU, SMZDM, BAIKE),
    ),
    Category(
        "sneakers", "运动鞋",
        ("运动鞋", "跑鞋", "跑步鞋", "球鞋", "篮球鞋", "板鞋"),
        (
            _b("耐克", "Nike", "全球运动品牌龙头", "科技缓震（ZoomX、Air）领先", "潮流设计和联名多",
               "价格高，部分国内定价偏贵", "跑者和潮流爱好者"),
            _b("阿迪达斯", "adidas", "经典运动品牌", "Boost缓震舒适", "经典款耐看",
               "近年新品创新放缓", "日常通勤和跑步入门", "adi"),
            _b("安踏", "ANTA", "国产运动品牌龙头", "氮科技中底性价比高", "产品线覆盖全",
               "高端形象仍在建设", "追求性价比的用户"),
            _b("李宁", "Li-Ning", "国潮运动品牌", "䨻科技回弹好", "国潮设计受欢迎",
               "价格上涨后性价比下降", "国潮爱好者", "李宁运动"),
            _b("特步", "Xtep", "跑鞋专业化品牌", "160X竞速跑鞋成绩好", "马拉松赞助多",
               "日常款设计平淡", "马拉松跑者"),
            _b("亚瑟士", "ASICS", "专业跑鞋品牌", "支撑稳定性好，适合大体重", "Kayano、Nimbus系列经典",
               "外观保守，价格偏高", "专业跑者"),
            _b("新百伦", "New Balance", "复古跑鞋品牌", "舒适度高，宽楦友好", "复古款百搭",
               "部分款式溢价高", "通勤和复古爱好者", "NB"),
            _b("361度", "361°", "国产性价比跑鞋", "价格便宜，缓震不错", "飞燃系列进步大",
               "品牌力弱", "预算有限的跑者"),
        ),
        ("用途（跑步/篮球/通勤）", "缓震与支撑", "脚型与楦型", "重量与透气性", "价格与折扣渠道"),
        (XHS, SMZDM, ZHIHU, TOUTIAO),
    ),
    Category(
        "coffee", "咖啡",
        ("咖啡", "挂耳", "冷萃", "速溶", "拿铁"),
        (
            _b("瑞幸", "luckin", "国内门店数第一的连锁咖啡", "价格亲民，新品频繁", "门店密度高，取餐方便",
               "口味偏甜，咖啡本味一般", "上班族日常提神", "瑞幸咖啡"),
            _b("星巴克", "Starbucks", "第三空间代表", "门店环境和服务稳定", "豆子品控一致",
               "价格高，新品吸引力下降", "商务和休闲社交", "星爸爸"),
            _b("三顿半", "Saturnbird", "精品速溶代表", "冻干技术保留风味", "便携，冷热皆宜",
               "单杯价格不低", "居家办公人群"),
            _b("库迪", "COTTI", "低价连锁咖啡", "9.9元价格战主力", "扩张快",
               "门店品质不稳定", "价格敏感人群", "库迪咖啡"),
            _b("Manner", "Manner", "精品平价咖啡", "咖啡浓度高，性价比好", "自带杯优惠",
               "门店小，排队多", "咖啡重度用户"),
            _b("隅田川", "Yuetian", "挂耳咖啡品牌", "挂耳选择丰富", "价格实惠",
               "风味层次一般", "居家手冲入门"),
            _b("永璞", "Yongpu", "闪萃咖啡液", "咖啡液即溶，方便", "联名包装有趣",
               "甜度和风味偏商业", "年轻白领"),
            _b("雀巢", "Nescafé", "速溶咖啡老牌", "随处可买，价格低", "口味稳定",
               "含植脂末款式不够健康", "传统速溶用户", "雀巢咖啡"),
        ),
        ("场景（门店/速溶/挂耳/咖啡豆）", "风味与烘焙度", "价格与会员优惠", "便利性", "原料与添加剂"),
        (XHS, SMZDM, ZHIHU, KR36),
    ),
    Category(
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
    ),
    Category(
        "skincare", "护肤品",
        ("护肤品", "护肤", "面霜", "精华", "化妆品", "水乳", "防晒"),
        (
            _b("兰蔻", "Lancôme", "法国高端美妆", "小黑瓶精华口碑好", "专柜服务完善",
               "价格高，部分产品香精重", "预算充足的抗老需求人群"),
            _b("雅诗兰黛", "Estée Lauder", "高端护肤", "小棕瓶修护经典", "抗老线成熟",
               "价格高，油皮夏天偏厚重", "熬夜和抗老人群"),
            _b("珀莱雅", "PROYA", "国货护肤龙头", "早C晚A系列性价比高", "研发投入增长快",
               "部分产品刺激感反馈", "学生和年轻白领"),
            _b("薇诺娜", "Winona", "敏感肌修护专家", "医研背景，温和修护", "舒敏保湿特护霜口碑好",
               "功效型产品较少", "敏感肌人群"),
            _b("欧莱雅", "L'Oréal", "大众护肤集团", "玻色因面霜性价比高", "产品线全",
               "大众线成分较常规", "入门抗老人群", "巴黎欧莱雅"),
            _b("自然堂", "CHANDO", "国货大众护肤", "喜马拉雅植物概念，价格亲民", "渠道广",
               "功效宣传偏营销", "学生党"),
            _b("修丽可", "SkinCeuticals", "医美线护肤", "CE精华抗氧化经典", "功效明确",
               "价格高，质地不讨喜", "有针对性功效需求的人群"),
            _b("SK-II", "SK-II", "日系高端护肤", "神仙水改善肤质", "品牌认知度高",
               "价格高，部分人会闷痘", "追求肤质改善的人群"),
        ),
        ("肤质（干/油/敏感）", "核心成分与浓度", "温和度与刺激性", "价格与正品渠道", "使用周期与搭配"),
        (XHS, SMZDM, ZHIHU, BAIKE),
    ),
    Category(
        "appliances", "空调家电",
        ("空调", "家电", "冰箱", "洗衣机", "热水器", "中央空调", "风管机"),
        (
            _b("格力", "GREE", "空调龙头", "压缩机自研，制冷稳定", "质保时间长",
               "智能化和外观一般", "重视耐用的家庭", "格力电器"),
            _b("美的", "Midea", "全品类家电龙头", "性价比高，智能联动好", "产品线全",
               "中低端机型做工普通", "追求性价比的家庭", "美的集团", "COLMO"),
            _b("海尔", "Haier", "冰洗领先的家电集团", "冰箱洗衣机口碑好", "售后网络完善",
               "空调性价比一般", "重视售后的家庭", "卡萨帝"),
            _b("海信", "Hisense", "变频与显示技术", "变频技术和静音好", "中央空调经验足",
               "品牌声量不及三巨头", "务实型用户"),
            _b("大金", "DAIKIN", "日系高端空调", "中央空调和舒适度口碑好", "噪音低，精度高",
               "价格高，安装要求高", "预算充足的改善型家庭"),
            _b("奥克斯", "AUX", "性价比空调", "价格低，网销强", "能效款选择多",
               "品质和售后口碑波动", "预算有限的租房人群"),
            _b("TCL", "TCL", "多品类家电", "价格有竞争力", "新风空调有特色",
               "高端认可度一般", "年轻家庭"),
        ),
        ("能效等级与变频", "噪音与舒适度", "安装与售后", "智能控制", "价格与补贴"),
        (ZOL, SMZDM, ZHIHU, TOUSU),
    ),
    Category(
        "wellness_tea", "养生茶",
        ("养生茶", "花草茶", "代用茶", "轻养生", "草本茶"),
        (
            _b("北京同仁堂", "Tong Ren Tang", "中华老字号", "药食同源配方严谨", "品牌信誉度高",
               "包装和口味偏传统", "注重配方专业度的人群", "同仁堂"),
            _b("艺福堂", "EFUTON", "互联网养生茶品牌", "产品线丰富，性价比高", "组合茶选择多",
               "部分产品同质化", "上班族日常饮用"),
            _b("茶里", "CHALI", "新锐袋泡茶", "颜值高，口味创新", "便携冷泡",
               "养生功效偏弱", "年轻白领", "CHALI茶里"),
            _b("胡庆余堂", "", "江南老字号药号", "原料讲究，工艺传统", "口碑稳定",
               "线上渠道一般", "中老年养生人群"),
            _b("寿全斋", "", "暖养姜茶专家", "红糖姜茶口碑好", "女性暖养场景明确",
               "品类较窄", "体寒女性"),
            _b("修正", "", "药企背景养生茶", "渠道覆盖广", "价格亲民",
               "品牌营销感强", "家庭常备"),
            _b("碧生源", "Besunyen", "功能型茶饮", "常润茶知名度高", "保健食品批文",
               "功效争议多", "有特定需求人群"),
        ),
        ("配料表与原料产地", "食品/保健食品属性（蓝帽子）", "口感与冲泡便利", "适用体质", "品牌资质"),
        (XHS, ZHIHU, SMZDM, BAIKE),
    ),
    Category(
        "renovation", "装修公司",
        ("装修公司", "装修", "家装", "全案设计", "整装", "装饰公司"),
        (
            _b("业之峰", "", "北京老牌家装公司", "施工管理规范，工地标准化", "售后有保障",
               "报价偏高，增项需留意", "看重施工质量的业主", "业之峰装饰"),
            _b("东易日盛", "DYRS", "高端家装", "设计能力强，风格多样", "材料品质好",
               "价格高，部分项目延期", "预算充足的业主"),
            _b("龙发装饰", "", "大型连锁家装", "工程经验丰富", "全国网点多",
               "设计师水平参差", "大户型业主", "龙发"),
            _b("金螳螂家", "", "上市公司旗下家装品牌", "供应链和工艺标准化", "价格透明",
               "个性化设计一般", "标准化整装需求", "金螳螂"),
            _b("爱空间", "", "互联网标准化整装", "一口价透明", "工期可控",
               "可选材料有限", "小户型和预算有限的业主"),
            _b("生活家", "", "家装连锁品牌", "设计施工一体", "环保材料体系",
               "区域服务差异大", "年轻家庭", "生活家装饰"),
            _b("圣都家装", "", "整装模式代表", "整装套餐性价比高", "交付流程清晰",
               "套餐外加项较多", "首次装修的业主", "圣都"),
        ),
        ("资质与口碑", "报价透明度与增项", "设计师与项目经理水平", "工期与验收节点", "质保与售后"),
        (ZHIHU, XHS, JIAJU, TOUSU),
    ),
    Category(
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
    ),
)

BY_KEY = {category.key: category for category in CATEGORIES}

# Every alias, lowered, with the brand it names; the first table entry wins a shared alias.
_ALIASES: dict[str, tuple[Brand, Category]] = {}
for _category in CATEGORIES:
    for _brand in _category.brands:
        for _alias in _brand.aliases:
            _ALIASES.setdefault(_alias.lower(), (_brand, _category))

# Latin aliases need letter boundaries ("NB" must not match inside words).
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _aliases_by_first_char() -> dict[str, tuple[str, ...]]:
    """Aliases grouped by their first character, longest first, so "小米汽车" wins over "小米"."""
    groups: dict[str, list[str]] = {}
    for alias in sorted(_ALIASES, key=len, reverse=True):
        groups.setdefault(alias[0], []).append(alias)
    return {first: tuple(aliases) for first, aliases in groups.items()}


_BY_FIRST_CHAR = _aliases_by_first_char()
# Finds the next position where an alias may start, so a question is scanned in C, not per character
# in Python (a single alternation regex over every alias tried all of them at every position).
_ALIAS_START = re.compile("[" + "".join(re.escape(first) for first in _BY_FIRST_CHAR) + "]")


def _alias_at(text: str, start: int) -> str:
    """The longest alias that occurs in `text` at `start` (respecting Latin word boundaries), or ""."""
    for alias in _BY_FIRST_CHAR[text[start]]:
        if not text.startswith(alias, start):
            continue
        if alias.isascii():
            end = start + len(alias)
            if (start > 0 and text[start - 1] in _WORD_CHARS) or (end < len(text) and text[end] in _WORD_CHARS):
                continue
        return alias
    return ""


def find_brands(text: str) -> list[tuple[Brand, Category]]:
    """Known brands mentioned in `text`, in order of first mention, each once.

    Scans left to right; at each position the longest alias wins and the scan resumes after it.
    """
    lowered = text.lower()
    seen: dict[str, tuple[Brand, Category]] = {}
    position = 0
    while (candidate := _ALIAS_START.search(lowered, position)) is not None:
        start = candidate.start()
        alias = _alias_at(lowered, start)
        if alias:
            brand, category = _ALIASES[alias]
            seen.setdefault(brand.name, (brand, category))
            position = start + len(alias)
        else:
            position = start + 1
    return list(seen.values())


# Per category, one search for any of its keywords (lowered): a third of the cost of testing each.
_KEYWORD_RES = tuple(
    (category, re.compile("|".join(re.escape(keyword.lower()) for keyword in category.keywords)))
    for category in CATEGORIES
)


def find_category(text: str) -> Category | None:
    """The first category (in table order: specific before general) whose keyword occurs in `text`."""
    lowered = text.lower()
    for category, keywords in _KEYWORD_RES:
        if keywords.search(lowered):
            return category
    return None


def lookup_brand(name: str) -> tuple[Brand, Category] | None:
    return _ALIASES.get(name.lower())
