//! The message table. Each entry gives both languages, so a missing translation does not compile.

use super::Locale;

macro_rules! messages {
    ($($key:ident { zh: $zh:literal, en: $en:literal $(,)? })*) => {
        /// A translatable string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Key { $($key),* }

        pub const fn text(locale: Locale, key: Key) -> &'static str {
            match locale {
                Locale::ZhCn => match key { $(Key::$key => $zh),* },
                Locale::En => match key { $(Key::$key => $en),* },
            }
        }
    };
}

messages! {
    AppTagline { zh: "星级客户管理平台", en: "Star-rated customer management" }
    Language { zh: "语言", en: "Language" }

    NavMain { zh: "主导航", en: "Main navigation" }
    NavOpenMenu { zh: "打开菜单", en: "Open menu" }
    NavCloseMenu { zh: "关闭菜单", en: "Close menu" }
    NavDashboard { zh: "仪表盘", en: "Dashboard" }
    NavCustomers { zh: "客户", en: "Customers" }
    NavRatings { zh: "星级评定", en: "Ratings" }
    NavService { zh: "客户服务", en: "Service" }
    NavCampaigns { zh: "营销活动", en: "Campaigns" }
    NavSettings { zh: "设置", en: "Settings" }
    Soon { zh: "即将推出", en: "Soon" }

    DashboardSubtitle {
        zh: "所有渠道的客户汇于一处，以星级驱动差异化管理。",
        en: "Every customer from every channel in one place, managed by their stars.",
    }
    Loading { zh: "加载中…", en: "Loading…" }
    SystemTitle { zh: "系统状态", en: "System status" }
    SystemConnected { zh: "API 已连接", en: "API connected" }
    SystemVersion { zh: "版本", en: "Version" }
    SystemDatabase { zh: "数据库", en: "Database" }
    SystemMode { zh: "运行模式", en: "Mode" }
    DatabaseSqlite { zh: "SQLite（内嵌）", en: "SQLite (embedded)" }
    DatabasePostgres { zh: "PostgreSQL", en: "PostgreSQL" }
    ModeDevelopment { zh: "开发", en: "Development" }
    ModeProduction { zh: "生产", en: "Production" }

    StartTitle { zh: "开始使用", en: "Getting started" }
    StartCustomersTitle { zh: "汇集客户", en: "Bring customers together" }
    StartCustomersBody {
        zh: "网店、App、微信、电话、门店……每个渠道来的客户都归入同一份档案。",
        en: "Web shop, app, WeChat, phone, store: every channel feeds one customer profile.",
    }
    StartRatingsTitle { zh: "设定星级规则", en: "Define the star rules" }
    StartRatingsBody {
        zh: "按消费金额、频次、最近消费、客户时长、满意度等加权评出 1–5 星，每颗星都有据可查。",
        en: "Weighted spend, frequency, recency, tenure and satisfaction give each customer 1–5 stars, every one explainable.",
    }
    StartServeTitle { zh: "按星级服务", en: "Serve by stars" }
    StartServeBody {
        zh: "星级决定权益、服务优先级与时限、专属客户经理和精准营销。",
        en: "Stars set benefits, service priority and SLAs, dedicated owners and targeted campaigns.",
    }

    NotFoundTitle { zh: "页面不存在", en: "Page not found" }
    NotFoundBody { zh: "您访问的地址不存在，或已被移动。", en: "The address you opened does not exist or has moved." }
    BackToDashboard { zh: "返回仪表盘", en: "Back to the dashboard" }

    ErrorRetry { zh: "重试", en: "Try again" }
    ErrorReload { zh: "刷新页面", en: "Reload the page" }
    ErrorRequestId { zh: "请求编号", en: "Request ID" }
    ErrorBadRequestTitle { zh: "请求无效", en: "Invalid request" }
    ErrorBadRequestBody {
        zh: "应用发出了服务器无法处理的请求。请刷新页面后重试。",
        en: "The app sent a request the server cannot process. Reload the page and try again.",
    }
    ErrorBadUserInputTitle { zh: "输入有误", en: "Please check your input" }
    ErrorBadUserInputBody { zh: "有字段不符合要求，请按提示修改。", en: "Some fields need attention; correct them as shown." }
    ErrorUnauthenticatedTitle { zh: "需要登录", en: "Please sign in" }
    ErrorUnauthenticatedBody { zh: "您的登录已失效，请重新登录后继续。", en: "Your session has ended. Sign in again to continue." }
    ErrorForbiddenTitle { zh: "没有权限", en: "Not allowed" }
    ErrorForbiddenBody {
        zh: "您的角色无权执行此操作。如需开通，请联系管理员。",
        en: "Your role does not allow this. Ask an administrator if you need access.",
    }
    ErrorNotFoundTitle { zh: "未找到", en: "Not found" }
    ErrorNotFoundBody { zh: "该记录不存在，或已被删除。", en: "This record does not exist or has been deleted." }
    ErrorConflictTitle { zh: "数据已被他人修改", en: "Changed by someone else" }
    ErrorConflictBody {
        zh: "有人刚刚修改了这条记录。请刷新后再做修改。",
        en: "Someone changed this record a moment ago. Reload it, then make your change again.",
    }
    ErrorRateLimitedTitle { zh: "操作过于频繁", en: "Too many requests" }
    ErrorRateLimitedBody { zh: "请稍候片刻再试。", en: "Please wait a moment, then try again." }
    ErrorInternalTitle { zh: "服务器出错了", en: "Something went wrong" }
    ErrorInternalBody {
        zh: "服务器处理请求时出错。请重试；如果问题持续，请把下方的请求编号提供给技术支持。",
        en: "The server hit an error. Try again; if it keeps happening, give support the request ID below.",
    }
    ErrorNetworkTitle { zh: "无法连接服务器", en: "Cannot reach the server" }
    ErrorNetworkBody { zh: "请检查网络连接，或稍后重试。", en: "Check your connection, or try again in a moment." }
    ErrorInvalidResponseTitle { zh: "无法识别的服务器响应", en: "Unexpected server response" }
    ErrorInvalidResponseBody { zh: "应用可能已经更新，请刷新页面。", en: "The app may have been updated. Reload the page." }
}
