"""What kind of site a cited domain is (issue #18): the report's source taxonomy.

The platforms are the ones Chinese and Western engines cite for brand questions (the corpus and the
engines' documented examples): UGC and Q&A (知乎, 小红书, 什么值得买, CSDN, 微信公众号 …),
encyclopedias (百度百科 …), vertical media (汽车之家, 土巴兔 …), editorial media (新浪, 36氪 …) and
e-commerce. A domain is matched with its subdomains ("post.smzdm.com" is 什么值得买); the longest
listed suffix wins, so "baike.baidu.com" is 百度百科 while "tieba.baidu.com" is 百度贴吧.

A brand's own site comes before the platform list: a domain in ``Brand.domains`` (subdomains
included), or else one with a label equal to the brand's ASCII name or alias ("oppein" in
"www.oppein.com.cn"). The main brand's is ``own-site``, a competitor's ``competitor-site``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.brand import Brand

SourceCategory = Literal[
    "own-site", "competitor-site", "ugc", "encyclopedia", "vertical-media", "editorial", "ecommerce", "other"
]
CATEGORY_ORDER: tuple[SourceCategory, ...] = (
    "own-site", "competitor-site", "ugc", "encyclopedia", "vertical-media", "editorial", "ecommerce", "other"
)
CATEGORY_LABELS: dict[str, str] = {
    "own-site": "own site",
    "competitor-site": "competitor site",
    "ugc": "UGC / Q&A",
    "encyclopedia": "encyclopedia",
    "vertical-media": "vertical media",
    "editorial": "editorial / media",
    "ecommerce": "e-commerce",
    "other": "other",
}

# domain suffix -> (platform, category)
PLATFORMS: dict[str, tuple[str, SourceCategory]] = {
    "zhihu.com": ("知乎", "ugc"),
    "zhuanlan.zhihu.com": ("知乎专栏", "ugc"),
    "xiaohongshu.com": ("小红书", "ugc"),
    "xhslink.com": ("小红书", "ugc"),
    "smzdm.com": ("什么值得买", "ugc"),
    "csdn.net": ("CSDN", "ugc"),
    "mp.weixin.qq.com": ("微信公众号", "ugc"),
    "zhidao.baidu.com": ("百度知道", "ugc"),
    "tieba.baidu.com": ("百度贴吧", "ugc"),
    "jingyan.baidu.com": ("百度经验", "ugc"),
    "baijiahao.baidu.com": ("百家号", "ugc"),
    "bilibili.com": ("哔哩哔哩", "ugc"),
    "douyin.com": ("抖音", "ugc"),
    "weibo.com": ("微博", "ugc"),
    "douban.com": ("豆瓣", "ugc"),
    "jianshu.com": ("简书", "ugc"),
    "juejin.cn": ("稀土掘金", "ugc"),
    "dianping.com": ("大众点评", "ugc"),
    "tousu.sina.com.cn": ("黑猫投诉", "ugc"),
    "reddit.com": ("Reddit", "ugc"),
    "quora.com": ("Quora", "ugc"),
    "youtube.com": ("YouTube", "ugc"),
    "medium.com": ("Medium", "ugc"),
    "stackoverflow.com": ("Stack Overflow", "ugc"),
    "baike.baidu.com": ("百度百科", "encyclopedia"),
    "baike.sogou.com": ("搜狗百科", "encyclopedia"),
    "baike.so.com": ("360百科", "encyclopedia"),
    "wikipedia.org": ("Wikipedia", "encyclopedia"),
    "autohome.com.cn": ("汽车之家", "vertical-media"),
    "dongchedi.com": ("懂车帝", "vertical-media"),
    "yiche.com": ("易车", "vertical-media"),
    "pcauto.com.cn": ("太平洋汽车", "vertical-media"),
    "zol.com.cn": ("中关村在线", "vertical-media"),
    "pconline.com.cn": ("太平洋电脑网", "vertical-media"),
    "to8to.com": ("土巴兔", "vertical-media"),
    "jia.com": ("齐家网", "vertical-media"),
    "jiaju.sina.com.cn": ("新浪家居", "vertical-media"),
    "pchouse.com.cn": ("太平洋家居网", "vertical-media"),
    "36kr.com": ("36氪", "editorial"),
    "huxiu.com": ("虎嗅", "editorial"),
    "toutiao.com": ("今日头条", "editorial"),
    "sina.com.cn": ("新浪", "editorial"),
    "sohu.com": ("搜狐", "editorial"),
    "163.com": ("网易", "editorial"),
    "qq.com": ("腾讯网", "editorial"),
    "ifeng.com": ("凤凰网", "editorial"),
    "thepaper.cn": ("澎湃新闻", "editorial"),
    "people.com.cn": ("人民网", "editorial"),
    "xinhuanet.com": ("新华网", "editorial"),
    "news.cn": ("新华网", "editorial"),
    "cctv.com": ("央视网", "editorial"),
    "caixin.com": ("财新", "editorial"),
    "nytimes.com": ("The New York Times", "editorial"),
    "theverge.com": ("The Verge", "editorial"),
    "forbes.com": ("Forbes", "editorial"),
    "reuters.com": ("Reuters", "editorial"),
    "jd.com": ("京东", "ecommerce"),
    "tmall.com": ("天猫", "ecommerce"),
    "taobao.com": ("淘宝", "ecommerce"),
    "pinduoduo.com": ("拼多多", "ecommerce"),
    "amazon.com": ("Amazon", "ecommerce"),
}


@dataclass(frozen=True, slots=True)
class Kind:
    category: SourceCategory
    # The platform's name (知乎), or the brand whose site it is; "" for an unknown site.
    platform: str = ""


def _within(domain: str, suffix: str) -> bool:
    return domain == suffix or domain.endswith("." + suffix)


def _ascii_labels(brand: Brand) -> set[str]:
    """The brand's ASCII names folded to what a domain label can hold ("S+Z" gives none)."""
    labels = set()
    for name in (brand.name, *brand.aliases):
        folded = "".join(ch for ch in name.lower() if ch.isascii() and (ch.isalnum() or ch == "-"))
        # Short names ("GOLD", "S+Z") would match unrelated sites; four letters is the floor.
        if len(folded) >= 4 and folded == name.lower().replace(" ", ""):
            labels.add(folded)
    return labels


class Taxonomy:
    """Classifies domains for one report: the platform list plus the run's brands' own sites."""

    def __init__(self, brand: Brand, competitors: list[Brand]) -> None:
        self._sites: list[tuple[Brand, SourceCategory]] = [(brand, "own-site")]
        self._sites += [(c, "competitor-site") for c in competitors if c.name != brand.name]
        self._labels = {b.name: _ascii_labels(b) for b, _ in self._sites}
        self._cache: dict[str, Kind] = {}

    def kind(self, domain: str) -> Kind:
        domain = domain.lower().removeprefix("www.")
        found = self._cache.get(domain)
        if found is None:
            found = self._cache[domain] = self._classify(domain)
        return found

    def _classify(self, domain: str) -> Kind:
        for owner, category in self._sites:
            if any(_within(domain, d.lower().removeprefix("www.")) for d in owner.domains):
                return Kind(category, owner.name)
        labels = set(domain.split("."))
        for owner, category in self._sites:
            if labels & self._labels[owner.name]:
                return Kind(category, owner.name)
        best = ""
        for suffix in PLATFORMS:
            if len(suffix) > len(best) and _within(domain, suffix):
                best = suffix
        if best:
            platform, category = PLATFORMS[best]
            return Kind(category, platform)
        return Kind("other")
