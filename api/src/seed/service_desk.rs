//! The demo workspace's service desk, so that the inbox, the SLA countdowns, the follow-ups and
//! the analysis have something to show on the first sign-in: the standard root causes (in
//! Chinese, like the rest of the demo), one team of the demo manager and agent, and tickets from
//! customers of every star level, made through the desk's own functions as staff would (so
//! priorities, deadlines, assignment, the change feed and the stars all follow the real rules):
//! some new, some answered, one waiting on the customer, complaints solved with their cause.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::customer::Channel;
use starcrm_shared::explain::Language;
use starcrm_shared::service_desk::{MessageKind, TicketKind, TicketStatus};
use uuid::Uuid;

use super::demo_email;
use crate::auth::{RequestMeta, Scope, sessions};
use crate::customers::identities::CustomerRef;
use crate::entities::{customer, ticket_category, user};
use crate::error::AppError;
use crate::service_desk::root_causes;
use crate::service_desk::teams::{self, TeamInput};
use crate::service_desk::tickets::{self, NewMessage, NewTicket, StatusChange};

/// How far a demo ticket has got.
#[derive(Clone, Copy)]
enum Stage {
    /// Nobody has answered yet.
    New,
    /// The agent answered; the customer wrote back.
    Answered,
    /// The agent asked the customer something and waits.
    Pending,
    /// Solved; a complaint with the subcause named here (its Chinese name).
    Solved(&'static str),
}

/// One demo ticket: kind, channel, subject, what the customer wrote, the agent's reply, stage.
type Script = (TicketKind, Channel, &'static str, &'static str, &'static str, Stage);

const TICKETS: [Script; 14] = [
    (
        TicketKind::Complaint,
        Channel::Phone,
        "快递三天还没到",
        "订单显示已发货三天，物流一直没有更新。",
        "已联系快递公司加急处理，今天内给您回电。",
        Stage::New,
    ),
    (
        TicketKind::AfterSales,
        Channel::App,
        "茶具有裂纹，申请换货",
        "收到的茶壶壶嘴处有一道裂纹。",
        "非常抱歉，已为您安排换货，快递员明天上门取件。",
        Stage::Answered,
    ),
    (
        TicketKind::Inquiry,
        Channel::Wechat,
        "会员积分怎么兑换？",
        "想用积分兑换礼品，在哪里操作？",
        "在会员中心的「积分商城」即可兑换，五星会员还有专属礼品。",
        Stage::Solved(""),
    ),
    (
        TicketKind::Complaint,
        Channel::Store,
        "门店店员态度不好",
        "周六在门店咨询时店员很不耐烦。",
        "感谢您的反馈，我们已与门店店长沟通并安排服务培训。",
        Stage::Solved("服务态度"),
    ),
    (
        TicketKind::Complaint,
        Channel::Web,
        "优惠券下单时没有生效",
        "结算时满减券没有扣减，多付了 50 元。",
        "已核实，差额 50 元已退回您的原支付账户。",
        Stage::Solved("优惠未生效"),
    ),
    (
        TicketKind::Complaint,
        Channel::Email,
        "收到的商品与描述不符",
        "网页上写的是 250 克装，收到的是 200 克。",
        "已为您补发 50 克并赠送一份试饮装，给您添麻烦了。",
        Stage::Solved("与描述不符"),
    ),
    (
        TicketKind::Complaint,
        Channel::Phone,
        "退款两周还没到账",
        "退货已签收两周，退款仍未到账。",
        "财务已加急处理，退款将在 24 小时内到账。",
        Stage::Solved("退款延迟"),
    ),
    (
        TicketKind::Complaint,
        Channel::App,
        "包裹外箱破损，茶叶受潮",
        "外箱被压坏，里面的茶叶有些受潮。",
        "已为您重新发货，破损件无需寄回。",
        Stage::Solved("运输途中损坏"),
    ),
    (
        TicketKind::Complaint,
        Channel::Wechat,
        "配送比承诺晚了两天",
        "说好次日达，结果第三天才送到。",
        "已向您补偿 20 元无门槛券，并反馈给物流合作方。",
        Stage::Solved("配送延迟"),
    ),
    (
        TicketKind::AfterSales,
        Channel::Phone,
        "电水壶不加热，申请保修",
        "用了两个月，电水壶突然不加热了。",
        "请您提供购买凭证的照片，我们为您办理保修。",
        Stage::Pending,
    ),
    (
        TicketKind::Inquiry,
        Channel::Chat,
        "企业团购能开增值税专票吗？",
        "公司想采购 200 份中秋礼盒。",
        "",
        Stage::New,
    ),
    (
        TicketKind::Suggestion,
        Channel::Web,
        "希望增加小包装试饮装",
        "想先试试口味再买大包装。",
        "谢谢建议，已转给产品团队，上新时第一时间通知您。",
        Stage::Answered,
    ),
    (
        TicketKind::Complaint,
        Channel::Email,
        "发错了茶叶品种",
        "下单的是龙井，收到的是碧螺春。",
        "",
        Stage::New,
    ),
    (
        TicketKind::Inquiry,
        Channel::Phone,
        "五星会员有哪些专属服务？",
        "刚收到升级通知，想了解一下权益。",
        "五星会员享专属客服、优先处理和生日礼遇，详情已发到您的手机。",
        Stage::Solved(""),
    ),
];

/// Sets up the demo workspace's desk. Returns how many tickets it opened.
///
/// # Errors
/// Database failures; `NOT_FOUND` when the demo accounts are missing.
pub async fn demo(db: &DatabaseConnection, workspace_id: Uuid) -> Result<usize, AppError> {
    let system = Scope::system(workspace_id);
    root_causes::add_standard(db, &system, Language::ZhCn).await?;
    let staff = |local: &'static str| {
        user::Entity::find()
            .filter(user::Column::WorkspaceId.eq(workspace_id))
            .filter(user::Column::Email.eq(demo_email(local)))
            .one(db)
    };
    let manager = staff("manager").await?.ok_or(AppError::NotFound { entity: "user" })?;
    let agent = staff("agent").await?.ok_or(AppError::NotFound { entity: "user" })?;
    let team = TeamInput {
        id: None,
        name: "客服一组".to_owned(),
        kinds: Vec::new(),
        channels: Vec::new(),
        capacity: 30,
        position: 0,
        archived: false,
        members: vec![manager.id, agent.id],
    };
    teams::save(db, &system, team).await?;
    let agent_scope = sessions::scope_for_user(&agent, Uuid::nil(), &RequestMeta::default())?;
    let causes = ticket_category::Entity::find()
        .filter(ticket_category::Column::WorkspaceId.eq(workspace_id))
        .all(db)
        .await?;
    let customers = callers(db, workspace_id).await?;
    let mut opened = 0;
    for ((kind, channel, subject, words, reply, stage), who) in TICKETS.into_iter().zip(customers) {
        let input = NewTicket {
            customer: CustomerRef { id: Some(who), ..CustomerRef::default() },
            kind,
            channel,
            subject: subject.to_owned(),
            description: Some(words.to_owned()),
            transaction_id: None,
            priority: None,
            priority_reason: None,
            external_ref: None,
            tags: Vec::new(),
        };
        let id = tickets::open(db, &system, input).await?.ticket.id;
        opened += 1;
        if matches!(stage, Stage::New) || reply.is_empty() {
            continue;
        }
        let message =
            |kind, body: &str| NewMessage { ticket_id: id, kind, body: body.to_owned(), external_ref: None };
        tickets::add_message(db, &agent_scope, message(MessageKind::Reply, reply)).await?;
        match stage {
            Stage::New => {}
            Stage::Answered => {
                tickets::add_message(
                    db,
                    &system,
                    message(MessageKind::Inbound, "好的，谢谢，我等你们的消息。"),
                )
                .await?;
            }
            Stage::Pending => {
                tickets::set_status(db, &agent_scope, id, TicketStatus::Pending, StatusChange::default())
                    .await?;
            }
            Stage::Solved(cause) => {
                let change = StatusChange {
                    root_cause_id: causes.iter().find(|c| c.name == cause).map(|c| c.id),
                    resolution: Some(reply.to_owned()),
                    upheld: (kind == TicketKind::Complaint).then_some(true),
                    reason: None,
                };
                tickets::set_status(db, &agent_scope, id, TicketStatus::Solved, change).await?;
            }
        }
    }
    Ok(opened)
}

/// Customers to write in, from the best rated down, spread over the star levels.
async fn callers(db: &DatabaseConnection, workspace_id: Uuid) -> Result<Vec<Uuid>, AppError> {
    let all: Vec<Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(customer::Column::WorkspaceId.eq(workspace_id))
        .filter(customer::Column::DeletedAt.is_null())
        .order_by_desc(customer::Column::Stars)
        .order_by_asc(customer::Column::Number)
        .into_tuple()
        .all(db)
        .await?;
    let step = (all.len() / TICKETS.len()).max(1);
    Ok(all.into_iter().step_by(step).take(TICKETS.len()).collect())
}
