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

    ServiceSubtitle { zh: "先到期的先处理，同一时限下星级高的客户优先", en: "Soonest deadline first; at the same deadline, the customers with the most stars" }
    QueueMine { zh: "我的", en: "Mine" }
    QueueMyTeam { zh: "我的团队", en: "My team" }
    SettingsService { zh: "客户服务", en: "Service desk" }
    SettingsServiceSubtitle { zh: "各星级的服务时效承诺、回访节奏、分配工单的团队，以及解决投诉时选择的根本原因", en: "The promise made to each star level, how often customers are called back, the teams tickets go to, and the root causes complaints are solved with" }
    FollowUpCadenceTitle { zh: "回访节奏", en: "Follow-up cadence" }
    FollowUpCadenceHelp { zh: "每个星级多少天回访一次（留空则不按节奏回访），以及投诉解决后、星级下降后多少天回访。", en: "How many days between calls for each star level (empty: not called on a schedule), and how long after a solved complaint or a lost star." }
    CadenceNever { zh: "不回访", en: "never" }
    CadenceInvalid { zh: "天数须为 1 到 730 之间的整数，或留空。", en: "Days are whole numbers from 1 to 730, or empty." }
    Days { zh: "天", en: "days" }
    Saved { zh: "已保存", en: "Saved" }
    Teams { zh: "团队", en: "Teams" }
    TeamsHelp { zh: "新工单交给第一个接收该类型的团队：有专属负责人时给负责人，否则在可接单、未满额的成员中轮流分配。括号内为各成员处理中的工单数。", en: "A new ticket goes to the first team that takes its kind: to the customer's dedicated owner, else round robin among available members under capacity. In brackets, each member's open tickets." }
    MarkAway { zh: "设为暂停接单", en: "Mark away" }
    Archive { zh: "归档", en: "Archive" }
    Archived { zh: "已归档", en: "Archived" }
    TeamArchived { zh: "归档：不再接收新工单", en: "Archived: gets no new tickets" }
    MarkAvailable { zh: "恢复接单", en: "Mark available" }
    HandOn { zh: "转交给…", en: "Hand on to…" }
    TakingTickets { zh: "接单中", en: "Taking tickets" }
    AwayNoTickets { zh: "暂停接单", en: "Away" }
    AddTag { zh: "添加标签，回车确认", en: "Add a tag, then Enter" }
    SlaPolicyTitle { zh: "服务时效规则", en: "Service-level policy" }
    SlaChannelsPriorities { zh: "限定渠道和优先级（不选即全部）", en: "Only some channels or priorities (none ticked: all)" }
    SlaBuiltIn { zh: "内置规则", en: "built-in" }
    SlaVersion { zh: "第 {v} 版", en: "version {v}" }
    SlaPolicyHelp { zh: "按顺序匹配，第一条适用的规则生效；时限按工作时间计算（小时，可填 0.5）。留空表示不承诺。保存后生成新版本，进行中的工单保持原版本。", en: "Rules apply in order: the first that covers a ticket wins. Targets are business hours (0.5 is half an hour); empty means no promise. Saving makes a new version; open tickets keep theirs." }
    SlaRulesHint { zh: "星级和类型都不选表示适用于全部。", en: "No stars or kinds ticked: the rule covers all." }
    AddSlaRule { zh: "添加规则", en: "Add a rule" }
    SlaTargetInvalid { zh: "第 {n} 条规则：时限须为正数的小时数，或留空。", en: "Rule {n}: targets are a positive number of hours, or empty." }
    OpeningHoursInvalid { zh: "营业时间请写成 09:00-12:00, 13:00-18:00，休息日留空。", en: "Write opening hours like 09:00-12:00, 13:00-18:00; leave days off empty." }
    SlaSaved { zh: "已保存为第 {v} 版", en: "Saved as version {v}" }
    BusinessHours { zh: "工作时间", en: "Business hours" }
    Timezone { zh: "时区", en: "Time zone" }
    AlwaysOpen { zh: "全天候（7×24）", en: "Round the clock (24×7)" }
    Closed { zh: "休息", en: "closed" }
    Holidays { zh: "节假日", en: "Holidays" }
    SaveAsNewVersion { zh: "保存为新版本", en: "Save as a new version" }
    NoPromise { zh: "不承诺", en: "none" }
    HoursUnit { zh: "小时", en: "hours" }
    MoveUp { zh: "上移", en: "Move up" }
    Monday { zh: "周一", en: "Monday" }
    Tuesday { zh: "周二", en: "Tuesday" }
    Wednesday { zh: "周三", en: "Wednesday" }
    Thursday { zh: "周四", en: "Thursday" }
    Friday { zh: "周五", en: "Friday" }
    Saturday { zh: "周六", en: "Saturday" }
    Sunday { zh: "周日", en: "Sunday" }
    NewTeam { zh: "新建团队", en: "New team" }
    NoTeams { zh: "还没有团队：所有客服都能看到所有工单。", en: "No teams yet: every agent sees every ticket." }
    Capacity { zh: "每人上限", en: "Capacity" }
    CapacityInvalid { zh: "每人上限须为 1 到 1000 的整数。", en: "Capacity is a whole number from 1 to 1000." }
    AllKinds { zh: "所有类型", en: "Every kind" }
    TeamName { zh: "团队名称", en: "Team name" }
    TeamTakes { zh: "接收的工单类型", en: "Ticket kinds it takes" }
    TeamTakesHint { zh: "都不选则接收所有类型。", en: "None ticked: every kind." }
    TeamMembers { zh: "成员", en: "Members" }
    RootCauses { zh: "投诉根本原因", en: "Complaint root causes" }
    RootCausesHelp { zh: "两级分类；设置后，解决投诉时须选择根本原因。", en: "Two levels; once set, a complaint is solved with its root cause." }
    NoRootCauses { zh: "还没有根本原因分类。", en: "No root causes yet." }
    UseStandardRootCauses { zh: "使用标准分类", en: "Start from the standard list" }
    StandardRootCausesHint { zh: "产品、物流配送、服务、账单与支付、政策、其他，各含细分原因；之后可改名或归档。", en: "Product, delivery, service, billing, policy and other, each with subcauses; rename or archive any later." }
    RootCauseName { zh: "原因名称", en: "Cause name" }
    RootCauseParent { zh: "上级原因", en: "Parent cause" }
    TopLevelCause { zh: "作为一级原因", en: "Top-level cause" }
    ServiceAnalysis { zh: "服务分析", en: "Analysis" }
    ServiceAnalysisSubtitle { zh: "对各星级客户的承诺兑现了多少、每位客服的表现，以及投诉的主要原因", en: "How well the promise to each star level was kept, each agent's figures, and what customers complain about most" }
    Period { zh: "时间范围", en: "Period" }
    Last7Days { zh: "近 7 天", en: "Last 7 days" }
    Last30Days { zh: "近 30 天", en: "Last 30 days" }
    Last90Days { zh: "近 90 天", en: "Last 90 days" }
    TicketsOpened { zh: "新建工单", en: "Tickets opened" }
    TargetsMissed { zh: "超时次数", en: "Targets missed" }
    PromiseByStars { zh: "各星级的服务承诺兑现率", en: "Promise kept, by star level" }
    TicketsCount { zh: "{n} 张工单", en: "{n} tickets" }
    NoTicketsInPeriod { zh: "这段时间没有工单", en: "No tickets in this period" }
    ComplaintsBy { zh: "投诉分布", en: "Complaints by" }
    ProductCategory { zh: "商品品类", en: "Product category" }
    NoComplaintsInPeriod { zh: "这段时间没有投诉", en: "No complaints in this period" }
    ParetoNote { zh: "数量 · 累计占比 · 与上一周期相比", en: "count · cumulative share · against the period before" }
    Unclassified { zh: "未分类", en: "Unclassified" }
    AgentFigures { zh: "客服表现", en: "Agents" }
    Tickets { zh: "已解决 / 工单", en: "Solved / tickets" }
    MedianFirstResponse { zh: "首次响应中位数", en: "Median first response" }
    MedianResolution { zh: "解决用时中位数", en: "Median resolution" }
    HitRate { zh: "达成率", en: "Hit rate" }
    ReopenRate { zh: "重开率", en: "Reopen rate" }
    Backlog { zh: "待处理", en: "Backlog" }
    Team { zh: "团队", en: "Team" }
    ServiceTickets { zh: "工单", en: "Tickets" }
    FollowUps { zh: "回访", en: "Follow-ups" }
    FollowUpsSubtitle { zh: "按星级节奏、投诉解决后和星级下降时安排的回访；完成后结果记入客户时间线", en: "Calls back planned by star cadence, after solved complaints and when a customer loses a star; the outcome goes on the customer's timeline" }
    FollowUpsDue { zh: "今日到期", en: "Due today" }
    FollowUpsUpcoming { zh: "稍后", en: "Upcoming" }
    FollowUpsMine { zh: "我的", en: "Mine" }
    FollowUpsDone { zh: "已完成", en: "Done" }
    FollowUpCadence { zh: "星级节奏", en: "Star cadence" }
    FollowUpComplaint { zh: "投诉解决后", en: "After a complaint" }
    FollowUpStarDrop { zh: "星级下降", en: "Lost a star" }
    FollowUpManual { zh: "手动安排", en: "Planned by hand" }
    FollowUpDueOn { zh: "到期 {t}", en: "due {t}" }
    FollowUpOverdue { zh: "已逾期", en: "Overdue" }
    FollowUpOwner { zh: "负责人", en: "Owner" }
    FollowUpAnyone { zh: "任何人", en: "Anyone" }
    FollowUpOutcome { zh: "回访结果", en: "Outcome" }
    FollowUpOutcomePlaceholder { zh: "客户怎么说？下一步做什么？", en: "What did the customer say? What happens next?" }
    FollowUpMarkDone { zh: "完成", en: "Done" }
    FollowUpSaveDone { zh: "保存结果", en: "Save outcome" }
    FollowUpSnoozeDay { zh: "推迟一天", en: "Tomorrow" }
    FollowUpSnoozeWeek { zh: "推迟一周", en: "Next week" }
    FollowUpSnoozed { zh: "已推迟 {n} 次", en: "put off {n}×" }
    FollowUpDoneAt { zh: "完成于 {t}", en: "done {t}" }
    NoFollowUps { zh: "这里没有回访", en: "No follow-ups here" }
    NoFollowUpsBody { zh: "五星客户按节奏回访，投诉解决后和星级下降时也会自动安排。", en: "Five-star customers are called on a cadence; solved complaints and lost stars plan calls too." }
    QueueUnassigned { zh: "未分配", en: "Unassigned" }
    QueueOpen { zh: "全部未结", en: "All open" }
    QueueBreachingSoon { zh: "一小时内到期", en: "Due within the hour" }
    QueueBreached { zh: "已超时", en: "Overdue" }
    TicketQueues { zh: "工单队列", en: "Ticket queues" }
    Ticket { zh: "工单", en: "Ticket" }
    Priority { zh: "优先级", en: "Priority" }
    ServiceLevel { zh: "服务时效", en: "Service level" }
    Assignee { zh: "处理人", en: "Assignee" }
    NobodyAssigned { zh: "未分配", en: "Unassigned" }
    NewTicket { zh: "新建工单", en: "New ticket" }
    GoToTicket { zh: "按工单号查找", en: "Go to ticket" }
    GoToTicketPlaceholder { zh: "工单号，如 T000042", en: "Ticket code, e.g. T000042" }
    GoToTicketButton { zh: "查找", en: "Go" }
    NotATicketCode { zh: "工单号形如 T000042 或 42。", en: "A ticket code looks like T000042 or 42." }
    NoSuchTicket { zh: "没有工单 {code}，或您无权查看。", en: "No ticket {code}, or not one you may see." }
    OpenTicket { zh: "创建工单", en: "Open ticket" }
    TicketContact { zh: "客户手机号或邮箱", en: "Customer's phone or email" }
    TicketContactHint { zh: "没有客户使用时，将以此新建客户。", en: "A new customer is created when nobody has it." }
    TicketNewName { zh: "姓名（新客户，可选）", en: "Name (new customer, optional)" }
    TicketKind { zh: "类型", en: "Kind" }
    DescriptionOptional { zh: "描述（可选）", en: "Description (optional)" }
    PriorityFromStars { zh: "按星级自动确定", en: "From the customer's stars" }
    PriorityReason { zh: "调整优先级的原因", en: "Why this priority" }
    NoTickets { zh: "这里没有工单", en: "No tickets here" }
    NoTicketsBody { zh: "员工创建的工单，以及网店、呼叫中心和在线客服推送的工单都会出现在这里。", en: "Tickets staff open, and those your shop, call centre and chat push in, arrive here." }
    TicketInquiry { zh: "咨询", en: "Inquiry" }
    TicketComplaint { zh: "投诉", en: "Complaint" }
    TicketSuggestion { zh: "建议", en: "Suggestion" }
    TicketAfterSales { zh: "售后", en: "After-sales" }
    TicketNew { zh: "新建", en: "New" }
    TicketOpen { zh: "处理中", en: "Open" }
    TicketPending { zh: "等待客户", en: "Waiting on customer" }
    TicketOnHold { zh: "挂起", en: "On hold" }
    TicketSolved { zh: "已解决", en: "Solved" }
    TicketClosed { zh: "已关闭", en: "Closed" }
    PriorityLow { zh: "低", en: "Low" }
    PriorityNormal { zh: "普通", en: "Normal" }
    PriorityHigh { zh: "高", en: "High" }
    PriorityUrgent { zh: "紧急", en: "Urgent" }
    SlaDueIn { zh: "剩余 {t}", en: "due in {t}" }
    SlaOverdue { zh: "已超时 {t}", en: "{t} overdue" }
    SlaPaused { zh: "计时暂停", en: "clock paused" }
    SlaNone { zh: "无时效要求", en: "no target" }
    SpanMinutes { zh: "{m}分钟", en: "{m} min" }
    SpanHoursMinutes { zh: "{h}小时{m}分", en: "{h} h {m} min" }
    SpanDaysHours { zh: "{d}天{h}小时", en: "{d} d {h} h" }
    MessageInbound { zh: "客户", en: "Customer" }
    MessageReply { zh: "回复", en: "Reply" }
    MessageNote { zh: "内部备注", en: "Internal note" }
    ReplyToCustomer { zh: "回复客户", en: "Reply to customer" }
    AddInternalNote { zh: "添加内部备注", en: "Add internal note" }
    MessagePlaceholder { zh: "写给客户的回复，或给团队的备注", en: "A reply to the customer, or a note for the team" }
    TakeTicket { zh: "我来处理", en: "Take it" }
    PutBack { zh: "退回队列", en: "Put back in the queue" }
    MarkSolved { zh: "标记为已解决", en: "Mark solved" }
    WaitOnCustomer { zh: "等待客户回复", en: "Wait on the customer" }
    PutOnHold { zh: "挂起", en: "Put on hold" }
    Reopen { zh: "重新打开", en: "Reopen" }
    CloseTicket { zh: "关闭工单", en: "Close" }
    FirstResponseTarget { zh: "首次响应", en: "First response" }
    NextResponseTarget { zh: "下次响应", en: "Next response" }
    ResolutionTarget { zh: "解决时限", en: "Resolution" }
    TargetMet { zh: "已达成", en: "Met" }
    RuleFiveStars { zh: "5星客户", en: "5 stars" }
    RuleFourStars { zh: "4星客户", en: "4 stars" }
    RuleThreeStars { zh: "3星客户", en: "3 stars" }
    RuleEveryoneElse { zh: "其他客户", en: "Everyone else" }
    SlaRuleLabel { zh: "时效规则", en: "Rule" }
    TicketHistory { zh: "处理记录", en: "History" }
    NoMessages { zh: "还没有消息", en: "No messages yet" }
    BackToQueue { zh: "返回队列", en: "Back to the queue" }
    PriorityByHand { zh: "手动设置", en: "set by hand" }
    ServerSide { zh: "系统", en: "System" }
    RootCause { zh: "根本原因", en: "Root cause" }
    ChooseRootCause { zh: "选择根本原因", en: "Choose a root cause" }
    ComplaintNotUpheld { zh: "投诉不成立（不计入星级）", en: "Not upheld (does not count against the stars)" }
    NavCampaigns { zh: "营销", en: "Marketing" }
    NavSettings { zh: "设置", en: "Settings" }
    Soon { zh: "即将推出", en: "Soon" }
    Notifications { zh: "通知", en: "Notifications" }
    NoNotifications { zh: "暂无通知。工单超时时，客服主管和处理人会在这里收到提醒。", en: "Nothing yet. When a ticket misses its promise, the desk's managers and its assignee are told here." }
    MarkAllRead { zh: "全部标为已读", en: "Mark all read" }
    NotificationMissed { zh: "{code} 超时：{targets}", en: "{code} missed {targets}" }
    NotificationPriority { zh: "优先级已升为{p}", en: "now {p}" }
    ListSeparator { zh: "、", en: ", " }

    Loading { zh: "加载中…", en: "Loading…" }
    SystemTitle { zh: "关于本服务器", en: "About this server" }
    SystemConnected { zh: "API 已连接", en: "API connected" }
    SystemVersion { zh: "版本", en: "Version" }
    SystemDatabase { zh: "数据库", en: "Database" }
    SystemMode { zh: "运行模式", en: "Mode" }
    DatabaseSqlite { zh: "SQLite（内嵌）", en: "SQLite (embedded)" }
    DatabasePostgres { zh: "PostgreSQL", en: "PostgreSQL" }
    ModeDevelopment { zh: "开发", en: "Development" }
    ModeProduction { zh: "生产", en: "Production" }

    NotFoundTitle { zh: "页面不存在", en: "Page not found" }
    NotFoundBody { zh: "您访问的地址不存在，或已被移动。", en: "The address you opened does not exist or has moved." }
    BackToDashboard { zh: "返回仪表盘", en: "Back to the dashboard" }

    Close { zh: "关闭", en: "Close" }
    Cancel { zh: "取消", en: "Cancel" }
    Done { zh: "完成", en: "Done" }
    Copy { zh: "复制", en: "Copy" }
    Copied { zh: "已复制", en: "Copied" }
    LoadMore { zh: "加载更多", en: "Load more" }
    CountOf { zh: "已显示 {shown} / 共 {total} 条", en: "Showing {shown} of {total}" }
    Never { zh: "从未", en: "Never" }
    Actions { zh: "操作", en: "Actions" }
    Welcome { zh: "欢迎回来，{name} · {workspace}", en: "Welcome back, {name} · {workspace}" }

    SignIn { zh: "登录", en: "Sign in" }
    SigningIn { zh: "正在登录…", en: "Signing in…" }
    SignOut { zh: "退出登录", en: "Sign out" }
    SignInTitle { zh: "登录 StarCRM", en: "Sign in to StarCRM" }
    LoginFoot {
        zh: "忘记密码？请联系您所在工作区的管理员重置。",
        en: "Forgot your password? Ask an administrator of your workspace to reset it.",
    }
    SessionExpired { zh: "登录已过期，请重新登录。", en: "Your session has expired. Please sign in again." }
    BadCredentials { zh: "邮箱或密码不正确。", en: "Incorrect email or password." }
    ChooseWorkspace { zh: "此邮箱可登录多个工作区，请选择要进入的工作区：", en: "This email signs in to several workspaces. Choose one:" }
    Email { zh: "邮箱", en: "Email" }
    Password { zh: "密码", en: "Password" }
    Name { zh: "姓名", en: "Name" }
    CustomersSubtitle { zh: "所有渠道的客户，一处查看。", en: "Every customer from every channel, in one place." }
    SearchCustomers { zh: "搜索姓名、编号、手机或邮箱", en: "Search name, code, phone or email" }
    LifecycleStage { zh: "生命周期", en: "Stage" }
    AllStages { zh: "全部阶段", en: "All stages" }
    SortBy { zh: "排序", en: "Sort by" }
    SortNewest { zh: "最新加入", en: "Newest" }
    SortName { zh: "姓名", en: "Name" }
    SortLastPurchase { zh: "最近购买", en: "Last purchase" }
    SortTotalSpend { zh: "累计消费", en: "Total spend" }
    OpenFilteredList { zh: "查看该星级的客户", en: "Show these customers" }
    ContactExists {
        zh: "已有客户使用这个手机号或邮箱。是打开已有客户，还是仍要新建？",
        en: "A customer with this phone or email already exists. Open them, or create a new one anyway?",
    }
    OpenCustomer { zh: "打开", en: "Open" }
    CreateAnyway { zh: "仍然新建", en: "Create anyway" }
    PolicyReadOnly {
        zh: "你可以查看评级规则，但没有修改权限；如需调整，请联系主管或管理员。",
        en: "You can see the rating rules but not change them; ask a manager or an admin to adjust them.",
    }
    BenefitsReadOnly {
        zh: "你可以查看各星级权益，但没有修改权限。",
        en: "You can see the tier benefits but not change them.",
    }
    UnitPercentOff { zh: "% 折扣", en: "% off" }
    UnitTimesPoints { zh: "倍积分", en: "× points" }
    UnitOrders { zh: "笔", en: "orders" }
    UnitDays { zh: "天", en: "days" }
    UnitCategories { zh: "个品类", en: "categories" }
    UnitComplaints { zh: "次", en: "complaints" }
    StepAtLeast { zh: "达到", en: "At least" }
    StepAtMost { zh: "不超过", en: "At most" }
    StepEarns { zh: "得分比例", en: "Earns" }
    AddStep { zh: "＋ 添加一档", en: "+ Add a step" }
    RemoveStep { zh: "删除", en: "Remove" }
    SortStars { zh: "星级（高到低）", en: "Stars (most first)" }
    AllStars { zh: "全部星级", en: "All stars" }
    StarsLevel { zh: "{n} 星", en: "{n} stars" }
    StarsLevelOne { zh: "1 星", en: "1 star" }
    UnratedCustomers { zh: "未评星", en: "Not rated yet" }
    StageLead { zh: "线索", en: "Lead" }
    StageProspect { zh: "意向", en: "Prospect" }
    StageNew { zh: "新客", en: "New" }
    StageActive { zh: "活跃", en: "Active" }
    StageLoyal { zh: "忠实", en: "Loyal" }
    StageAtRisk { zh: "流失风险", en: "At risk" }
    StageChurned { zh: "已流失", en: "Churned" }
    StageWonBack { zh: "已挽回", en: "Won back" }
    Customer { zh: "客户", en: "Customer" }
    Stars { zh: "星级", en: "Stars" }
    TotalSpend { zh: "累计消费", en: "Total spend" }
    Orders { zh: "订单数", en: "Orders" }
    LastPurchase { zh: "最近购买", en: "Last purchase" }
    NoCustomers { zh: "没有符合条件的客户。", en: "No customers match." }
    NewCustomer { zh: "新建客户", en: "New customer" }
    EmailOptional { zh: "邮箱（选填）", en: "Email (optional)" }
    TagsOptional { zh: "标签（选填，用逗号分隔）", en: "Tags (optional, comma-separated)" }
    CustomerCreated { zh: "已创建客户 {code}。", en: "Created customer {code}." }
    Phone { zh: "手机", en: "Phone" }
    PhoneOptional { zh: "手机（选填）", en: "Phone (optional)" }
    AllCustomers { zh: "全部客户", en: "All customers" }
    Edit { zh: "编辑", en: "Edit" }
    Save { zh: "保存", en: "Save" }
    Saving { zh: "保存中…", en: "Saving…" }
    Delete { zh: "删除", en: "Delete" }
    Restore { zh: "恢复", en: "Restore" }
    Add { zh: "添加", en: "Add" }
    NotSet { zh: "未填写", en: "Not set" }
    DeletedBanner { zh: "该客户已移入回收站，恢复后才能继续记录。", en: "This customer is in the bin. Restore them to record anything new." }
    ErasedBanner { zh: "该客户的个人信息已被彻底删除，只保留匿名统计。", en: "This customer's personal data was erased for good; only anonymous figures remain." }
    DeleteCustomerTitle { zh: "删除该客户？", en: "Delete this customer?" }
    DeleteCustomerBody {
        zh: "{name}（{code}）将移入回收站，历史记录保留，之后可以随时恢复。",
        en: "{name} ({code}) moves to the bin with all their history and can be restored at any time.",
    }
    CustomerDeleted { zh: "已将 {code} 移入回收站。", en: "Moved {code} to the bin." }
    CustomerRestored { zh: "已恢复 {code}。", en: "Restored {code}." }
    CustomerSaved { zh: "已保存 {code} 的资料。", en: "Saved {code}." }
    CustomerNotFound { zh: "找不到该客户，可能已被删除或合并。", en: "There is no such customer; they may have been deleted or merged." }
    Erase { zh: "彻底删除个人信息", en: "Erase personal data" }
    EraseTitle { zh: "彻底删除该客户的个人信息？", en: "Erase this customer's personal data?" }
    EraseBody {
        zh: "{name}（{code}）的姓名、联系方式、生日、证件号、地址、备注、标签和渠道身份将被永久删除，无法恢复；交易与统计以匿名形式保留。原因会记入审计日志。",
        en: "{name} ({code}): name, contact details, birthday, ID number, address, notes, tags and channel identities are removed for good and cannot be restored; transactions and figures stay, anonymously. The reason goes to the audit log.",
    }
    EraseReason { zh: "原因（例如客户提出删除请求的工单号）", en: "Reason (e.g. the customer's request or ticket)" }
    EraseConfirm { zh: "永久删除", en: "Erase for good" }
    CustomerErased { zh: "已彻底删除 {code} 的个人信息。", en: "Erased {code}'s personal data." }
    EditCustomer { zh: "编辑客户资料", en: "Edit customer" }
    Gender { zh: "性别", en: "Gender" }
    GenderFemale { zh: "女", en: "Female" }
    GenderMale { zh: "男", en: "Male" }
    GenderOther { zh: "其他", en: "Other" }
    GenderUnknown { zh: "未知", en: "Unknown" }
    Birthday { zh: "生日", en: "Birthday" }
    Address { zh: "地址", en: "Address" }
    Company { zh: "公司", en: "Company" }
    JobTitle { zh: "职位", en: "Job title" }
    Education { zh: "学历", en: "Education" }
    NativePlace { zh: "籍贯", en: "Native place" }
    Owner { zh: "专属客户经理", en: "Dedicated rep" }
    Unassigned { zh: "未分配", en: "Unassigned" }
    SourceChannel { zh: "来源渠道", en: "Source channel" }
    FirstSeen { zh: "首次接触", en: "First seen" }
    LastActivity { zh: "最近活动", en: "Last activity" }
    Notes { zh: "备注", en: "Notes" }
    Phones { zh: "手机", en: "Phones" }
    Emails { zh: "邮箱", en: "Emails" }
    Tags { zh: "标签", en: "Tags" }
    TagsHint { zh: "用逗号分隔。", en: "Separate with commas." }
    Primary { zh: "主要", en: "Primary" }
    AddPhone { zh: "添加手机", en: "Add phone" }
    AddEmail { zh: "添加邮箱", en: "Add email" }
    ContactDetails { zh: "联系方式", en: "Contact details" }
    Spending { zh: "消费概况", en: "Spending" }
    FirstPurchase { zh: "首次购买", en: "First purchase" }
    Categories { zh: "购买品类", en: "Categories" }
    Identities { zh: "渠道身份", en: "Channel identities" }
    NoIdentities { zh: "还没有关联的渠道身份。", en: "No channel identities linked yet." }
    ExternalId { zh: "渠道账号 ID", en: "External id" }
    IdentityTaken { zh: "该渠道账号已属于另一位客户。", en: "This channel id already belongs to another customer." }
    Consents { zh: "联系许可", en: "Contact consent" }
    ConsentGranted { zh: "已同意", en: "Granted" }
    ConsentRefused { zh: "已拒绝", en: "Refused" }
    ConsentUnknown { zh: "未记录", en: "Not recorded" }
    CustomFields { zh: "扩展资料", en: "More about them" }
    NoCustomFields { zh: "工作区还没有定义扩展资料字段。", en: "The workspace has no custom fields yet." }
    Yes { zh: "是", en: "Yes" }
    No { zh: "否", en: "No" }
    Timeline { zh: "时间线", en: "Timeline" }
    Transactions { zh: "交易", en: "Transactions" }
    Interactions { zh: "互动", en: "Interactions" }
    NoHistory { zh: "暂无记录。", en: "Nothing recorded yet." }
    Purchase { zh: "购买", en: "Purchase" }
    Refund { zh: "退款", en: "Refund" }
    TxCompleted { zh: "已完成", en: "Completed" }
    TxRefunded { zh: "已退款", en: "Refunded" }
    TxPartiallyRefunded { zh: "部分退款", en: "Partly refunded" }
    RecordPurchase { zh: "记录消费", en: "Record purchase" }
    Amount { zh: "金额", en: "Amount" }
    AmountHint { zh: "单位：元，最多两位小数。", en: "In the workspace currency, up to two decimals." }
    PaymentMethod { zh: "支付方式", en: "Payment method" }
    Channel { zh: "渠道", en: "Channel" }
    ProductOptional { zh: "商品（选填）", en: "Product (optional)" }
    CategoryOptional { zh: "品类（选填）", en: "Category (optional)" }
    StoreOptional { zh: "门店（选填）", en: "Store (optional)" }
    PurchaseRecorded { zh: "已记录消费 {amount}。", en: "Recorded a purchase of {amount}." }
    LogInteraction { zh: "记录互动", en: "Log interaction" }
    InteractionKind { zh: "类型", en: "Kind" }
    Direction { zh: "方向", en: "Direction" }
    Subject { zh: "主题", en: "Subject" }
    BodyOptional { zh: "内容（选填）", en: "Details (optional)" }
    InteractionRecorded { zh: "已记录互动。", en: "Logged the interaction." }
    Inbound { zh: "客户发起", en: "Inbound" }
    Outbound { zh: "我方发起", en: "Outbound" }
    ByAgent { zh: "经办：{name}", en: "By {name}" }
    PayCash { zh: "现金", en: "Cash" }
    PayCard { zh: "银行卡", en: "Card" }
    PayAlipay { zh: "支付宝", en: "Alipay" }
    PayWechat { zh: "微信支付", en: "WeChat Pay" }
    PayUnionPay { zh: "云闪付", en: "UnionPay" }
    PayBankTransfer { zh: "银行转账", en: "Bank transfer" }
    PayPoints { zh: "积分", en: "Points" }
    PayOther { zh: "其他", en: "Other" }
    KindConsultation { zh: "咨询", en: "Consultation" }
    KindCall { zh: "电话", en: "Call" }
    KindEmail { zh: "邮件", en: "Email" }
    KindChat { zh: "在线聊天", en: "Chat" }
    KindVisit { zh: "到店/拜访", en: "Visit" }
    KindSocial { zh: "社交媒体", en: "Social" }
    ChannelWeb { zh: "网店", en: "Web shop" }
    ChannelApp { zh: "App", en: "App" }
    ChannelWechat { zh: "微信", en: "WeChat" }
    ChannelSocial { zh: "社交媒体", en: "Social" }
    ChannelPhone { zh: "电话", en: "Phone" }
    ChannelEmail { zh: "邮件", en: "Email" }
    ChannelStore { zh: "门店", en: "Store" }
    ChannelMarketplace { zh: "电商平台", en: "Marketplace" }
    ChannelChat { zh: "在线客服", en: "Chat" }
    ChannelOther { zh: "其他", en: "Other" }
    ConsentSms { zh: "短信", en: "SMS" }
    ConsentEmail { zh: "邮件", en: "Email" }
    ConsentPhone { zh: "电话", en: "Phone" }
    ConsentWechat { zh: "微信", en: "WeChat" }
    ConsentAppPush { zh: "App 推送", en: "App push" }
    Duplicates { zh: "可能重复的客户", en: "Possible duplicates" }
    NoDuplicates { zh: "没有发现可能重复的客户。", en: "No likely duplicates found." }
    SamePhone { zh: "手机相同", en: "Same phone" }
    SameEmail { zh: "邮箱相同", en: "Same email" }
    SameNameAndBirthday { zh: "姓名和生日相同", en: "Same name and birthday" }
    Merge { zh: "合并…", en: "Merge…" }
    MergeTitle { zh: "合并重复客户", en: "Merge duplicates" }
    MergeKeep { zh: "保留哪一位？", en: "Which one stays?" }
    MergeConfirm { zh: "确认合并", en: "Merge" }
    MergePreview {
        zh: "{merged} 的 {identities} 个渠道身份、{orders} 笔订单、{interactions} 条互动、标签和联系方式将并入 {survivor}。今后 {merged} 的编号会自动指向 {survivor}。30 天内可以撤销。",
        en: "{merged}'s {identities} channel identities, {orders} orders, {interactions} interactions, tags and contact details move to {survivor}. {merged}'s code will lead to {survivor} from now on. You can undo this for 30 days.",
    }
    MergeResult { zh: "合并后", en: "After the merge" }
    Merged { zh: "已将 {merged} 并入 {survivor}。", en: "Merged {merged} into {survivor}." }
    Merges { zh: "合并记录", en: "Merges" }
    MergedFrom { zh: "并入了 {id}", en: "Merged in {id}" }
    Unmerge { zh: "撤销合并", en: "Undo merge" }
    Unmerged { zh: "已撤销合并，被并入的客户已恢复。", en: "Merge undone; the merged customer is back." }
    UndoneAt { zh: "已于 {time} 撤销", en: "Undone {time}" }
    AllChannels { zh: "全部渠道", en: "All channels" }
    TagFilter { zh: "标签", en: "Tag" }
    MinSpend { zh: "最低消费（元）", en: "Min. spend" }
    ShowDeleted { zh: "显示回收站", en: "Show the bin" }
    Deleted { zh: "已删除", en: "Deleted" }
    Columns { zh: "显示列", en: "Columns" }
    Created { zh: "加入时间", en: "Added" }
    ClearFilters { zh: "清除筛选", en: "Clear filters" }
    Role { zh: "角色", en: "Role" }
    Status { zh: "状态", en: "Status" }
    Workspace { zh: "工作区", en: "Workspace" }
    Reveal { zh: "显示", en: "Show" }

    RoleOwner { zh: "所有者", en: "Owner" }
    RoleAdmin { zh: "管理员", en: "Admin" }
    RoleManager { zh: "主管", en: "Manager" }
    RoleAgent { zh: "客服专员", en: "Agent" }
    RoleMarketer { zh: "市场专员", en: "Marketer" }
    RoleAnalyst { zh: "分析师", en: "Analyst" }

    StatusActive { zh: "正常", en: "Active" }
    StatusDeactivated { zh: "已停用", en: "Deactivated" }
    StatusExpired { zh: "已过期", en: "Expired" }
    StatusRevoked { zh: "已撤销", en: "Revoked" }

    SettingsAccount { zh: "我的账户", en: "My account" }
    SettingsUsers { zh: "用户与角色", en: "Users and roles" }
    SettingsTokens { zh: "API 令牌", en: "API tokens" }
    SettingsAudit { zh: "审计日志", en: "Audit log" }
    SettingsWebhooks { zh: "Webhook", en: "Webhooks" }
    WebhooksSubtitle { zh: "把客户的变化实时推送给您的商城、POS 或 ERP，每条消息都带有签名（Standard Webhooks）。", en: "Send customer changes to your shop, POS or ERP as they happen, each message signed (Standard Webhooks)." }
    AddEndpoint { zh: "添加端点", en: "Add endpoint" }
    NoEndpoints { zh: "还没有 Webhook 端点", en: "No webhook endpoints yet" }
    NoEndpointsBody { zh: "添加一个 URL，客户新建、消费、星级变化等都会推送过去。", en: "Add a URL and new customers, purchases, star changes and more are sent to it." }
    EndpointUrl { zh: "接收地址（URL）", en: "Endpoint URL" }
    EndpointUrlHint { zh: "https:// 开头；不能是本机或内网地址。", en: "Starts with https://; this machine and private networks are refused." }
    EndpointDescription { zh: "说明（可选）", en: "Description (optional)" }
    EventTypes { zh: "推送的事件", en: "Events to send" }
    AllEvents { zh: "全部事件", en: "All events" }
    AllEventsHint { zh: "不勾选任何事件即推送全部，包括以后新增的事件。", en: "Choose none to receive every event, including kinds added later." }
    StatusDisabled { zh: "已停用", en: "Disabled" }
    PausedByHand { zh: "已手动暂停：期间的变化会在启用后补发。", en: "Paused by hand: what changes meanwhile is sent once it is enabled again." }
    DisabledAfterFailures { zh: "连续 5 天投递失败，已自动停用。", en: "Disabled automatically after 5 days of failed deliveries." }
    SigningSecret { zh: "签名密钥", en: "Signing secret" }
    ShowSecret { zh: "显示密钥", en: "Show secret" }
    HideSecret { zh: "隐藏密钥", en: "Hide secret" }
    PreviousSecretUntil { zh: "旧密钥同时签名至", en: "The previous secret also signs until" }
    RotateSecret { zh: "更换密钥", en: "Rotate secret" }
    RotateSecretTitle { zh: "更换签名密钥？", en: "Rotate the signing secret?" }
    RotateSecretBody { zh: "将生成新密钥。24 小时内新旧密钥同时签名，请在此期间把新密钥部署到接收方。", en: "A new secret is made. For 24 hours both secrets sign every message: deploy the new one to the receiver meanwhile." }
    SendTestEvent { zh: "发送测试事件", en: "Send test event" }
    TestEventOk { zh: "测试事件已送达", en: "Test event delivered" }
    TestEventFailed { zh: "测试事件未送达", en: "Test event not delivered" }
    PauseEndpoint { zh: "暂停", en: "Pause" }
    EnableEndpoint { zh: "启用", en: "Enable" }
    DeleteEndpoint { zh: "删除端点", en: "Delete endpoint" }
    DeleteEndpointBody { zh: "删除 {url} 及其投递记录？未送达的消息将不再发送。", en: "Delete {url} and its delivery log? Messages not yet delivered will not be sent." }
    DeliveryLog { zh: "投递记录", en: "Delivery log" }
    NoDeliveries { zh: "还没有投递。", en: "Nothing delivered yet." }
    Resend { zh: "重发", en: "Resend" }
    Response { zh: "响应", en: "Response" }
    Duration { zh: "耗时", en: "Duration" }
    Event { zh: "事件", en: "Event" }
    FailingSince { zh: "投递持续失败，开始于", en: "Deliveries failing since" }
    EndpointsDisabledNotice { zh: "有端点已停用，不会收到任何事件。修复接收方后点击“启用”，期间的变化会补发。", en: "An endpoint is disabled and receives nothing. Fix the receiver, then Enable it: what changed meanwhile is sent." }
    TriggerReplay { zh: "手动重发", en: "Resent" }
    TriggerTest { zh: "测试", en: "Test" }
    KindCustomerCreated { zh: "新建客户", en: "Customer created" }
    KindCustomerUpdated { zh: "客户资料变更", en: "Customer updated" }
    KindCustomerDeleted { zh: "客户删除", en: "Customer deleted" }
    KindCustomerRestored { zh: "客户恢复", en: "Customer restored" }
    KindCustomerMerged { zh: "客户合并", en: "Customers merged" }
    KindCustomerUnmerged { zh: "撤销合并", en: "Merge undone" }
    KindCustomerErased { zh: "客户数据清除", en: "Customer erased" }
    KindTransactionRecorded { zh: "消费记录", en: "Purchase recorded" }
    KindTransactionDeleted { zh: "消费记录撤销", en: "Purchase removed" }
    KindRefundRecorded { zh: "退款记录", en: "Refund recorded" }
    KindInteractionRecorded { zh: "互动记录", en: "Interaction recorded" }
    KindInteractionDeleted { zh: "互动记录撤销", en: "Interaction removed" }
    KindStarsChanged { zh: "星级变化", en: "Stars changed" }
    KindLifecycleChanged { zh: "生命周期变化", en: "Lifecycle changed" }
    KindImportFinished { zh: "导入完成", en: "Import finished" }
    KindTicketOpened { zh: "工单创建", en: "Ticket opened" }
    KindTicketChanged { zh: "工单更新", en: "Ticket changed" }
    KindTicketBreached { zh: "工单超时", en: "Ticket missed a target" }
    KindTicketDueSoon { zh: "工单即将超时", en: "Ticket due soon" }
    KindFollowUpPlanned { zh: "计划回访", en: "Follow-up planned" }
    KindFollowUpDone { zh: "完成回访", en: "Follow-up done" }
    KindSurveyAnswered { zh: "回答调查", en: "Survey answered" }
    KindPointsChanged { zh: "积分变动", en: "Points changed" }
    KindPointsExpiring { zh: "积分即将到期", en: "Points expiring soon" }
    KindSegmentEntered { zh: "进入客户分群", en: "Entered a segment" }
    KindSegmentLeft { zh: "离开客户分群", en: "Left a segment" }
    KindWebhookTest { zh: "测试事件", en: "Test event" }

    Profile { zh: "个人资料", en: "Profile" }
    ChangePassword { zh: "修改密码", en: "Change password" }
    CurrentPassword { zh: "当前密码", en: "Current password" }
    NewPassword { zh: "新密码", en: "New password" }
    ConfirmPassword { zh: "确认新密码", en: "Confirm new password" }
    PasswordHint {
        zh: "至少 10 个字符；可以使用一句好记的话，不要用常见密码。",
        en: "At least 10 characters; a memorable phrase works well. Avoid common passwords.",
    }
    PasswordsDiffer { zh: "两次输入的新密码不一致。", en: "The two new passwords do not match." }
    WrongCurrentPassword { zh: "当前密码不正确。", en: "The current password is not correct." }
    PasswordChanged {
        zh: "密码已修改。其他设备上的登录已全部退出。",
        en: "Password changed. You were signed out on all other devices.",
    }

    UsersSubtitle {
        zh: "邀请同事、分配角色、停用离职人员。角色决定每个人能看到和做什么。",
        en: "Add colleagues, give them roles, deactivate people who leave. Roles decide what each person can see and do.",
    }
    SearchUsers { zh: "按姓名或邮箱搜索", en: "Search by name or email" }
    AllRoles { zh: "全部角色", en: "All roles" }
    AllStatuses { zh: "全部状态", en: "All statuses" }
    AddUser { zh: "添加用户", en: "Add user" }
    LastSignIn { zh: "最近登录", en: "Last sign-in" }
    Deactivate { zh: "停用", en: "Deactivate" }
    Reactivate { zh: "重新启用", en: "Reactivate" }
    DeactivateTitle { zh: "停用此用户？", en: "Deactivate this user?" }
    DeactivateBody {
        zh: "{name} 将无法登录，所有已登录的设备会立即退出。之后可以重新启用。",
        en: "{name} will not be able to sign in, and is signed out everywhere at once. You can reactivate them later.",
    }
    ReactivateTitle { zh: "重新启用此用户？", en: "Reactivate this user?" }
    ReactivateBody { zh: "{name} 将可以再次登录。", en: "{name} will be able to sign in again." }
    ResetPassword { zh: "重置密码", en: "Reset password" }
    ResetPasswordTitle { zh: "重置此用户的密码？", en: "Reset this user's password?" }
    ResetPasswordBody {
        zh: "将为 {name} 生成新的临时密码，其所有设备上的登录会立即退出。",
        en: "{name} gets a new temporary password and is signed out everywhere at once.",
    }
    UserCreated { zh: "临时密码", en: "Temporary password" }
    TemporaryPasswordIntro {
        zh: "请把临时密码交给 {email}，对方登录后应立即修改：",
        en: "Give this temporary password to {email}; they should change it after signing in:",
    }
    ShownOnce { zh: "此密码只显示这一次。", en: "This password is shown only once." }
    EmailTaken { zh: "该邮箱已有账户。", en: "An account with this email already exists." }

    TokensSubtitle {
        zh: "供网店、POS、ERP、呼叫中心等系统调用 API。每个令牌只拥有所选权限，且不会超过创建者的权限。",
        en: "For shops, POS, ERP and call centre systems calling the API. A token holds only the scopes chosen, never more than its creator.",
    }
    ShowRevoked { zh: "显示已撤销的令牌", en: "Show revoked tokens" }
    CreateToken { zh: "创建令牌", en: "Create token" }
    NoTokens { zh: "还没有 API 令牌", en: "No API tokens yet" }
    NoTokensBody {
        zh: "创建一个令牌，让其他系统安全地读写 StarCRM 数据。",
        en: "Create one to let another system read or write StarCRM data safely.",
    }
    TokenName { zh: "名称", en: "Name" }
    TokenNameHint { zh: "写明用途，例如“天猫店铺同步”。", en: "Say what it is for, e.g. \"Tmall shop sync\"." }
    Scopes { zh: "权限范围", en: "Scopes" }
    ChooseScope { zh: "请至少选择一项权限。", en: "Choose at least one scope." }
    CreatedBy { zh: "创建人", en: "Created by" }
    LastUsed { zh: "最近使用", en: "Last used" }
    ExpiresAt { zh: "有效期至", en: "Expires" }
    Expires30 { zh: "30 天", en: "30 days" }
    Expires90 { zh: "90 天", en: "90 days" }
    Expires365 { zh: "1 年", en: "1 year" }
    ExpiresNever { zh: "永不过期", en: "Never" }
    TokenCreated { zh: "令牌已创建", en: "Token created" }
    TokenShownOnce {
        zh: "请立即复制并妥善保存此令牌，关闭后将无法再次查看。",
        en: "Copy this token now and keep it safe: it will not be shown again.",
    }
    TokenUsage { zh: "在请求头中这样使用：", en: "Send it in the Authorization header:" }
    CopiedDone { zh: "我已复制", en: "I have copied it" }
    Revoke { zh: "撤销", en: "Revoke" }
    RevokeTitle { zh: "撤销此令牌？", en: "Revoke this token?" }
    RevokeBody {
        zh: "使用“{name}”的系统将立即无法访问，此操作不可撤回。",
        en: "Systems using \"{name}\" lose access at once. This cannot be undone.",
    }

    PermCustomersRead { zh: "查看客户", en: "Read customers" }
    PermCustomersWrite { zh: "编辑客户", en: "Edit customers" }
    PermCustomersErase { zh: "彻底删除客户个人数据", en: "Erase customers' personal data" }
    PermPiiRead { zh: "查看完整个人信息", en: "See full personal data" }
    PermTransactionsWrite { zh: "写入交易与互动", en: "Push transactions and interactions" }
    PermRatingsRead { zh: "查看星级", en: "Read ratings" }
    PermRatingsManage { zh: "管理星级规则", en: "Manage rating policies" }
    PermRatingsOverride { zh: "手动调整星级", en: "Override stars" }
    PermServiceManage { zh: "客户服务", en: "Customer service" }
    PermServiceConfigure { zh: "服务时效规则", en: "Service-level policies" }
    PermCampaignsManage { zh: "营销活动", en: "Campaigns" }
    PermCampaignsApprove { zh: "审批营销活动", en: "Approve campaigns" }
    PermSurveysRead { zh: "查看调查结果", en: "Read survey results" }
    PermSurveysRecord { zh: "录入调查答卷", en: "Record survey answers" }
    PermLoyaltyRead { zh: "查看积分", en: "See loyalty points" }
    PermPointsRedeem { zh: "兑换积分", en: "Redeem points" }
    PermPointsAdjust { zh: "手动调整积分", en: "Adjust points by hand" }
    PermLoyaltyManage { zh: "管理积分规则与奖励", en: "Manage points rules and rewards" }
    PermMembersIssue { zh: "签发会员令牌（自有 App）", en: "Issue member tokens (your own app)" }
    PermSurveysManage { zh: "管理调查与触达", en: "Manage surveys and messaging" }
    SurveyTitle { zh: "满意度调查", en: "Your feedback" }
    SurveyNpsQuestion { zh: "您有多大可能向朋友或同事推荐{business}？", en: "How likely are you to recommend {business} to a friend or colleague?" }
    SurveyCsatQuestion { zh: "您对{business}这次的服务满意吗？", en: "How satisfied were you with {business} this time?" }
    SurveyNpsLow { zh: "0 完全不可能", en: "0 Not at all likely" }
    SurveyNpsHigh { zh: "10 非常可能", en: "10 Extremely likely" }
    SurveyCsatLow { zh: "1 非常不满意", en: "1 Very dissatisfied" }
    SurveyCsatHigh { zh: "5 非常满意", en: "5 Very satisfied" }
    SurveyCommentLabel { zh: "想说说原因吗？（选填）", en: "Tell us why (optional)" }
    SurveyCommentHint { zh: "您的意见会直接转给负责的同事", en: "Your words go straight to the team responsible" }
    SurveyCommentTooLong { zh: "留言最多 2000 字", en: "At most 2000 characters" }
    SurveySend { zh: "提交", en: "Send" }
    SurveySending { zh: "提交中…", en: "Sending…" }
    SurveySendFailed { zh: "提交失败，请稍后再试", en: "That did not go through; please try again" }
    SurveyThanksTitle { zh: "感谢您的反馈！", en: "Thank you for your feedback!" }
    SurveyThanksBody { zh: "我们会认真阅读每一条意见。", en: "We read every answer." }
    SurveyAnsweredTitle { zh: "您已经回答过这份调查", en: "You have answered this survey" }
    SurveyExpiredTitle { zh: "这个调查链接已过期", en: "This survey link has expired" }
    SurveyExpiredBody { zh: "感谢您的关注，下次再听您的意见。", en: "Thank you all the same; we will ask again another time." }
    SurveyInvalidTitle { zh: "链接无效", en: "This link does not work" }
    SurveyInvalidBody { zh: "请检查链接是否完整，或使用消息中的原始链接。", en: "Check that the whole link was copied, or open it from the message." }
    SurveyFailedTitle { zh: "暂时无法打开", en: "Cannot open the survey right now" }
    SurveyFailedBody { zh: "请检查网络后刷新页面。", en: "Check your connection and reload the page." }
    NavFeedback { zh: "客户反馈", en: "Feedback" }
    FeedbackSubtitle { zh: "NPS 与 CSAT 及其误差范围，按星级、渠道、客服与门店细分；不满意的客户在说什么", en: "NPS and CSAT with their margin of error by star level, channel, agent and store, and what unhappy customers talk about" }
    FeedbackKind { zh: "调查类型", en: "Survey type" }
    Last365Days { zh: "近 12 个月", en: "Last 12 months" }
    FeedbackAnswersCount { zh: "{n} 份答卷", en: "{n} answers" }
    FeedbackInterval { zh: "95% 置信区间：{i}", en: "95% interval: {i}" }
    FeedbackSmallSample { zh: "答卷少于 30 份，结果仅供参考", en: "Fewer than 30 answers: read this as a rough guide" }
    FeedbackSplit { zh: "答卷构成", en: "How the answers split" }
    FeedbackPromoters { zh: "推荐者（9–10）", en: "Promoters (9–10)" }
    FeedbackPassives { zh: "中立者（7–8）", en: "Passives (7–8)" }
    FeedbackDetractors { zh: "贬损者（0–6）", en: "Detractors (0–6)" }
    FeedbackSatisfied { zh: "满意（4–5）", en: "Satisfied (4–5)" }
    FeedbackNotSatisfied { zh: "其他（1–3）", en: "Others (1–3)" }
    FeedbackNoAnswers { zh: "这段时间还没有答卷", en: "No answers in this period" }
    FeedbackBy { zh: "细分", en: "Broken down by" }
    FeedbackAgent { zh: "客服", en: "Agent" }
    FeedbackStore { zh: "门店", en: "Store" }
    FeedbackIntervalNote { zh: "圆点为得分，色带为 95% 置信区间；色带互相重叠的两组，差异可能只是偶然。星级为客户当前的星级。", en: "The dot is the score, the band its 95% interval: groups whose bands overlap may differ by chance alone. Star levels are the customers' current stars." }
    FeedbackTrend { zh: "近 12 个月趋势", en: "Last 12 months" }
    FeedbackTermsTitle { zh: "客户在说什么", en: "What customers talk about" }
    FeedbackTermsBasis { zh: "比较 {unhappy} 条不满意评论与 {happy} 条满意评论", en: "{unhappy} unhappy comments compared with {happy} happy ones" }
    FeedbackTermsUnhappy { zh: "不满意的客户更常提到", en: "Unhappy customers mention more" }
    FeedbackTermsHappy { zh: "满意的客户更常提到", en: "Happy customers mention more" }
    FeedbackNoTerms { zh: "评论还不够多，暂无可比较的词", en: "Not enough comments to compare yet" }
    FeedbackTermsNote { zh: "按加权对数几率排序，加粗的词差异显著（z > 1.96）。点击一个词查看提到它的答卷。", en: "Ranked by weighted log-odds; terms in bold are significant (z > 1.96). Select a term to read the answers that use it." }
    FeedbackLatest { zh: "最新答卷", en: "Latest answers" }
    FeedbackUnhappyAnswers { zh: "不满意的答卷", en: "Unhappy answers" }
    FeedbackUsingTerm { zh: "提到“{t}”的答卷", en: "Answers mentioning “{t}”" }
    FeedbackAll { zh: "全部", en: "All" }
    FeedbackUnhappyOnly { zh: "不满意", en: "Unhappy" }
    FeedbackScore { zh: "评分", en: "Score" }
    FeedbackNoComment { zh: "（没有留言）", en: "(no comment)" }
    FeedbackAgentIs { zh: "客服：{name}", en: "Agent: {name}" }
    FeedbackRecordedByIntegration { zh: "由外部系统录入", en: "Recorded by an integration" }
    FeedbackLoopTicket { zh: "已开投诉工单 {code}", en: "Complaint {code} opened" }
    SendSurvey { zh: "邀请评价", en: "Ask for feedback" }
    SendSurveyHelp { zh: "现在给这位客户发送一份调查。发送前会检查客户是否同意该渠道、是否有联系方式，以及联系频率上限。", en: "Send this customer a survey now. Consent for the channel, an address and the contact budget are checked when it goes out." }
    SendSurveyChoose { zh: "请选择一份调查", en: "Choose a survey" }
    SendSurveyNone { zh: "没有启用的调查。请先在 设置 > 调查与触达 中启用一份。", en: "No survey is active. Switch one on in Settings > Surveys first." }
    SendSurveyQueued { zh: "调查已排队，将在下一轮发送时发出；结果见 设置 > 调查与触达。", en: "The survey is queued and goes out with the next pass; see Settings > Surveys for how it went." }
    SendSurveyAlready { zh: "今天已经用这份调查邀请过这位客户。", en: "This customer was already sent this survey today." }
    CustomerFeedbackTitle { zh: "调查答卷", en: "Survey answers" }
    CustomerFeedbackEmpty { zh: "还没有回答过调查", en: "No survey answers yet" }
    SettingsSurveys { zh: "调查与触达", en: "Surveys" }
    SettingsSurveysSubtitle { zh: "何时邀请客户评分、通过哪个渠道、用什么话；消息怎样发出；每位客户多久最多联系一次", en: "When customers are asked for a score, on which channel and in which words; how messages go out; how often one customer may be contacted" }
    SurveyDefinitions { zh: "调查", en: "Surveys" }
    NewSurvey { zh: "新建调查", en: "New survey" }
    EditSurvey { zh: "编辑调查", en: "Edit survey" }
    NoSurveys { zh: "还没有调查。新建一个，在工单解决后或购买几天后自动邀请客户评分。", en: "No surveys yet. Create one to ask customers for a score after a ticket is solved or a few days after a purchase." }
    SurveyName { zh: "名称", en: "Name" }
    SurveyKindLabel { zh: "类型", en: "Type" }
    SurveyKindNps { zh: "NPS（0–10 推荐度）", en: "NPS (0–10, would recommend)" }
    SurveyKindCsat { zh: "CSAT（1–5 满意度）", en: "CSAT (1–5, satisfaction)" }
    SurveyTriggerLabel { zh: "何时发送", en: "When it asks" }
    SurveyTriggerTicketSolved { zh: "工单解决后", en: "A ticket is solved" }
    SurveyTriggerAfterPurchase { zh: "购买后", en: "After a purchase" }
    SurveyTriggerManual { zh: "手动发送", en: "Sent by hand" }
    SurveyTriggerPeriodic { zh: "定期（按星级）", en: "Every so often (by star level)" }
    SurveyPeriodDays { zh: "每隔多少天询问同一位客户", en: "Days between asks of one customer" }
    SurveyStarLevels { zh: "询问哪些星级的客户", en: "Star levels asked" }
    SurveyStarLevelsHint { zh: "都不选则询问所有已评星的客户。客户按编号分散到整个周期里，每天只问一小部分。", en: "None chosen: every rated customer. Customers are spread over the period by number, a small share each day." }
    SurveyEvery { zh: "每 {d} 天", en: "every {d} days" }
    SurveyDelayDays { zh: "延迟（天）", en: "Delay (days)" }
    SurveyDelayAfter { zh: "{d} 天后", en: "after {d} days" }
    SurveyChannelLabel { zh: "渠道", en: "Channel" }
    MessageEmail { zh: "邮件", en: "Email" }
    MessageSms { zh: "短信", en: "SMS" }
    MessageWechat { zh: "微信模板消息", en: "WeChat template message" }
    MessagePush { zh: "App 推送", en: "App push" }
    SurveyLinkDays { zh: "链接有效期（天）", en: "Link valid (days)" }
    SurveyActive { zh: "启用", en: "Active" }
    SurveyInactive { zh: "已停用", en: "Paused" }
    SurveyTemplateHint { zh: "可用变量：{name} 客户称呼、{stars} 星级、{points} 积分余额、{link} 调查链接（必填）。按客户的语言选择模板；英文留空则都发中文。", en: "Variables: {name} the customer's name, {stars} their stars, {points} their points balance, {link} the survey link (required). The customer's language picks the template; leave English empty to send Chinese to everyone." }
    TemplateSubject { zh: "邮件主题", en: "Email subject" }
    TemplateBody { zh: "消息正文", en: "Message" }
    SurveyNumbersInvalid { zh: "延迟和有效期须为整数天数。", en: "Delay and validity are whole numbers of days." }
    MessagingTitle { zh: "消息发送", en: "Sending messages" }
    MessagingHelp { zh: "邮件经您的 SMTP 服务器发出；短信、微信和推送以签名的 Webhook 交给您自己的发送服务，由它发出。", en: "Email goes out through your SMTP server; SMS, WeChat and push are handed to your own sender as signed webhooks, and it sends them." }
    LinkBase { zh: "Web 应用的公开地址", en: "Public address of the web app" }
    LinkBaseHint { zh: "调查链接以此开头，例如 https://crm.example.com", en: "Survey links start with it, e.g. https://crm.example.com" }
    DeliveryUrl { zh: "您的发送服务地址（短信、微信、推送）", en: "Your sender's address (SMS, WeChat, push)" }
    DeliveryUrlHint { zh: "每条消息以 Standard Webhooks 签名的 POST 请求送到这里，包含渲染好的正文和链接", en: "Each message is POSTed here, signed per Standard Webhooks, with the rendered text and link" }
    DeliverySecret { zh: "签名密钥（验证请求来自 StarCRM）", en: "Signing secret (to verify requests come from StarCRM)" }
    SmtpUse { zh: "通过 SMTP 服务器发送邮件", en: "Send email through an SMTP server" }
    SmtpHost { zh: "SMTP 服务器", en: "SMTP host" }
    SmtpPort { zh: "端口", en: "Port" }
    SmtpTls { zh: "加密方式", en: "Encryption" }
    TlsStartTls { zh: "STARTTLS（通常为 587 端口）", en: "STARTTLS (usually port 587)" }
    TlsImplicit { zh: "TLS（通常为 465 端口）", en: "TLS (usually port 465)" }
    TlsNone { zh: "不加密（仅限同一网络内的中继）", en: "None (a relay on the same network only)" }
    SmtpFrom { zh: "发件人", en: "From" }
    SmtpFromHint { zh: "例如 星辰会员中心 <service@example.com>", en: "e.g. Example Store <service@example.com>" }
    SmtpUsername { zh: "用户名", en: "Username" }
    SmtpPassword { zh: "密码", en: "Password" }
    SmtpPasswordKept { zh: "已保存，留空则不变", en: "Saved; leave empty to keep it" }
    SmtpPortInvalid { zh: "端口须为 1 到 65535 之间的整数。", en: "The port is a whole number from 1 to 65535." }
    BudgetTitle { zh: "联系频率上限", en: "Contact budget" }
    BudgetHelp { zh: "每位客户在一段时间内最多被主动联系几次（调查与今后的营销消息合计），以及免打扰时段。超出上限的邀请不会发出，并记录原因。", en: "How often one customer may be contacted unasked (surveys now, campaigns later, counted together), and quiet hours. An invitation over the budget is not sent, and the reason is recorded." }
    BudgetSurveys { zh: "调查", en: "Surveys" }
    BudgetMessages { zh: "所有消息", en: "All messages" }
    BudgetAtMost { zh: "最多", en: "at most" }
    BudgetTimes { zh: "次数", en: "times" }
    BudgetTimesPer { zh: "次，每", en: "per" }
    QuietHours { zh: "免打扰时段", en: "Quiet hours" }
    QuietFrom { zh: "开始", en: "From" }
    QuietTo { zh: "结束", en: "To" }
    BudgetByStars { zh: "星级单独的上限", en: "Star levels with their own limits" }
    BudgetByStarsHelp { zh: "例如：5 星客户每 60 天最多收到 1 份调查。留空的一项沿用上面的上限。", en: "For example: 5-star customers get at most 1 survey in 60 days. An empty limit keeps the one above." }
    AddStarRule { zh: "添加星级规则", en: "Add a star level rule" }
    BudgetInvalid { zh: "上限须填写次数（0–100）和天数（1–366）；免打扰时段须为有效时间。", en: "A limit needs a count (0–100) and days (1–366); quiet hours need valid times." }
    InvitationsTitle { zh: "最近的邀请", en: "Latest invitations" }
    NoInvitations { zh: "还没有发出邀请", en: "No invitations yet" }
    InvitationQueued { zh: "待发送", en: "Queued" }
    InvitationSent { zh: "已发送", en: "Sent" }
    InvitationSkipped { zh: "未发送", en: "Skipped" }
    InvitationFailed { zh: "发送失败", en: "Failed" }
    MessageCancelled { zh: "已取消", en: "Cancelled" }
    InvitationAnswered { zh: "已回答", en: "Answered" }
    SkipSurveyBudget { zh: "已达调查上限", en: "Survey budget reached" }
    SkipMessageBudget { zh: "已达消息上限", en: "Message budget reached" }
    SkipNoConsent { zh: "客户未同意该渠道", en: "No consent for the channel" }
    SkipNoAddress { zh: "没有该渠道的联系方式", en: "No address for the channel" }
    SurveyFoot { zh: "由 StarCRM 提供 · 您的回答仅用于改进服务", en: "Powered by StarCRM · your answer is used only to improve the service" }
    PermUsersRead { zh: "查看用户", en: "See users" }
    PermUsersManage { zh: "管理用户", en: "Manage users" }
    PermTokensManage { zh: "管理 API 令牌", en: "Manage API tokens" }
    PermWebhooksManage { zh: "管理 Webhook", en: "Manage webhooks" }
    PermDataImport { zh: "导入数据", en: "Import data" }
    PermDataExport { zh: "导出数据", en: "Export data" }
    ImportCustomers { zh: "导入数据", en: "Import data" }
    ImportSubtitle { zh: "从 Excel、网店、收银或客服系统导出的 CSV 文件导入客户、消费记录或互动记录：先检查，再导入，30 天内可撤销。", en: "Bring customers, their purchases or their interactions in from a CSV file (Excel, your shop, POS or call centre): check it first, then import; undo within 30 days." }
    ImportKindLabel { zh: "文件内容", en: "The file holds" }
    ImportKindAuto { zh: "按列名自动判断", en: "Tell from the header row" }
    ImportKindCustomers { zh: "客户（每行一位客户）", en: "Customers (one per row)" }
    ImportKindTransactions { zh: "消费记录（每行一个商品，订单号相同的行为同一笔）", en: "Purchases (one item per row; rows with the same order number are one purchase)" }
    ImportKindInteractions { zh: "互动记录（每行一次电话、咨询、到店等）", en: "Interactions (one call, consultation, visit... per row)" }
    ImportKindInteractionsShort { zh: "互动记录", en: "Interactions" }
    ImportInteractionsRecorded { zh: "新增互动", en: "Interactions recorded" }
    ImportRevertInteractionsBody { zh: "将删除本次导入的 {created} 条互动记录，以及为其新建的客户。", en: "Deletes the {created} interactions this import recorded and the customers it created for them." }
    ImportReference { zh: "编号", en: "Reference" }
    ImportOccurredAt { zh: "时间", en: "When" }
    ImportInteractionType { zh: "类型", en: "Type" }
    ImportSubject { zh: "主题", en: "Subject" }
    TargetInteractionType { zh: "互动类型", en: "Interaction type" }
    TargetDirection { zh: "方向（呼入/呼出）", en: "Direction (in/out)" }
    TargetOccurredAt { zh: "发生时间", en: "Happened at" }
    TargetSubject { zh: "主题", en: "Subject" }
    TargetReference { zh: "记录编号", en: "Reference" }
    ImportKindCustomersShort { zh: "客户", en: "Customers" }
    ImportPresets { zh: "已保存的对应模板（列名相同的文件会自动套用）", en: "Saved mappings (applied to files with the same headers)" }
    ImportPresetName { zh: "保存为模板", en: "Save as a preset" }
    ImportPresetPlaceholder { zh: "如：门店月报", en: "e.g. Store monthly report" }
    ImportPresetSave { zh: "保存模板", en: "Save preset" }
    ImportPresetSaved { zh: "已保存模板“{name}”：下次上传列名相同的文件会自动套用。", en: "Saved “{name}”: the next file with the same headers is mapped by it." }
    ImportPresetApplied { zh: "已按模板“{name}”对应各列，请核对。", en: "Mapped by the saved preset “{name}”; check it." }
    ImportKindTransactionsShort { zh: "消费记录", en: "Purchases" }
    ImportPurchasesHint { zh: "按会员号、手机或邮箱找到客户；没有匹配的客户会自动新建。订单号已存在的消费不会重复导入。", en: "Each purchase finds its customer by member number, phone or email; customers nobody matches are created. An order number recorded before is not imported twice." }
    ImportModePurchasesUpsert { zh: "没有匹配的客户则新建", en: "Create customers nobody matches" }
    ImportModePurchasesUpdateOnly { zh: "只导入已有客户的消费", en: "Existing customers only" }
    ImportRecorded { zh: "新增消费", en: "Purchases recorded" }
    ImportLinesAdded { zh: "追加商品行", en: "Lines added to an order" }
    ImportOrderNo { zh: "订单号", en: "Order no." }
    ImportCustomer { zh: "客户", en: "Customer" }
    ImportPurchasedAt { zh: "消费时间", en: "Purchased at" }
    ImportAmount { zh: "金额", en: "Amount" }
    ImportItem { zh: "商品", en: "Item" }
    ImportRevertPurchasesBody { zh: "将删除本次导入的 {created} 笔消费记录，以及为其新建的客户；客户的星级随之重新计算。导入后退过款的消费会保留并列出。", en: "Deletes the {created} purchases this import recorded and the customers it created for them; stars are worked out again. Purchases refunded since are left alone and listed." }
    TargetOrderNo { zh: "订单号", en: "Order no." }
    TargetPurchasedAt { zh: "消费时间", en: "Purchased at" }
    TargetAmount { zh: "订单金额", en: "Order total" }
    TargetCurrency { zh: "币种", en: "Currency" }
    TargetPaymentMethod { zh: "支付方式", en: "Payment method" }
    TargetStore { zh: "门店", en: "Store" }
    TargetItemName { zh: "商品名称", en: "Item name" }
    TargetItemSku { zh: "商品编码", en: "Item SKU" }
    TargetItemCategory { zh: "商品类别", en: "Item category" }
    TargetQuantity { zh: "数量", en: "Quantity" }
    TargetUnitPrice { zh: "单价", en: "Unit price" }
    TargetRefunded { zh: "已退款金额", en: "Amount refunded" }
    TargetRefundedAt { zh: "退款时间", en: "Refunded at" }
    ImportRefundedShort { zh: "已退", en: "refunded" }
    ImportButton { zh: "导入", en: "Import" }
    ExportCustomers { zh: "导出客户", en: "Export customers" }
    ExportFormat { zh: "导出格式", en: "Export format" }
    ExportPurchases { zh: "导出消费记录", en: "Export purchases" }
    ExportStarted { zh: "正在下载导出文件（链接 15 分钟内有效）。", en: "Your export is downloading (the link works for 15 minutes)." }
    ImportChooseFile { zh: "选择 CSV 文件", en: "Choose a CSV file" }
    ImportFileHint { zh: "UTF-8 或 GBK 编码（Excel “另存为 CSV”即可），逗号、分号或制表符分隔，第一行为列名。", en: "UTF-8 or GBK (Excel's Save as CSV works), separated by commas, semicolons or tabs, with a header row." }
    ImportUploading { zh: "正在上传…", en: "Uploading…" }
    ImportMapping { zh: "对应字段", en: "Map the columns" }
    ImportMappingHint { zh: "已按列名自动匹配，请核对。按手机、邮箱或会员号识别已有客户。", en: "Matched from the headers; check them. Existing customers are found by phone, email or member number." }
    ImportColumn { zh: "文件中的列", en: "Column in the file" }
    ImportSample { zh: "示例", en: "Sample" }
    ImportTargetLabel { zh: "导入为", en: "Import as" }
    ImportSkipColumn { zh: "不导入", en: "Don't import" }
    ImportKeep { zh: "保留已有值", en: "Keep existing values" }
    ImportModeLabel { zh: "遇到已有客户", en: "Existing customers" }
    ImportModeUpsert { zh: "更新已有，新建其余", en: "Update matches, create the rest" }
    ImportModeCreateOnly { zh: "只新建，跳过已有", en: "Create new only" }
    ImportModeUpdateOnly { zh: "只更新已有", en: "Update existing only" }
    ImportChannelLabel { zh: "会员号所属渠道", en: "Member numbers belong to" }
    ImportCheck { zh: "检查（不写入）", en: "Check (dry run)" }
    ImportRun { zh: "开始导入", en: "Import now" }
    ImportProgress { zh: "已处理 {done} / {total} 行", en: "{done} of {total} rows" }
    ImportSpeed { zh: "{rate} 行/秒，约剩 {eta} 秒", en: "{rate} rows/s, about {eta} s left" }
    ImportCreated { zh: "新建", en: "Created" }
    ImportUpdated { zh: "更新", en: "Updated" }
    ImportSkipped { zh: "跳过", en: "Skipped" }
    ImportRejected { zh: "有误", en: "Errors" }
    ImportCheckResult { zh: "检查结果：尚未写入任何数据", en: "Dry run: nothing was written yet" }
    ImportResult { zh: "导入结果", en: "Import result" }
    ImportErrorsTitle { zh: "有误的行", en: "Rows with errors" }
    ImportRowNumber { zh: "行号", en: "Row" }
    ImportReason { zh: "原因", en: "Reason" }
    ImportDownloadErrors { zh: "下载有误的行 (CSV)", en: "Download rows with errors (CSV)" }
    ImportPreview { zh: "预览：前 20 行将如何导入", en: "Preview: the first 20 rows as they would be stored" }
    ImportAction { zh: "操作", en: "Action" }
    ImportActionCreate { zh: "新建", en: "Create" }
    ImportActionUpdate { zh: "更新", en: "Update" }
    ImportActionSkip { zh: "跳过", en: "Skip" }
    ImportActionReject { zh: "有误", en: "Error" }
    ImportRevert { zh: "撤销导入", en: "Revert import" }
    ImportRevertBody { zh: "将删除本次导入新建的 {created} 位客户，并恢复被修改的 {updated} 位客户。导入后又被改动的客户会保留并列出。", en: "Deletes the {created} customers this import created and restores the {updated} it changed. Customers changed since are left alone and listed." }
    ImportRevertRefused { zh: "{n} 位客户在导入后被改动过，未撤销：", en: "{n} customers changed since the import were left alone:" }
    ImportRevertibleUntil { zh: "可撤销至 {date}", en: "Can be reverted until {date}" }
    ImportFailed { zh: "导入中断：{error}。已写入的行可以撤销。", en: "The import stopped: {error}. The rows written so far can be reverted." }
    ImportHistory { zh: "导入记录", en: "Import history" }
    ImportNoHistory { zh: "还没有导入记录。", en: "No imports yet." }
    ImportFile { zh: "文件", en: "File" }
    ImportStatusLabel { zh: "状态", en: "Status" }
    ImportOpen { zh: "查看", en: "Open" }
    ImportAnother { zh: "导入另一个文件", en: "Import another file" }
    ImportStatusUploaded { zh: "待检查", en: "Uploaded" }
    ImportStatusChecking { zh: "检查中", en: "Checking" }
    ImportStatusChecked { zh: "已检查", en: "Checked" }
    ImportStatusQueued { zh: "排队中", en: "Queued" }
    ImportStatusRunning { zh: "导入中", en: "Importing" }
    ImportStatusSucceeded { zh: "已完成", en: "Done" }
    ImportStatusFailed { zh: "失败", en: "Failed" }
    ImportStatusReverting { zh: "撤销中", en: "Reverting" }
    ImportStatusReverted { zh: "已撤销", en: "Reverted" }
    TargetMemberNo { zh: "会员号", en: "Member no." }
    ActionImportUpload { zh: "上传导入文件", en: "Uploaded an import file" }
    ActionImportStart { zh: "开始导入", en: "Started an import" }
    ActionImportFinish { zh: "导入完成", en: "Import finished" }
    ActionImportRevert { zh: "撤销导入", en: "Reverted an import" }
    ActionExportCustomers { zh: "导出客户", en: "Exported customers" }

    PermAuditRead { zh: "查看审计日志", en: "Read the audit log" }
    PermSettingsManage { zh: "管理设置", en: "Manage settings" }

    AuditSubtitle {
        zh: "谁在何时、从哪里做了什么。记录只能新增，不能修改或删除。",
        en: "Who did what, when and from where. Entries can be added, never changed or deleted.",
    }
    AllActions { zh: "全部操作", en: "All actions" }
    GroupSessions { zh: "登录与会话", en: "Sign-ins and sessions" }
    GroupUsers { zh: "用户", en: "Users" }
    GroupTokens { zh: "API 令牌", en: "API tokens" }
    GroupWorkspace { zh: "工作区", en: "Workspace" }
    From { zh: "从", en: "From" }
    To { zh: "至", en: "To" }
    Time { zh: "时间", en: "Time" }
    Actor { zh: "操作人", en: "Actor" }
    Action { zh: "操作", en: "Action" }
    Details { zh: "详情", en: "Details" }
    Source { zh: "来源", en: "Source" }
    ActorUser { zh: "用户", en: "User" }
    ActorToken { zh: "API 令牌", en: "API token" }
    ActorSystem { zh: "系统", en: "System" }
    ActionLogin { zh: "登录", en: "Signed in" }
    ActionLoginFailed { zh: "登录失败", en: "Failed sign-in" }
    ActionLogout { zh: "退出登录", en: "Signed out" }
    ActionReuseDetected { zh: "刷新令牌被重复使用，会话已终止", en: "Refresh token reused; session ended" }
    ActionUserCreate { zh: "创建用户", en: "Created a user" }
    ActionUserRoleChange { zh: "修改角色", en: "Changed a role" }
    ActionUserDeactivate { zh: "停用用户", en: "Deactivated a user" }
    ActionUserReactivate { zh: "重新启用用户", en: "Reactivated a user" }
    ActionPasswordChange { zh: "修改密码", en: "Changed their password" }
    ActionPasswordReset { zh: "重置用户密码", en: "Reset a user's password" }
    ActionTokenCreate { zh: "创建 API 令牌", en: "Created an API token" }
    ActionTokenRevoke { zh: "撤销 API 令牌", en: "Revoked an API token" }
    ActionWebhookCreate { zh: "添加 Webhook 端点", en: "Added a webhook endpoint" }
    ActionWebhookUpdate { zh: "修改 Webhook 端点", en: "Changed a webhook endpoint" }
    ActionWebhookDelete { zh: "删除 Webhook 端点", en: "Deleted a webhook endpoint" }
    ActionWebhookRotate { zh: "更换 Webhook 签名密钥", en: "Rotated a webhook secret" }
    ActionWebhookReplay { zh: "重发 Webhook 消息", en: "Resent a webhook message" }
    ActionWebhookRecover { zh: "恢复失败的 Webhook 消息", en: "Requeued failed webhook messages" }
    ActionWebhookDisabled { zh: "Webhook 端点因持续失败被停用", en: "Webhook endpoint disabled after failing" }
    ActionPiiReveal { zh: "查看个人信息", en: "Viewed personal data" }
    ActionWorkspaceCreate { zh: "创建工作区", en: "Created the workspace" }
    ActionCustomerCreate { zh: "新建客户", en: "Created a customer" }
    ActionCustomerUpdate { zh: "修改客户资料", en: "Edited a customer" }
    ActionCustomerDelete { zh: "删除客户（移入回收站）", en: "Moved a customer to the bin" }
    ActionCustomerRestore { zh: "恢复客户", en: "Restored a customer" }
    ActionCustomerErase { zh: "彻底清除客户个人信息", en: "Erased a customer's personal data" }
    ActionCustomerMerge { zh: "合并重复客户", en: "Merged duplicate customers" }
    ActionCustomerUnmerge { zh: "撤销合并", en: "Undid a merge" }
    ActionIdentityAdd { zh: "关联渠道身份", en: "Linked a channel identity" }
    ActionIdentityRemove { zh: "解除渠道身份", en: "Unlinked a channel identity" }
    ActionStarsOverridden { zh: "人工设定星级", en: "Set stars by hand" }
    ActionStarsOverrideLifted { zh: "取消人工星级", en: "Ended manual stars" }
    ActionStarsOverrideEnded { zh: "人工星级到期", en: "Manual stars expired" }
    ActionPolicyDraftSaved { zh: "保存评级规则草稿", en: "Saved a rating policy draft" }
    ActionPolicyDraftDiscarded { zh: "放弃评级规则草稿", en: "Discarded a rating policy draft" }
    ActionPolicyActivated { zh: "启用评级规则", en: "Activated a rating policy" }
    ActionTiersSaved { zh: "保存星级权益", en: "Saved the tier benefits" }
    ActionCustomFieldCreate { zh: "新建扩展字段", en: "Added a profile field" }
    ActionCustomFieldUpdate { zh: "修改扩展字段", en: "Edited a profile field" }
    ActionCustomFieldArchive { zh: "归档扩展字段", en: "Archived a profile field" }
    GroupCustomers { zh: "客户", en: "Customers" }
    GroupRatings { zh: "星级与权益", en: "Stars and benefits" }
    AuditReason { zh: "原因", en: "Reason" }
    AuditUntil { zh: "有效至", en: "Until" }
    AuditVersion { zh: "版本", en: "Version" }
    AuditPreviousVersion { zh: "原版本", en: "Previous version" }
    AuditSessionsEnded { zh: "结束的会话", en: "Sessions ended" }
    AuditField { zh: "字段", en: "Field" }
    AuditFieldId { zh: "字段标识", en: "Key" }
    AuditKind { zh: "类型", en: "Type" }
    AuditBenefits { zh: "各星级权益数（1–5 星）", en: "Benefits per level (1–5★)" }
    AuditMovedIdentities { zh: "转移的渠道身份", en: "Identities moved" }
    AuditMovedTransactions { zh: "转移的交易", en: "Purchases moved" }
    AuditMovedInteractions { zh: "转移的互动", en: "Interactions moved" }
    AuditIdNumber { zh: "证件号", en: "ID number" }
    AuditViaIngest { zh: "由推送自动创建", en: "Created by a push" }
    AuditWrongPassword { zh: "密码错误", en: "Wrong password" }
    AuditDeactivated { zh: "账号已停用", en: "Account deactivated" }

    InvalidRequired { zh: "此项必填。", en: "This is required." }
    InvalidTooShort { zh: "至少需要 {n} 个字符。", en: "Use at least {n} characters." }
    InvalidTooLong { zh: "最多 {n} 个字符。", en: "Use at most {n} characters." }
    InvalidEmail { zh: "请输入有效的邮箱地址。", en: "Enter a valid email address." }
    InvalidPhone {
        zh: "请输入有效的手机号（中国大陆手机号，或以 + 开头的国际号码）。",
        en: "Enter a valid phone number (a Chinese mobile number, or an international one starting with +).",
    }
    InvalidCommonPassword { zh: "这个密码太常见，容易被猜到，请换一个。", en: "This password is too common and easy to guess; choose another." }
    InvalidPasswordContainsEmail { zh: "密码不能包含邮箱用户名。", en: "The password must not contain your email name." }
    InvalidCharacters { zh: "包含不允许的字符。", en: "Contains characters that are not allowed." }
    InvalidDate { zh: "请输入有效日期（年-月-日）。", en: "Enter a real date (YYYY-MM-DD)." }
    InvalidDateRange { zh: "日期须在 1900-01-01 与今天之间。", en: "The date must be between 1900-01-01 and today." }
    InvalidCurrency { zh: "请输入三位货币代码，如 CNY。", en: "Enter a three-letter currency code such as CNY." }
    InvalidNegative { zh: "不能为负数。", en: "Must not be negative." }
    InvalidTooLarge { zh: "数值过大。", en: "The value is too large." }
    InvalidNotAnOption { zh: "不是可选的选项。", en: "Not one of the choices." }
    InvalidWrongType { zh: "类型不正确。", en: "The value has the wrong type." }
    InvalidDuplicate { zh: "重复了。", en: "Appears more than once." }
    InvalidDecimals { zh: "最多保留 {n} 位小数。", en: "Use at most {n} decimals." }
    InvalidTooSmall { zh: "不能小于 {n}。", en: "Must be at least {n}." }
    ErrorRateLimitedWait { zh: "尝试次数过多，请在 {n} 秒后重试。", en: "Too many attempts. Try again in {n} seconds." }

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
    GlobalSearchLabel { zh: "搜索客户", en: "Search customers" }
    CustomerCode { zh: "编号", en: "Code" }
    SearchPlaceholder { zh: "姓名、拼音、手机尾号、会员号…", en: "Name, pinyin, phone digits, id…" }
    Searching { zh: "正在搜索…", en: "Searching…" }
    SearchNoResults { zh: "没有找到匹配的客户。试试拼音、手机尾号或会员号。", en: "No customer matches. Try pinyin, the last digits of a phone or a member id." }
    SearchSeeAll { zh: "查看全部 {n} 条结果", en: "See all {n} results" }
    SearchResultsTitle { zh: "搜索客户", en: "Customer search" }
    SearchResultsSubtitle { zh: "跨渠道查找：中文姓名或拼音、英文名（可容错）、手机号或尾号、邮箱、会员号与订单号、公司、标签。", en: "Across every channel: Chinese names or pinyin, English names (typos forgiven), phones or their last digits, emails, member and order ids, companies, tags." }
    SearchResultsCount { zh: "找到 {n} 位客户", en: "{n} customers found" }
    SearchResultsShown { zh: "显示前 {shown} 位，共 {n} 位客户", en: "Showing the best {shown} of {n} customers" }
    SearchMore { zh: "显示更多结果", en: "Show more results" }
    SearchWindowEnd { zh: "只能显示前 {n} 位，请用星级或阶段缩小范围。", en: "Only the best {n} can be shown; narrow the search by stars or stage." }
    SearchAll { zh: "全部", en: "All" }
    SearchNotRated { zh: "未评级", en: "Not rated" }
    SearchEnterQuery { zh: "输入姓名、电话或会员号开始搜索；可按 / 或 Ctrl+K 随时打开搜索框。", en: "Type a name, phone or member id to start; press / or Ctrl+K anywhere to jump to search." }
    ErrorUnavailableTitle { zh: "搜索暂时不可用", en: "Search is unavailable" }
    ErrorUnavailableBody { zh: "搜索服务暂时没有响应，您的数据不受影响。请稍后再试。", en: "The search service is not answering right now; your data is safe. Try again shortly." }
    ErrorInternalTitle { zh: "服务器出错了", en: "Something went wrong" }
    ErrorInternalBody {
        zh: "服务器处理请求时出错。请重试；如果问题持续，请把下方的请求编号提供给技术支持。",
        en: "The server hit an error. Try again; if it keeps happening, give support the request ID below.",
    }
    ErrorNetworkTitle { zh: "无法连接服务器", en: "Cannot reach the server" }
    ErrorNetworkBody { zh: "请检查网络连接，或稍后重试。", en: "Check your connection, or try again in a moment." }
    ErrorInvalidResponseTitle { zh: "无法识别的服务器响应", en: "Unexpected server response" }
    ErrorInvalidResponseBody { zh: "应用可能已经更新，请刷新页面。", en: "The app may have been updated. Reload the page." }

    RatingsSubtitle {
        zh: "按您的规则为每位客户评定 1-5 星：规则可预览、可模拟，生效后全员重新评定。",
        en: "Every customer gets 1 to 5 stars by your rules: preview and simulate a draft, then activate it for everyone.",
    }
    ActivePolicy { zh: "当前生效规则", en: "Active policy" }
    PolicyVersion { zh: "第 {n} 版", en: "Version {n}" }
    ActivatedOn { zh: "生效于 {date}", en: "active since {date}" }
    DraftPolicy { zh: "规则草稿", en: "Draft policy" }
    DraftUnsaved { zh: "有未保存的修改", en: "Unsaved changes" }
    DraftSavedAs { zh: "已保存为第 {n} 版草稿", en: "Saved as draft version {n}" }
    Criterion { zh: "指标", en: "Criterion" }
    Weight { zh: "权重", en: "Weight" }
    WeightsTotal { zh: "权重合计 {n}/100", en: "Weights total {n}/100" }
    Normalisation { zh: "计分方式", en: "Scoring" }
    NormLinear { zh: "线性（封顶）", en: "Linear up to a cap" }
    NormSteps { zh: "分档", en: "Step table" }
    NormPercentile { zh: "百分位排名", en: "Percentile rank" }
    Cap { zh: "封顶值", en: "Cap" }
    CritMonetary { zh: "消费金额", en: "Spend" }
    CritFrequency { zh: "购买频次", en: "Orders" }
    CritRecency { zh: "最近购买", en: "Recency" }
    CritTenure { zh: "客户时长", en: "Tenure" }
    CritBreadth { zh: "品类广度", en: "Breadth" }
    CritSatisfaction { zh: "满意度", en: "Satisfaction" }
    CritComplaints { zh: "投诉", en: "Complaints" }
    Thresholds { zh: "星级分数线", en: "Star thresholds" }
    StarsFrom { zh: "{n} 星起", en: "{n} stars from" }
    WindowDays { zh: "统计周期（天）", en: "Window (days)" }
    GraceDays { zh: "降级宽限期（天）", en: "Grace period (days)" }
    OneStepDown { zh: "每次评估最多降一星", en: "At most one star down per evaluation" }
    WelcomeRule { zh: "新客户注册送星级", en: "Welcome level for new customers" }
    WelcomeStars { zh: "赠送星级", en: "Stars shown" }
    WelcomePill { zh: "新客送星", en: "Welcome stars" }
    WelcomeDays { zh: "有效天数", en: "For (days)" }
    WelcomeHint { zh: "新客户（员工录入、接口或首次消费创建；导入的老客户除外）在此期间至少显示该星级，评分不变，星级说明中会注明。", en: "New customers (entered by staff, through the API or by a first purchase; not customers imported in bulk) are shown at least these stars for that long. The score is unchanged and the explanation says so." }
    Schedule { zh: "定期重评", en: "Re-evaluation" }
    CadenceManual { zh: "仅手动", en: "Manual only" }
    CadenceMonthly { zh: "每月", en: "Monthly" }
    CadenceQuarterly { zh: "每季度", en: "Quarterly" }
    ScheduleDay { zh: "日期（1-28 日）", en: "Day (1-28)" }
    LivePreview { zh: "实时预览", en: "Live preview" }
    LivePreviewHint {
        zh: "用与服务器相同的评分函数，在浏览器中即时计算示例客户的得分。",
        en: "Sample customers scored in your browser by the same function the server uses.",
    }
    NowStars { zh: "当前", en: "Now" }
    UnderDraft { zh: "按草稿", en: "Under the draft" }
    SaveDraft { zh: "保存草稿", en: "Save draft" }
    Simulate { zh: "对全部客户模拟", en: "Simulate on all customers" }
    Simulating { zh: "模拟中…", en: "Simulating…" }
    Activate { zh: "生效", en: "Activate" }
    ActivateTitle { zh: "让草稿生效？", en: "Activate the draft?" }
    ActivateBody {
        zh: "第 {n} 版将成为生效规则，当前规则归档，全体客户按新规则重新评定。",
        en: "Version {n} becomes the active policy, the current one is archived, and every customer is re-rated under it.",
    }
    PolicyActivated { zh: "第 {n} 版已生效，正在重新评定全部客户。", en: "Version {n} is active; every customer is being re-rated." }
    SimulationTitle { zh: "模拟结果", en: "Simulation" }
    SimulationSummary {
        zh: "{n} 位客户按草稿评分（不含降级保护），未写入任何数据。",
        en: "{n} customers scored under the draft (before downgrade protection); nothing was written.",
    }
    Distribution { zh: "星级分布", en: "Star distribution" }
    Before { zh: "当前", en: "Now" }
    After { zh: "按草稿", en: "Draft" }
    MigrationMatrix { zh: "星级迁移（行：当前，列：按草稿）", en: "Who moves where (rows: now, columns: under the draft)" }
    Unrated { zh: "未评", en: "Unrated" }
    Recalculate { zh: "立即重新评定", en: "Recalculate now" }
    LatestRun { zh: "最近一次评定", en: "Latest re-rating" }
    NoRunYet { zh: "尚未进行全员评定。", en: "No whole-workspace run yet." }
    JobProgress { zh: "{done}/{total} 位客户，{changed} 位有变化", en: "{done} of {total} customers, {changed} changed" }
    JobQueued { zh: "排队中", en: "Queued" }
    JobRunning { zh: "进行中", en: "Running" }
    JobSucceeded { zh: "已完成", en: "Finished" }
    JobFailed { zh: "失败", en: "Failed" }
    StarRating { zh: "星级", en: "Star rating" }
    ScoreOf { zh: "{score} 分（满分 100）", en: "Score {score} of 100" }
    ComputedStarsNote { zh: "按评分为 {n} 星", en: "The score gives {n} stars" }
    ManualStars { zh: "人工设定", en: "Set by hand" }
    ManualUntil { zh: "至 {date}", en: "until {date}" }
    AtRiskNote { zh: "若评分不回升，将于 {date} 降为 {n} 星", en: "Drops to {n} stars on {date} unless the score recovers" }
    WhyTheseStars { zh: "评定说明", en: "Why these stars" }
    StarHistoryTitle { zh: "星级变化", en: "Star history" }
    NoStarChanges { zh: "暂无星级变化。", en: "No changes yet." }
    Benefits { zh: "权益", en: "Benefits" }
    NoBenefits { zh: "该星级暂无权益。", en: "No benefits at this level." }
    SetStars { zh: "人工设定星级", en: "Set stars by hand" }
    EndManualStars { zh: "恢复自动评定", en: "Back to computed stars" }
    OverrideTitle { zh: "人工设定星级", en: "Set stars by hand" }
    OverrideBody {
        zh: "系统会继续计算评分，但在设定结束前不改变星级。原因会记录在案。",
        en: "The engine keeps scoring but leaves the stars alone until this ends. The reason is kept on record.",
    }
    OverrideStars { zh: "星级", en: "Stars" }
    OverrideReason { zh: "原因", en: "Reason" }
    OverrideUntil { zh: "结束日期（可选）", en: "Ends on (optional)" }
    StarsOverridden { zh: "星级已人工设定。", en: "Stars set by hand." }
    OverrideLifted { zh: "已恢复自动评定。", en: "Back to the computed stars." }
    TriggerTransaction { zh: "交易", en: "Purchase" }
    TriggerSchedule { zh: "定期评定", en: "Scheduled run" }
    TriggerManual { zh: "手动评定", en: "Manual run" }
    TriggerPolicyChange { zh: "规则变更", en: "Policy change" }
    TriggerOverride { zh: "人工设定", en: "Set by hand" }
    TriggerOverrideEnded { zh: "人工设定结束", en: "Manual stars ended" }
    TriggerMerge { zh: "合并", en: "Merge" }
    TriggerInitial { zh: "首次评定", en: "Initial rating" }
    TriggerComplaint { zh: "客户投诉", en: "Complaint" }
    TriggerSurvey { zh: "满意度调查", en: "Survey answer" }
    TriggerWelcome { zh: "新客户注册送星级", en: "New-customer welcome" }
    TriggerWelcomeEnded { zh: "欢迎星级到期", en: "Welcome period ended" }
    BenefitPriorityService { zh: "优先服务", en: "Priority service" }
    BenefitDedicatedOwner { zh: "专属客户经理", en: "Dedicated owner" }
    BenefitDiscount { zh: "折扣", en: "Discount" }
    BenefitFreeShipping { zh: "免运费", en: "Free shipping" }
    BenefitPointsMultiplier { zh: "积分倍数", en: "Points multiplier" }
    BenefitBirthdayGift { zh: "生日礼", en: "Birthday gift" }
    BenefitCustom { zh: "其他", en: "Other" }
    StarDistributionTitle { zh: "客户星级分布", en: "Customers by stars" }
    BarsOpenTheList { zh: "点击柱形查看该星级的客户。", en: "Click a bar to see those customers." }
    FigureCustomers { zh: "客户总数", en: "Customers" }
    FigureActive { zh: "近 {n} 天活跃客户", en: "Active in the last {n} days" }
    FigureRevenue { zh: "近 {n} 天营收", en: "Revenue, last {n} days" }
    FigureAtRisk { zh: "即将降星的客户", en: "Close to dropping a star" }
    RevenueByStars { zh: "近 {n} 天各星级营收", en: "Revenue by stars, last {n} days" }
    RecentStarChanges { zh: "最近的星级变化", en: "Recent star changes" }
    CloseToDropping { zh: "即将降星", en: "Close to dropping a star" }
    CloseToDroppingHint {
        zh: "评分仅比所在星级门槛高出 5 分以内，或正处于降级保护期的客户。回访一次，别让他们掉星。",
        en: "Scores within 5 points above their level's threshold, or held there by downgrade protection. Worth a call before they drop.",
    }
    NobodyCloseToDropping { zh: "目前没有即将降星的客户。", en: "Nobody is close to dropping a star." }
    AndMore { zh: "还有 {n} 位。", en: "And {n} more." }
    Customers { zh: "位客户", en: "customers" }

    NavBenefits { zh: "星级权益", en: "Tier benefits" }
    BenefitsSubtitle {
        zh: "每个星级享有的权益。高星级默认包含低星级的权益，同类权益以高星级为准。",
        en: "What each star level earns. A level includes the benefits of the levels below unless you say otherwise; for the same kind, the higher level's wins.",
    }
    IncludesLower { zh: "包含低星级权益", en: "Includes the levels below" }
    AddBenefit { zh: "添加权益", en: "Add a benefit" }
    BenefitValue { zh: "数值", en: "Value" }
    BenefitText { zh: "说明", en: "Details" }
    Remove { zh: "移除", en: "Remove" }
    BenefitsSaved { zh: "权益已保存。", en: "Benefits saved." }

    NavPoints { zh: "积分", en: "Points" }
    SettingsPoints { zh: "积分规则", en: "Points" }
    SettingsPointsSubtitle { zh: "消费怎样累积积分、何时可用、何时过期；各星级的积分倍率在“星级权益”中设置", en: "How purchases earn points, when they can be spent and when they expire; each star level's multiplier is set under Tier benefits" }
    PointsTitle { zh: "积分", en: "Points" }
    PointsBalance { zh: "积分余额", en: "Balance" }
    PointsSpendable { zh: "可用", en: "Spendable" }
    PointsPending { zh: "待生效", en: "Pending" }
    PointsDebt { zh: "欠扣", en: "Owed" }
    PointsDebtHelp { zh: "退款收回了已经用掉的积分，差额记为欠扣，之后获得的积分会先抵扣。", en: "A refund took back points that were already spent; the difference is owed and the next points earned pay it off first." }
    PointsExpiringSoon { zh: "即将过期", en: "Expiring soon" }
    PointsEmpty { zh: "还没有积分记录。", en: "No points yet." }
    PointsLots { zh: "积分批次（按使用顺序）", en: "Lots, in the order they are spent" }
    PointsHistory { zh: "积分明细", en: "History" }
    PointsEarnedAt { zh: "{s} 星时获得 · ×{m}", en: "earned at {s} stars · ×{m}" }
    PointsPendingUntil { zh: "{d} 起可用", en: "spendable from {d}" }
    PointsExpiresOn { zh: "有效至 {d}", en: "valid through {d}" }
    PointsNeverExpire { zh: "永不过期", en: "never expire" }
    PointsAfter { zh: "余额 {n}", en: "balance {n}" }
    PointsBalanceNow { zh: "已完成，积分余额 {n}。", en: "Done. The balance is now {n}." }
    RedeemPoints { zh: "兑换积分", en: "Redeem points" }
    RedeemPointsHelp { zh: "扣除可用积分，先用最早过期的批次。", en: "Spends spendable points, the soonest to expire first." }
    AdjustPoints { zh: "调整积分", en: "Adjust points" }
    AdjustPointsHelp { zh: "手动赠送或扣除积分，需填写原因，记入审计日志。", en: "Give or take away points by hand. A reason is required and the change is audited." }
    PointsGive { zh: "赠送", en: "Give" }
    PointsTake { zh: "扣除", en: "Take away" }
    PointsAmount { zh: "积分数", en: "Points" }
    PointsAmountInvalid { zh: "请输入大于 0 的整数积分。", en: "Enter a whole number of points above zero." }
    PointsReason { zh: "备注（可选）", en: "Note (optional)" }
    PointsReasonRequired { zh: "原因", en: "Reason" }
    LotPurchase { zh: "消费获得", en: "Purchase" }
    LotAdjustment { zh: "手动赠送", en: "Given by hand" }
    LotWelcome { zh: "新会员礼", en: "Welcome" }
    LotReferral { zh: "推荐奖励", en: "Referral" }
    LotBirthday { zh: "生日礼", en: "Birthday" }
    LotCampaign { zh: "营销活动", en: "Campaign" }
    PointsEarned { zh: "消费获得", en: "Earned" }
    PointsReversed { zh: "退款收回", en: "Taken back by a refund" }
    PointsRedeemed { zh: "兑换", en: "Redeemed" }
    PointsExpired { zh: "过期", en: "Expired" }
    PointsAdjusted { zh: "手动调整", en: "Adjusted" }
    ActionPointsAdjusted { zh: "调整积分", en: "Adjusted points" }
    ActionLoyaltyRuleSaved { zh: "保存积分规则", en: "Saved the points rule" }
    PointsRuleTitle { zh: "获取规则", en: "Earn rule" }
    PointsRuleHelp { zh: "每次保存都是新版本；已获得的积分按获得时的版本计算，退款也按当时的版本收回。", en: "Every save is a new version. Points already earned keep the version they were earned under, and a refund takes back exactly that." }
    PointsRuleVersion { zh: "第 {v} 版 · {who} · {at}", en: "Version {v} · {who} · {at}" }
    PointsRuleSaved { zh: "已保存为第 {v} 版。", en: "Saved as version {v}." }
    PointsRuleInvalid { zh: "请检查数字：积分、金额与天数须为正整数（金额可带两位小数）。", en: "Check the numbers: points, amounts and days must be whole numbers above zero (amounts may have two decimals)." }
    PointsActive { zh: "消费累积积分", en: "Purchases earn points" }
    PointsPer { zh: "积分", en: "Points" }
    PointsPerAmount { zh: "每消费金额", en: "For every amount spent" }
    PointsPerAmountHint { zh: "例如 1 表示每消费 1 元", en: "1 means for every 1 of the currency" }
    PointsPendingDays { zh: "待生效天数", en: "Pending days" }
    PointsPendingDaysHint { zh: "期间退款不会产生可用积分", en: "A refund within them never made spendable points" }
    PointsCap { zh: "单笔上限", en: "Cap per purchase" }
    PointsCapHint { zh: "留空表示不设上限", en: "Leave empty for none" }
    PointsExpiry { zh: "过期方式", en: "Expiry" }
    ExpiryNever { zh: "永不过期", en: "Never" }
    ExpiryAfterDays { zh: "获得后若干天", en: "Days after earning" }
    ExpiryMonthEnd { zh: "若干个月后的月底", en: "End of the month, months later" }
    ExpiryYearEnd { zh: "若干年后的年底", en: "End of the year, years later" }
    PointsExpiryCount { zh: "数量", en: "How many" }
    PointsExpiryCountDays { zh: "天", en: "days" }
    PointsExpiryCountMonths { zh: "个月（0 为当月月底）", en: "months (0: the end of that month)" }
    PointsExpiryCountYears { zh: "年（1 为次年年底）", en: "years (1: the end of next year)" }
    PointsWarnDays { zh: "提前提醒天数", en: "Warn days ahead" }
    PointsWarning { zh: "积分到期提醒", en: "Expiry reminder" }
    PointsWarnings { zh: "到期提醒", en: "Expiry reminders" }
    PointsWarningLine { zh: "{n} 积分，最后可用日 {d}", en: "{n} points, last day {d}" }
    PointsWarningEventOnly { zh: "仅事件", en: "Event only" }
    PointsWarningOn { zh: "提前通知会员即将到期的积分", en: "Tell members before their points expire" }
    PointsWarningOff { zh: "未设置提醒消息：仅在变更流中发出“积分即将到期”事件，供您的应用或短信平台自行提醒。", en: "No message: only the “points expiring soon” event goes on the change feed, for your own app or SMS platform to remind members." }
    PointsWarningSubject { zh: "邮件主题", en: "Email subject" }
    PointsWarningBody { zh: "提醒内容", en: "Message" }
    PointsWarningHint { zh: "可用变量：{name} 姓名、{points} 到期积分、{date} 最后可用日期、{balance} 当前积分。按客户的渠道授权发送，避开免打扰时段，每个到期日只提醒一次。", en: "Variables: {name}, {points} (expiring), {date} (the last day to use them), {balance}. Sent only with the customer's consent for the channel, outside quiet hours, once per expiry date." }
    PointsCategoryBonuses { zh: "品类倍率", en: "Category multipliers" }
    PointsCategoryBonusesHelp { zh: "该品类商品行按倍率计分，0 表示不计积分（如礼品卡）。", en: "Lines of the category earn at this multiplier; 0 earns nothing (gift cards, deposits)." }
    PointsBonusCategory { zh: "品类", en: "Category" }
    PointsAddBonus { zh: "添加品类倍率", en: "Add a category" }
    PointsPageSubtitle { zh: "会员持有的积分、到期分布和预计未兑换部分", en: "What members hold, when it expires, and how much is likely never to be spent" }
    PointsOff { zh: "尚未开启：消费不累积积分。", en: "Off: purchases earn no points." }
    PointsRuleEarn { zh: "每消费 {a} 得 {p} 积分", en: "{p} points for every {a} spent" }
    PointsRuleEarnOne { zh: "每消费 {a} 得 1 积分", en: "1 point for every {a} spent" }
    PointsRulePending { zh: "{d} 天后可用", en: "spendable after {d} days" }
    PointsRuleAfterDays { zh: "获得后 {n} 天过期", en: "expire {n} days after earning" }
    PointsRuleMonthEnd { zh: "{n} 个月后的月底过期", en: "expire at the end of the month, {n} months on" }
    PointsRuleSameMonthEnd { zh: "当月月底过期", en: "expire at the end of the month they were earned in" }
    PointsRuleYearEnd { zh: "{n} 年后的年底过期", en: "expire at the end of the year, {n} years on" }
    PointsRuleNextYearEnd { zh: "次年年底过期", en: "expire at the end of the next year" }
    PointsRuleSameYearEnd { zh: "当年年底过期", en: "expire at the end of the year they were earned in" }
    PointsRuleCap { zh: "单笔最多 {n} 积分", en: "at most {n} per purchase" }
    PointsMultiplierHint { zh: "各星级的积分倍率来自“星级权益”。", en: "Each star level's multiplier comes from Tier benefits." }
    PointsLiability { zh: "积分负债", en: "Liability" }
    PointsOutstanding { zh: "未使用积分", en: "Outstanding" }
    PointsExpectedBreakage { zh: "预计过期未用", en: "Expected breakage" }
    PointsNeverExpiring { zh: "永不过期", en: "Never expiring" }
    PointsOwed { zh: "会员欠扣", en: "Owed by members" }
    PointsBreakageHelp { zh: "预计过期未用 = 会过期的未使用积分 × 历史上离开积分批次时过期（而非兑换）的比例。", en: "Expected breakage = outstanding points that can expire × the share of points that expired rather than being spent so far." }
    PointsBreakageUnknown { zh: "还没有积分被兑换或过期，暂无法估计过期比例。", en: "No points have been spent or expired yet, so there is no history to estimate breakage from." }
    PointsByExpiry { zh: "按到期月份", en: "By month of expiry" }
    PointsExpiryMonth { zh: "到期月份", en: "Expires in" }
    PointsLater { zh: "更晚", en: "Later" }
    PointsNothingExpiring { zh: "没有会过期的积分。", en: "No points will expire." }

    MemberTitle { zh: "我的会员", en: "My membership" }
    MemberHello { zh: "{n}，你好", en: "Hello, {n}" }
    MemberSignedOutTitle { zh: "请从 App 重新打开", en: "Please open this page from the app again" }
    MemberSignedOutBody { zh: "会员页面的登录已过期或无效，请返回 App 重新进入。", en: "The sign-in for this page has expired or is not valid. Go back to the app and open it again." }
    MemberFailed { zh: "暂时无法加载，请稍后重试。", en: "This page could not load right now. Please try again." }
    MemberWhy { zh: "星级是怎样算出来的", en: "How your stars are worked out" }
    MemberNextPurchase { zh: "单笔消费满 {m} 即可升至 {s} 星", en: "One purchase of {m} takes you to {s} stars" }
    MemberNextStars { zh: "继续消费即可升至 {s} 星", en: "Keep shopping to reach {s} stars" }
    MemberTopLevel { zh: "你已是最高星级", en: "You are at the top level" }
    MemberPointsSpendable { zh: "积分可用", en: "points to spend" }
    MemberPointsPending { zh: "另有 {n} 积分待生效。", en: "{n} more points become spendable soon. " }
    MemberPointsExpiring { zh: "{n} 积分将于 {d} 过期。", en: "{n} points expire on {d}. " }
    MemberPointsOwed { zh: "退款欠扣 {n} 积分，将从新积分中抵扣。", en: "{n} points are owed after a refund and come off your next points." }
    MemberRewards { zh: "积分兑换", en: "Rewards" }
    MemberNoRewards { zh: "暂无可兑换的礼品。", en: "No rewards on offer right now." }
    MemberVouchers { zh: "我的券", en: "My vouchers" }
    MemberBenefits { zh: "我的星级权益", en: "My benefits" }
    MemberCost { zh: "{n} 积分", en: "{n} points" }
    MemberRedeem { zh: "兑换", en: "Redeem" }
    MemberConfirm { zh: "确认使用 {n} 积分", en: "Use {n} points" }
    MemberRedeemed { zh: "已兑换「{r}」，券码 {c}。", en: "Redeemed {r}. Your code: {c}." }
    MemberNeedsStars { zh: "{s} 星及以上可兑换", en: "From {s} stars" }
    MemberNeedsPoints { zh: "积分不足", en: "Not enough points yet" }
    MemberOutOfStock { zh: "已兑完", en: "All gone" }
    MemberNotOffered { zh: "暂停兑换", en: "Not on offer now" }
    RewardPercentOff { zh: "{p}% 折扣", en: "{p}% off" }
    VoucherIssued { zh: "可使用", en: "Ready to use" }
    VoucherUsed { zh: "已使用", en: "Used" }
    VoucherExpired { zh: "已过期", en: "Expired" }
    RedeemReward { zh: "兑换礼品", en: "Redeem a reward" }
    RedeemRewardHelp { zh: "可用积分 {n}。兑换后生成券码，到店或下单时使用。", en: "{n} points can be spent. A redemption gives a voucher code to use in store or online." }
    RewardRedeemedStaff { zh: "已兑换，券码 {c}，积分余额 {n}。", en: "Redeemed. Voucher code {c}; the balance is now {n}." }
    RewardsEmpty { zh: "还没有礼品，请在“设置 > 积分规则”中添加。", en: "No rewards yet. Add them under Settings > Points." }
    RewardsTitle { zh: "积分兑换礼品", en: "Rewards" }
    RewardsHelp { zh: "会员用积分兑换的礼品和券；可限定最低星级和库存。兑换后会员获得券码，门店或收银系统核销一次。", en: "What members spend points on. Each can be limited to a least star level and a stock. A redemption gives the member a voucher code that the till accepts once." }
    RewardsNone { zh: "还没有礼品。", en: "No rewards yet." }
    RewardAdd { zh: "添加礼品", en: "Add a reward" }
    RewardEdit { zh: "编辑礼品", en: "Edit the reward" }
    RewardName { zh: "名称", en: "Name" }
    RewardKindLabel { zh: "类型", en: "Kind" }
    RewardCoupon { zh: "优惠券", en: "Coupon" }
    RewardGift { zh: "实物礼品", en: "Gift" }
    RewardDiscount { zh: "折扣券", en: "Discount" }
    RewardCash { zh: "积分抵现", en: "Money off" }
    RewardCost { zh: "所需积分", en: "Points" }
    RewardMinStars { zh: "最低星级", en: "Least stars" }
    RewardIssuedLeft { zh: "已兑 / 剩余", en: "Issued / left" }
    RewardOff { zh: "已下架", en: "off" }
    RewardValue { zh: "面值（元）", en: "Value" }
    RewardValueHint { zh: "积分抵现必填；优惠券可选", en: "Required for money off; optional for a coupon" }
    RewardPercent { zh: "折扣（%）", en: "Percent off" }
    RewardValidDays { zh: "有效天数", en: "Valid for days" }
    RewardValidDaysHint { zh: "留空表示使用前一直有效", en: "Leave empty: valid until used" }
    RewardCodesLabel { zh: "券码来源", en: "Codes" }
    RewardCodesGenerated { zh: "系统生成", en: "Generated" }
    RewardCodesPool { zh: "导入券码池", en: "From a pool you load" }
    RewardStock { zh: "库存", en: "Stock" }
    RewardStockHint { zh: "留空表示不限量", en: "Leave empty for no limit" }
    RewardDescription { zh: "说明（可选）", en: "Description (optional)" }
    RewardPoolCodes { zh: "添加券码（每行一个）", en: "Add codes (one per line)" }
    RewardPoolHint { zh: "券码池即库存，每个券码只发放一次。", en: "The pool is the stock; each code goes out once." }
    RewardPoolLeft { zh: "剩余 {n} 个。", en: "{n} left." }
    RewardActive { zh: "上架（会员可兑换）", en: "On offer" }
    RewardNumbersInvalid { zh: "请检查数字：积分、库存、天数和折扣须为整数，面值须为金额。", en: "Check the numbers: points, stock, days and percent are whole numbers; the value is an amount of money." }
    TierName { zh: "等级名称", en: "Level name" }
    TierNamePlaceholder { zh: "等级名称，如 金卡会员", en: "Level name, e.g. Gold" }
    PointsVouchers { zh: "兑换的券", en: "Vouchers" }
    PointsGift { zh: "赠送积分", en: "Gift" }
    PointsBirthday { zh: "生日积分（按星级）", en: "Birthday points by star level" }
    PointsBirthdayHelp { zh: "会员生日当天（按工作区时区）赠送一次；生日在 30 天内才填写的，次年起赠送。全部为 0 表示不赠送。", en: "Given once a year on the member's birthday in the workspace's time zone; a birthday entered less than 30 days ahead waits for the next year. All 0: no gift." }
    PointsReferral { zh: "推荐有礼", en: "Referrals" }
    PointsReferralHelp { zh: "被推荐的新客户首单过了待生效期（且未全额退款）后，双方各得积分。同手机号、邮箱、证件号或渠道身份的推荐不予奖励。0 表示不开启。", en: "Once a referred new customer's first purchase passes the pending period (and is not refunded in full), both get points. Referrals between customers sharing a phone, email, identity number or channel identity are refused. 0: off." }
    PointsReferrer { zh: "推荐人得", en: "The member who referred" }
    PointsReferred { zh: "新客户得", en: "The new customer" }
    MemberReferralCode { zh: "我的推荐码", en: "My referral code" }
    MemberReferralHelp { zh: "好友注册时填写此码，首单完成后双方都得积分。已奖励 {r} 位，待完成 {p} 位。", en: "Friends enter this code when they sign up; once their first purchase completes you both get points. Rewarded: {r}; waiting: {p}." }
    SegmentsTitle { zh: "客户分群", en: "Segments" }
    SegmentsSubtitle { zh: "按星级、消费、活跃度和 RFM 圈定客户；每笔交易、每次星级变化都会实时更新成员。", en: "Group customers by stars, spend, activity and RFM; every purchase and star change updates the members as it happens." }
    RfmTitle { zh: "RFM 分析", en: "RFM analysis" }
    RfmHint { zh: "在已购客户中按最近一次购买（R）以及购买频次与金额（FM）五分位打分；每次重新评级后及每日更新。点击格子可按该分组建分群。", en: "Quintile scores among buying customers for recency (R) and for frequency with spend (FM); updated after each re-rating and daily. Click a cell to segment its group." }
    RfmAxes { zh: "行：最近购买 R（R5 最近）；列：购买频次与金额 FM（FM5 最多）", en: "Rows: recency R (R5 most recent); columns: frequency with spend FM (FM5 most)" }
    RfmAsOf { zh: "{n} 位已购客户 · 统计于 {t}", en: "{n} buying customers · as of {t}" }
    RfmNotYet { zh: "尚未计算。", en: "Not worked out yet." }
    RfmRecompute { zh: "立即重新计算", en: "Recompute now" }
    RfmChampions { zh: "冠军客户", en: "Champions" }
    RfmLoyal { zh: "忠诚客户", en: "Loyal" }
    RfmPotential { zh: "潜力客户", en: "Potential" }
    RfmNew { zh: "新客户", en: "New" }
    RfmNeedsAttention { zh: "需要关注", en: "Needs attention" }
    RfmAtRisk { zh: "流失风险", en: "At risk" }
    RfmCantLose { zh: "不能失去", en: "Can't lose" }
    RfmHibernating { zh: "沉睡客户", en: "Hibernating" }
    RfmLost { zh: "已流失", en: "Lost" }
    SegmentList { zh: "已保存的分群", en: "Saved segments" }
    SegmentsNone { zh: "还没有分群。设置条件后保存为分群。", en: "No segments yet. Set conditions and save one." }
    SegmentMembers { zh: "{n} 位成员", en: "{n} members" }
    SegmentViewCustomers { zh: "查看客户", en: "View customers" }
    SegmentBuilder { zh: "新建分群", en: "New segment" }
    SegmentEditing { zh: "编辑分群", en: "Edit segment" }
    SegmentName { zh: "分群名称", en: "Segment name" }
    SegStarsFrom { zh: "最低星级", en: "Stars from" }
    SegStarsTo { zh: "最高星级", en: "Stars up to" }
    SegAny { zh: "不限", en: "Any" }
    SegBoughtDaysMin { zh: "至少多少天未购买", en: "No purchase for at least (days)" }
    SegBoughtDaysMax { zh: "最近多少天内购买过", en: "Bought within (days)" }
    SegContactDaysMin { zh: "至少多少天未联系", en: "No contact for at least (days)" }
    SegSpendMin { zh: "累计消费至少（元）", en: "Total spend at least" }
    SegOrdersMin { zh: "订单数至少", en: "Orders at least" }
    SegTags { zh: "带有任一标签（逗号分隔）", en: "Has any tag (comma separated)" }
    SegPointsMin { zh: "积分至少", en: "Points at least" }
    SegNpsMax { zh: "最近一次 NPS 不高于", en: "Latest NPS at most" }
    SegRfmGroups { zh: "RFM 分组（任一）", en: "RFM groups (any)" }
    SegLiveCount { zh: "当前符合条件", en: "Matching now" }
    SegSpendTotal { zh: "累计消费 {a}", en: "Total spend {a}" }
    SegSave { zh: "保存分群", en: "Save segment" }
    SegNew { zh: "新建", en: "New" }
    SegSaved { zh: "分群“{name}”已保存，{n} 位成员。", en: "Segment “{name}” saved with {n} members." }
    SegDeleted { zh: "分群已删除。", en: "Segment deleted." }
    SegConfirmDelete { zh: "删除分群“{name}”？客户本身不受影响。", en: "Delete segment “{name}”? The customers themselves are not affected." }
    SegNeedCondition { zh: "至少设置一个条件。", en: "Set at least one condition." }
    SegBadNumber { zh: "请输入 0 或更大的整数。", en: "Enter a whole number, 0 or more." }
    SegApiOnly { zh: "此分群通过 API 创建，条件无法在此表单中显示，请通过 API 修改。", en: "Made over the API with conditions this form cannot show; change it over the API." }
    SegUnrated { zh: "未评级", en: "Not rated" }
    CustomerSegments { zh: "客户分群", en: "Segments" }
    SegMemberSince { zh: "{t} 加入", en: "Since {t}" }
    SegMissing { zh: "差 {n} 个条件", en: "{n} condition(s) short" }
    SegInNone { zh: "不在任何分群中。", en: "In no segment." }
    SegRfmOf { zh: "RFM：{g}（R{r} F{f} M{m}）", en: "RFM: {g} (R{r} F{f} M{m})" }
    CondStars { zh: "星级 {a}", en: "Stars {a}" }
    CondBoughtMin { zh: "≥ {n} 天未购买", en: "No purchase for ≥ {n} days" }
    CondBoughtMax { zh: "{n} 天内购买过", en: "Bought within {n} days" }
    CondContactMin { zh: "≥ {n} 天未联系", en: "No contact for ≥ {n} days" }
    CondSpendMin { zh: "累计消费 ≥ {a}", en: "Spend ≥ {a}" }
    CondOrdersMin { zh: "订单 ≥ {n}", en: "Orders ≥ {n}" }
    CondTags { zh: "标签：{t}", en: "Tags: {t}" }
    CondPointsMin { zh: "积分 ≥ {n}", en: "Points ≥ {n}" }
    CondNpsMax { zh: "最近 NPS ≤ {n}", en: "Latest NPS ≤ {n}" }
    CondRfm { zh: "RFM：{g}", en: "RFM: {g}" }
    CondOther { zh: "条件 {k}", en: "Condition {k}" }
    SegAll { zh: "全部分群 →", en: "All segments →" }
    SegShowAll { zh: "显示全部客户", en: "Show all customers" }
    SegmentFilterChip { zh: "分群：{name}", en: "Segment: {name}" }
    CampaignsTitle { zh: "营销活动", en: "Campaigns" }
    CampaignsSubtitle { zh: "按星级和分群精准触达，遵守客户授权与打扰上限，并用对照组衡量真实增量。", en: "Reach customers by star level and segment, within their consent and the contact budget, and measure the real uplift against a holdout." }
    CampNew { zh: "新建活动", en: "New campaign" }
    CampNone { zh: "还没有营销活动。从上方的预设一键开始，或新建一个。", en: "No campaigns yet. Start from a preset above in one click, or make a new one." }
    CampWhen { zh: "时间", en: "When" }
    PresetEarlyAccess { zh: "五星专享抢先购", en: "5★ early access" }
    PresetEarlyAccessHint { zh: "新品上市前 48 小时，只对五星客户开放。", en: "48 hours before launch, for 5-star customers only." }
    PresetLiftToThree { zh: "助力二星升三星", en: "Lift 2★ to 3★" }
    PresetLiftToThreeHint { zh: "给离三星只差一点的二星客户一张优惠券。", en: "A coupon for 2-star customers a few points short of 3 stars." }
    PresetWinBack { zh: "挽回高星流失客户", en: "Win back 4-5★" }
    PresetWinBackHint { zh: "60 天未购买的四、五星客户，专属折扣召回。", en: "4-5 star customers with no purchase for 60 days, with a personal discount." }
    CampStepAudience { zh: "1 目标客户", en: "1 Audience" }
    CampStepContent { zh: "2 内容", en: "2 Content" }
    CampStepOffer { zh: "3 权益", en: "3 Offer" }
    CampStepSchedule { zh: "4 发送与衡量", en: "4 Schedule and measure" }
    CampName { zh: "活动名称", en: "Campaign name" }
    CampSegment { zh: "客户分群", en: "Segment" }
    CampNoSegment { zh: "不限分群", en: "Any segment" }
    CampStars { zh: "星级", en: "Stars" }
    CampNearNext { zh: "仅限距下一星级不超过 {n} 分的客户", en: "Only customers within {n} points of their next star" }
    CampLapsed { zh: "仅限 {n} 天以上未购买的客户", en: "Only customers with no purchase for {n} days or more" }
    CampChannel { zh: "渠道", en: "Channel" }
    CampVariables { zh: "可用变量：{name} 姓名、{stars} 星级、{benefits} 星级权益、{points} 积分、{coupon} 专属券码、{recommendation} 为其推荐的商品、{unsubscribe} 退订链接（不写则自动附在末尾）。", en: "Variables: {name}, {stars}, {benefits} (the star level's benefits), {points}, {coupon} (a personal code), {recommendation} (the product to offer them next), {unsubscribe} (added at the end if left out)." }
    CampChinese { zh: "中文（默认）", en: "Chinese (default)" }
    CampEnglish { zh: "英文", en: "English" }
    CampSubject { zh: "标题", en: "Subject" }
    CampBody { zh: "正文", en: "Message" }
    CampPreview { zh: "预览（示例五星客户）", en: "Preview (a sample 5-star customer)" }
    CampOfferNone { zh: "仅消息", en: "Message only" }
    CampOfferCoupon { zh: "专属券码", en: "Personal coupon" }
    CampOfferPoints { zh: "赠送积分", en: "Bonus points" }
    CampOfferText { zh: "权益说明", en: "The offer in words" }
    CampCouponPrefix { zh: "券码前缀", en: "Coupon prefix" }
    CampCouponCodes { zh: "券码来源", en: "Coupon codes" }
    CampCouponGenerated { zh: "为每位客户生成专属券码", en: "Generated for each customer" }
    CampCouponPool { zh: "券码池：{name}（剩余 {n} 个）", en: "Pool of {name} ({n} free)" }
    CampCouponPoolHint { zh: "要发放收银系统自己的券码，请先在 设置 > 积分 的奖励中导入券码池。", en: "To hand out your till's own codes, load them into a reward's pool under Settings > Points." }
    CampBonusPoints { zh: "赠送积分数", en: "Bonus points" }
    CampSendAt { zh: "发送时间", en: "Send at" }
    CampSendNowHint { zh: "留空则发布后立即发送；免打扰时段内的消息会顺延。", en: "Leave empty to send on launch; messages in quiet hours wait until they end." }
    CampThrottle { zh: "每小时最多发送", en: "At most per hour" }
    CampHoldoutPercent { zh: "对照组比例（%）", en: "Holdout (%)" }
    CampWindow { zh: "归因窗口（天）", en: "Attribution window (days)" }
    CampCost { zh: "每条成本（{c}）", en: "Cost per message ({c})" }
    CampHoldoutHint { zh: "对照组随机抽取且可复现，不会收到任何消息；它的购买率就是“不发也会买”的基线。", en: "The holdout is drawn at random, reproducibly, and receives nothing: its purchase rate is the baseline of what would have happened anyway." }
    CampSaveDraft { zh: "保存草稿", en: "Save draft" }
    CampConfirmDelete { zh: "删除这个草稿？", en: "Delete this draft?" }
    CampLaunch { zh: "发布", en: "Launch" }
    CampSaved { zh: "草稿已保存。", en: "Draft saved." }
    CampLaunched { zh: "活动已发布。", en: "Campaign launched." }
    CampAudience { zh: "目标客户", en: "Audience" }
    CampCustomers { zh: "位客户", en: "customers" }
    CampExclNoConsent { zh: "未授权", en: "No consent" }
    CampExclNoAddress { zh: "无联系方式", en: "No address" }
    CampExclBudget { zh: "超出打扰上限", en: "Contact budget used" }
    CampExclNoCoupon { zh: "券码池已用完", en: "Coupon pool ran out" }
    RecsTitle { zh: "商品推荐", en: "Recommendations" }
    RecsCounts { zh: "{b} 笔含商品的订单 · {p} 种商品 · {a} 条关联", en: "{b} purchases with products · {p} products · {a} associations" }
    RecsCheck { zh: "离线检验：留出 {n} 位客户各自的最后一笔订单，看推荐的前 {k} 件里是否有他们买了的商品。", en: "Offline check: each of {n} customers' last purchase held out; how often it held one of their top {k}." }
    RecsOurs { zh: "推荐", en: "Ours" }
    RecsPopular { zh: "热销榜", en: "Best sellers" }
    RecsBetter { zh: "推荐明显比热销榜更准（p = {p}）：值得用于营销。", en: "Clearly better than best sellers (p = {p}): worth using in campaigns." }
    RecsNotBetter { zh: "与热销榜相差无几（p = {p}，差别可能只是偶然）：订单里的商品组合还不够说明问题。", en: "About as good as best sellers (p = {p}; the difference may be chance): the product combinations do not say enough yet." }
    RecsWorse { zh: "推荐不如热销榜（p = {p}）：营销里先用热销商品。", en: "Worse than best sellers (p = {p}): use best sellers in campaigns for now." }
    RecsPairs { zh: "常一起购买", en: "Bought together" }
    RecsNoPairs { zh: "还没有足够的组合（至少 3 笔订单同时购买）。", en: "No pairs yet (bought together in at least 3 purchases)." }
    RecsBought { zh: "买了", en: "Bought" }
    RecsAlsoBought { zh: "也买了", en: "Also bought" }
    RecsBaskets { zh: "同单次数", en: "Together" }
    RecsConfidence { zh: "置信度", en: "Confidence" }
    RecsLift { zh: "提升度", en: "Lift" }
    RecsForCustomer { zh: "可以推荐", en: "Offer next" }
    CampHoldout { zh: "对照组", en: "Holdout" }
    CampToSend { zh: "将发送", en: "To send" }
    CampQuietHours { zh: "其中 {n} 条落在免打扰时段，将在时段结束后发送。", en: "{n} fall in quiet hours and go when they end." }
    CampEstimatedCost { zh: "预计成本 {m}", en: "Estimated cost {m}" }
    CampNeedsApproval { zh: "受众较大：发布后需由有审批权限的同事批准才会发送。", en: "A large audience: once launched it waits for someone who may approve campaigns." }
    CampStatusDraft { zh: "草稿", en: "Draft" }
    CampStatusAwaiting { zh: "待审批", en: "Awaiting approval" }
    CampStatusScheduled { zh: "已排期", en: "Scheduled" }
    CampStatusSending { zh: "发送中", en: "Sending" }
    CampStatusSent { zh: "已发送", en: "Sent" }
    CampStatusCancelled { zh: "已取消", en: "Cancelled" }
    CampApprove { zh: "批准发送", en: "Approve" }
    CampCancel { zh: "取消活动", en: "Cancel campaign" }
    CampRefresh { zh: "刷新", en: "Refresh" }
    CampFunnel { zh: "转化漏斗", en: "Funnel" }
    CampTargeted { zh: "目标客户", en: "Targeted" }
    CampExcluded { zh: "已排除", en: "Excluded" }
    CampSent { zh: "已发出", en: "Sent" }
    CampDelivered { zh: "已送达", en: "Delivered" }
    CampConverted { zh: "已转化", en: "Converted" }
    CampAfterLaunch { zh: "待发送 {q} · 发送时跳过 {s}（授权撤回、退订或打扰上限）· 已取消 {c} · 退订 {u}", en: "Queued {q} · skipped at send time {s} (consent withdrawn, unsubscribed or budget) · cancelled {c} · unsubscribed {u}" }
    CampResults { zh: "效果", en: "Results" }
    CampRevenue { zh: "收入", en: "Revenue" }
    CampIncremental { zh: "增量收入", en: "Incremental revenue" }
    CampCostLabel { zh: "成本", en: "Cost" }
    CampLift { zh: "增量", en: "Lift" }
    CampPoints { zh: "{n} 个百分点", en: "{n} pts" }
    CampLiftLine { zh: "收到消息的客户转化 {r}，对照组 {h}：增量 {d}（95% 区间 {lo} 至 {hi} 个百分点）。", en: "Recipients converted {r}, the holdout {h}: a lift of {d} (95% interval {lo} to {hi} points)." }
    CampSignificant { zh: "结果显著（p = {p}）：增量不太可能是偶然。", en: "Significant (p = {p}): the lift is unlikely to be chance." }
    CampNotSignificant { zh: "结果不显著（p = {p}）：这个差异可能只是偶然，不能据此判断活动有效。", en: "Not significant (p = {p}): the difference may well be chance; it does not show the campaign worked." }
    CampTooSmall { zh: "样本太少（任一组少于 30 人），无法判断差异是否偶然（p = {p}）。", en: "Too few people to tell (a group under 30): the difference may be chance (p = {p})." }
    CampNoLift { zh: "对照组或收件人为空，暂无法计算增量。", en: "No lift yet: the recipients or the holdout are empty." }
    CampConversionRule { zh: "转化：送达后归因窗口内的购买，或使用了本活动的券码；对照组从其本应收到消息的时间起算。", en: "A conversion is a purchase within the attribution window after delivery, or a redemption of the campaign's coupon; the holdout counts from when its message would have gone." }
    CampRecipients { zh: "收件人", en: "Recipients" }
    CampStarNote { zh: "星级为准备发送时的星级；* 表示该星级的差异不显著。", en: "Stars as when the campaign was prepared; * marks a difference that is not significant." }
    CampRecExcluded { zh: "已排除", en: "Excluded" }
    CampRecDelivered { zh: "已送达", en: "Delivered" }
    CampSentAt { zh: "送达时间", en: "Delivered at" }
    UnsubTitle { zh: "退订营销消息", en: "Unsubscribe" }
    UnsubAsk { zh: "不再接收「{b}」通过{c}发送的营销消息？", en: "Stop marketing messages from {b} by {c}?" }
    UnsubConfirm { zh: "确认退订", en: "Unsubscribe" }
    UnsubDone { zh: "已退订", en: "You are unsubscribed" }
    UnsubDoneBody { zh: "「{b}」不会再通过{c}向您发送营销消息，已排队的消息也会立即停止。", en: "{b} will send you no more marketing messages by {c}; anything already queued is stopped too." }
    UnsubInvalid { zh: "链接无效", en: "This link is not valid" }
    UnsubFailed { zh: "暂时无法处理，请稍后再试。", en: "Something went wrong; please try again shortly." }
    NavInsight { zh: "洞察", en: "Insight" }
    AtRiskTitle { zh: "流失预警", en: "Churn warning" }
    AtRiskSubtitle { zh: "有流失风险的客户，按流失损失排序：12 个月价值 × 已不再购买的概率。", en: "Customers at risk, ordered by what losing them would cost: 12-month value × the chance they have stopped buying." }
    AtRiskWinBack { zh: "发起挽回活动", en: "Start a win-back campaign" }
    AtRiskNone { zh: "目前没有处于流失风险的客户。模型每天和每次重新评星后更新。", en: "No customer is at risk now. The models refit daily and after each re-rating." }
    AtRiskOwner { zh: "负责人", en: "Owner" }
    AtRiskNoOwner { zh: "未分配", en: "unassigned" }
    AtRiskPlan { zh: "安排回访", en: "Plan a follow-up" }
    AtRiskPlanned { zh: "已为明天上午安排回访。", en: "Follow-up planned for tomorrow morning." }
    AtRiskPlannedShort { zh: "已安排回访", en: "Follow-up planned" }
    InsightCardTitle { zh: "生命周期", en: "Lifecycle" }
    InsightNoPurchases { zh: "尚无购买，模型暂无预测。", en: "No purchase yet: nothing to predict." }
    InsightPAlive { zh: "仍活跃的概率", en: "Chance still active" }
    InsightExpected90 { zh: "未来 90 天预计购买", en: "Purchases expected in 90 days" }
    InsightExpected365 { zh: "未来一年预计购买", en: "Purchases expected in a year" }
    InsightClv { zh: "12 个月价值", en: "12-month value" }
    InsightValueAtRisk { zh: "流失损失", en: "Value at risk" }
    InsightNextPurchase { zh: "预计下次购买", en: "Next purchase expected" }
    InsightUsualGap { zh: "通常每 {n} 天购买一次", en: "Usually buys every {n} days" }
    InsightDaysSince { zh: "距上次购买 {n} 天", en: "{n} days since the last purchase" }
    InsightLastPurchase { zh: "上次购买", en: "Last purchase" }
    InsightDaysAgo { zh: "{n} 天前", en: "{n} days ago" }
    InsightUsually { zh: "通常间隔", en: "Usually buys" }
    InsightEveryDays { zh: "每 {n} 天", en: "every {n} days" }
    InsightStageHistory { zh: "阶段变化", en: "Stage changes" }
    ModelsTitle { zh: "购买模型", en: "Purchase models" }
    DashboardsTitle { zh: "经营看板", en: "Dashboards" }
    DashboardsSubtitle { zh: "星级、收入、满意度、留存与需求一页看清；每张图都能查看数字并导出 CSV", en: "Stars, revenue, satisfaction, retention and demand on one page; every chart shows its numbers and exports to CSV" }
    ChartCsv { zh: "导出 CSV", en: "Export CSV" }
    ChartNumbers { zh: "查看数字", en: "Show the numbers" }
    ColMonth { zh: "月份", en: "Month" }
    ColTotal { zh: "合计", en: "Total" }
    StarTrendTitle { zh: "星级分布（每月末）", en: "Star distribution at each month end" }
    StarTrendHint { zh: "按今天的客户及其星级历史统计。", en: "Today's customers as their star history tells it." }
    StarTrendStarts { zh: "星级历史从 {month} 开始，之前的月份没有评级。", en: "The star history starts in {month}; no one was rated before." }
    StarMoveTitle { zh: "星级迁移", en: "Star migration" }
    StarMoveHint { zh: "行：起始日的星级；列：结束日的星级。", en: "Rows: stars on the first date; columns: stars on the second." }
    StarMoveFrom { zh: "从", en: "From" }
    StarMoveTo { zh: "到", en: "To" }
    StarMoveSummary { zh: "升级 {up} · 降级 {down} · 不变 {same} · 新评级 {new}", en: "{up} up · {down} down · {same} unchanged · {new} newly rated" }
    StarMoveBefore { zh: "起始星级", en: "Stars before" }
    StarMoveAfter { zh: "结束星级", en: "Stars after" }
    LevelsTitle { zh: "各星级表现（近 {n} 天）", en: "By star level (last {n} days)" }
    LevelsHint { zh: "收入按客户今天的星级归集；工单按创建时的星级。点击星级查看这些客户。", en: "Revenue by the customers' stars today; tickets by the stars they were opened with. Click a level to see its customers." }
    LastDays { zh: "近 {n} 天", en: "Last {n} days" }
    ColBuyers { zh: "购买客户", en: "Buyers" }
    ColRevenue { zh: "收入", en: "Revenue" }
    ColNps { zh: "NPS（答卷）", en: "NPS (answers)" }
    ColCsat { zh: "满意率（答卷）", en: "CSAT (answers)" }
    ColChurn { zh: "流失率", en: "Churn rate" }
    ColSla { zh: "SLA 达成率（工单）", en: "SLA hit rate (tickets)" }
    CohortsTitle { zh: "按首购月份的留存", en: "Retention by first-purchase month" }
    CohortsHint { zh: "每格：该月首次购买的客户中，之后第 k 个月再次购买的比例。", en: "Each cell: of the customers who first bought that month, the share who bought in the k-th month after." }
    CohortFirst { zh: "首购月份", en: "First purchase" }
    CohortK { zh: "第{k}月", en: "M{k}" }
    CohortSize { zh: "首购客户", en: "First buyers" }
    FunnelTitle { zh: "生命周期漏斗", en: "Lifecycle funnel" }
    FunnelAtRisk { zh: "风险价值 {v}", en: "{v} at risk" }
    RoiTitle { zh: "营销活动回报", en: "Campaign ROI" }
    RoiNone { zh: "还没有发出的营销活动。", en: "No campaign has been launched yet." }
    ColCampaign { zh: "活动", en: "Campaign" }
    ColDelivered { zh: "送达", en: "Delivered" }
    ColCost { zh: "成本", en: "Cost" }
    ColRoi { zh: "ROI", en: "ROI" }
    ColLift { zh: "转化提升", en: "Lift" }
    LiftNotSignificant { zh: "（不显著）", en: " (not significant)" }
    DemandTitle { zh: "需求与预测", en: "Demand and forecast" }
    DemandHint { zh: "虚线是未来 3 个月的预测。误差：留出最近一个季度、用之前的数据预测它的误差（WAPE），与“沿用上季度平均”对比。", en: "Dashed: the forecast for the next 3 months. Error: the forecast's error (WAPE) on the last quarter, held out and predicted from the months before, against simply repeating the quarter before." }
    DemandByCategory { zh: "按品类", en: "By category" }
    DemandByStars { zh: "按星级", en: "By star level" }
    ColSeries { zh: "系列", en: "Series" }
    ColLast12 { zh: "近 12 个月", en: "Last 12 months" }
    ColForecast3 { zh: "未来 3 个月", en: "Next 3 months" }
    ColMethod { zh: "方法", en: "Method" }
    ColError { zh: "留出季度误差", en: "Held-out error" }
    ColNaiveError { zh: "沿用上季度", en: "Repeat last quarter" }
    MethodSeasonalTrend { zh: "去年同月 × 年增长", en: "Same month last year × growth" }
    MethodSeasonalNaive { zh: "去年同月", en: "Same month last year" }
    MethodLevel { zh: "近 3 月平均", en: "Mean of the last 3 months" }
    OtherCategories { zh: "其他品类", en: "Other categories" }
    NoCategory { zh: "未分类", en: "No category" }
    ForecastBetter { zh: "比沿用上季度准", en: "beats repeating last quarter" }
    ForecastWorse { zh: "不如沿用上季度", en: "worse than repeating last quarter" }
    ModelsSubtitle { zh: "根据每位客户自己的购买节奏预测：是否仍活跃、未来购买多少、价值多少。", en: "Predictions from each customer's own buying: whether they are still active, how much they will buy, what they are worth." }
    ModelsRefit { zh: "立即重新拟合", en: "Refit now" }
    ModelsRefitting { zh: "拟合中…", en: "Fitting…" }
    ModelsRefitted { zh: "已重新拟合，所有客户的预测和阶段均已更新。", en: "Refitted: every customer's predictions and stage are up to date." }
    ModelsNotYet { zh: "尚未拟合。服务器启动后一分钟内会自动拟合。", en: "Not fitted yet. The server fits within a minute of starting." }
    ModelsFitted { zh: "已用 {n} 位购买客户（其中 {r} 位复购）拟合。", en: "Fitted on {n} buying customers ({r} bought again)." }
    ModelsFittedSample { zh: "已用随机抽取的 {s} 位购买客户拟合（共 {n} 位，其中 {r} 位复购），每一位都已评分。", en: "Fitted on a random sample of {s} of the {n} buying customers ({r} bought again); every one of them is scored." }
    ModelsTooLittle { zh: "数据太少，无法可靠拟合：{n} 位购买客户，{r} 位复购（至少需要 100 位和 30 位）。在此之前，阶段按沉默天数判断。", en: "Too little data to fit reliably: {n} buying customers, {r} who bought again (at least 100 and 30 are needed). Until then, stages go by days of silence." }
    ModelsFailed { zh: "拟合失败：", en: "The fit failed:" }
    ModelsFitTitle { zh: "拟合结果", en: "The fit" }
    ModelsFittedAt { zh: "拟合于", en: "Fitted" }
    ModelsScoringWith { zh: "用于评分的模型", en: "Scoring with" }
    ModelsModel { zh: "模型", en: "Model" }
    ModelsLogLikelihood { zh: "每位客户的对数似然", en: "Log-likelihood per customer" }
    ModelsSpend { zh: "单次消费模型（Gamma-Gamma）：", en: "Spend per purchase (Gamma-Gamma):" }
    ModelsCorrelation { zh: "购买次数与客单价相关系数 {c}（接近 0 时适用）", en: "frequency-spend correlation {c} (the model wants it near 0)" }
    ModelBgNbd { zh: "BG/NBD", en: "BG/NBD" }
    ModelMbgNbd { zh: "修正 BG/NBD", en: "Modified BG/NBD" }
    ModelsCalibrationTitle { zh: "能否信任？校准检验", en: "Can you trust it? The calibration check" }
    ModelsNoCalibration { zh: "历史不足四周，暂无校准检验。", en: "Less than four weeks of history: no calibration check yet." }
    ModelsCalibrationHint { zh: "用截至 {date} 的数据拟合，预测其后 {n} 天的购买，再与实际购买对比。", en: "Fitted on the history up to {date}; its predictions for the next {n} days set against what customers actually bought." }
    ModelsPredicted { zh: "预测", en: "Predicted" }
    ModelsActual { zh: "实际", en: "Actual" }
    ModelsRepeatAxis { zh: "截止前复购次数", en: "Repeat purchases before the cut-off" }
    ModelsTrustGood { zh: "预测与实际吻合，可以信任。", en: "Predictions track what happened: trust it." }
    ModelsTrustRough { zh: "大致吻合，可作参考。", en: "Roughly right: use it as a guide." }
    ModelsTrustPoor { zh: "偏差较大，不宜依赖。", en: "Far off: do not rely on it." }
    ModelsError { zh: "误差", en: "error" }
    ModelsTotals { zh: "预测/实际购买", en: "predicted/actual purchases" }
    RulesTitle { zh: "生命周期规则", en: "Lifecycle rules" }
    RulesHint { zh: "每次拟合后，按这些规则自动设定购买客户的阶段，每次变化都记录原因。", en: "After each fit, buying customers' stages are set by these rules, each change with its reasons." }
    RuleAutomatic { zh: "自动设定阶段", en: "Set stages automatically" }
    RuleNewDays { zh: "新客期（天）", en: "New for (days)" }
    RuleLoyalPurchases { zh: "忠实：至少购买天数", en: "Loyal: days with a purchase, at least" }
    RuleLoyalStars { zh: "忠实：至少星级", en: "Loyal: stars, at least" }
    RuleAtRiskBelow { zh: "活跃概率低于此值为有风险", en: "At risk below this chance of being active" }
    RuleOverdue { zh: "超过通常间隔的倍数为有风险", en: "At risk past this many usual gaps" }
    RuleComplaintDays { zh: "近期投诉或差评（天）", en: "Recent complaint or detractor score (days)" }
    RuleComplaintStars { zh: "投诉计入风险的最低星级", en: "Complaints count from this many stars" }
    RuleChurnedBelow { zh: "活跃概率低于此值为流失", en: "Churned below this chance of being active" }
    RuleChurnedDays { zh: "无模型时，沉默多少天为流失", en: "Without a model, churned after days of silence" }
    RuleWonBackDays { zh: "挽回状态保持（天）", en: "Won back for (days)" }
    RulesSaved { zh: "已保存，下次拟合时生效。", en: "Saved; the next fit applies them." }
}
