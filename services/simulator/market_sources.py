"""The sites people read about products on, as simulated answers cite them: each a site name and
the URL prefix of its articles."""

from __future__ import annotations

from services.simulator.market_model import Source

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
