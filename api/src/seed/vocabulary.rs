//! Word lists for realistic demo and benchmark data: common Chinese surnames (weighted by how
//! often they occur), given-name characters, English names, companies, jobs, and a product
//! catalogue with categories and prices.

/// Surnames with rough weights (per mille of the population; the top 20 cover about half).
pub const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 53),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 21),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 15),
    ("马", 13),
    ("朱", 13),
    ("胡", 12),
    ("郭", 11),
    ("何", 11),
    ("高", 10),
    ("林", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 9),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 7),
    ("韩", 7),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 6),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("欧阳", 1),
    ("司马", 1),
    ("上官", 1),
];

/// Characters common in given names.
pub const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "辉", "建", "晨", "欣", "宇", "浩",
    "轩", "梓", "涵", "怡", "子", "睿", "博", "嘉", "思", "雨", "晓", "佳", "俊", "琳",
];

pub const FIRST_NAMES: &[&str] = &[
    "Emily", "James", "Olivia", "Liam", "Sophia", "Noah", "Grace", "Lucas", "Chloe", "Ethan", "Mia",
    "Daniel", "Hannah", "Oliver", "Zoe", "Henry", "Lily", "Jack", "Ava", "Leo",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker",
    "Zhou", "Chen", "Wong", "Lee", "Lim", "Tan", "Ng", "Ho", "Chan", "Liu",
];

/// Pinyin of a few surnames, for email handles.
pub const HANDLES: &[&str] = &[
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu",
    "hu", "guo", "he", "gao", "lin", "luo",
];

pub const MAIL_DOMAINS: &[&str] =
    &["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "foxmail.com", "sina.com"];

pub const COMPANIES: &[&str] = &[
    "华为技术有限公司",
    "腾讯科技",
    "阿里巴巴",
    "中国平安",
    "招商银行",
    "比亚迪",
    "美的集团",
    "京东物流",
    "上海浦东发展银行",
    "万科企业",
    "小米科技",
    "网易",
    "字节跳动",
    "顺丰速运",
    "海尔集团",
    "Acme Trading Ltd",
    "Blue Harbour Consulting",
    "Golden Lotus Catering",
];

pub const JOBS: &[&str] = &[
    "经理",
    "工程师",
    "教师",
    "医生",
    "设计师",
    "销售总监",
    "会计",
    "律师",
    "产品经理",
    "店长",
    "自由职业",
    "学生",
    "Consultant",
    "Analyst",
];

pub const EDUCATION: &[&str] = &["高中", "大专", "本科", "硕士", "博士"];

pub const PLACES: &[&str] = &[
    "北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "苏州", "天津", "长沙",
    "青岛",
];

/// (sku, name, category, unit price in fen).
pub const CATALOGUE: &[(&str, &str, &str, i64)] = &[
    ("TEA-001", "西湖龙井 250g", "茶叶", 28_800),
    ("TEA-002", "铁观音礼盒", "茶叶", 39_900),
    ("TEA-003", "普洱茶饼", "茶叶", 16_800),
    ("CUP-001", "青瓷茶杯", "茶具", 6_800),
    ("POT-001", "紫砂壶", "茶具", 58_000),
    ("SNK-001", "坚果礼盒", "零食", 12_800),
    ("SNK-002", "凤梨酥", "零食", 4_500),
    ("GFT-001", "中秋月饼礼盒", "礼品", 26_800),
    ("GFT-002", "新年礼篮", "礼品", 88_800),
    ("CLO-001", "真丝围巾", "服饰", 45_000),
    ("CLO-002", "羊绒衫", "服饰", 129_900),
    ("BTY-001", "护肤套装", "美妆", 69_900),
    ("BTY-002", "面膜 10 片", "美妆", 9_900),
    ("HOM-001", "香薰蜡烛", "家居", 15_800),
    ("HOM-002", "亚麻床品四件套", "家居", 79_900),
    ("ELC-001", "蓝牙耳机", "数码", 49_900),
    ("ELC-002", "智能手环", "数码", 29_900),
    ("BOK-001", "茶经（精装）", "图书", 8_800),
];

/// Products bought together (the first line's SKU, a companion's): what the demo's
/// recommendations find.
pub const COMPANIONS: &[(&str, &str)] = &[
    ("TEA-001", "CUP-001"),
    ("TEA-002", "GFT-001"),
    ("TEA-003", "POT-001"),
    ("POT-001", "TEA-003"),
    ("CUP-001", "TEA-001"),
    ("SNK-002", "TEA-002"),
    ("GFT-001", "SNK-001"),
    ("BTY-001", "BTY-002"),
    ("CLO-001", "CLO-002"),
    ("HOM-001", "HOM-002"),
    ("ELC-002", "ELC-001"),
    ("BOK-001", "TEA-001"),
];

/// The companion of `sku`, if it has one.
pub fn companion(sku: &str) -> Option<(&'static str, &'static str, &'static str, i64)> {
    let (_, with) = COMPANIONS.iter().find(|(first, _)| *first == sku)?;
    CATALOGUE.iter().find(|item| item.0 == *with).copied()
}

pub const STORES: &[&str] = &["上海南京西路店", "北京三里屯店", "杭州湖滨店", "深圳万象城店", "成都太古里店"];

pub const INTERACTION_SUBJECTS: &[&str] = &[
    "咨询新品",
    "询问物流进度",
    "售后退换",
    "会员积分查询",
    "回访满意度",
    "预约到店",
    "Product question",
    "Delivery follow-up",
];

pub const TAGS: &[&str] = &["VIP", "茶友", "礼品客户", "企业采购", "新客", "高潜力", "价格敏感", "复购"];
