//! The demo's feedback: two survey definitions (paused until the business sets up how messages
//! go out) and a year of NPS and CSAT answers from the demo customers, better from those who buy
//! more, with the comments Chinese shoppers write, so that the Feedback page, the customer pages
//! and the satisfaction criterion have something to show on the first run.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::customer::Channel;
use starcrm_shared::surveys::{MessageChannel, ResponseSource, SurveyKind, SurveyTrigger, Template};
use uuid::Uuid;

use super::demo_email;
use super::generator::Rng;
use crate::auth::Scope;
use crate::entities::{customer, survey_response, user};
use crate::error::AppError;
use crate::surveys::definitions::{self, DefinitionInput};

const UNHAPPY: [&str; 10] = [
    "快递太慢了，等了一个星期才到",
    "物流太慢，包装也压坏了",
    "客服回复太慢，问了两次都没人理",
    "退款到现在还没到账",
    "质量不如以前了，洗了一次就起球",
    "快递员态度不好，直接放门口",
    "价格比别家贵不少",
    "尺码不准，退换货太麻烦",
    "The delivery was late again",
    "Customer service never called back",
];
const MIDDLE: [&str; 5] = [
    "还可以，就是价格有点贵",
    "整体不错，发货速度一般",
    "东西挺好，包装一般",
    "还行吧",
    "Good, but delivery was slow",
];
const HAPPY: [&str; 10] = [
    "服务很周到，会一直支持",
    "质量好，包装精美，送人很有面子",
    "客服很耐心，问题很快解决了",
    "会员活动很划算，积分也好用",
    "发货快，第二天就到了",
    "店员很专业，已经推荐给朋友了",
    "老顾客了，一直很放心",
    "专属顾问很贴心，每次都提前通知新品",
    "Great service and friendly staff",
    "Fast delivery, lovely packaging",
];
const STORES: [&str; 3] = ["静安店", "徐汇店", "浦东店"];

/// A score for a customer whose spend ranks `rank` (0 the least, 1 the most): the more they buy,
/// the likelier they are happy.
fn score(rng: &mut Rng, kind: SurveyKind, rank: f64) -> u8 {
    let happy = 0.3 + 0.45 * rank;
    let u = rng.unit();
    let (low, high) = kind.range();
    let pick = |rng: &mut Rng, from: u8, to: u8| {
        from + u8::try_from(rng.below(u64::from(to - from) + 1)).unwrap_or(0)
    };
    match kind {
        SurveyKind::Nps if u < happy => pick(rng, 9, high),
        SurveyKind::Nps if u < happy + 0.3 => pick(rng, 7, 8),
        SurveyKind::Nps => pick(rng, low.max(2), 6),
        SurveyKind::Csat if u < happy + 0.1 => pick(rng, 4, high),
        SurveyKind::Csat if u < happy + 0.3 => 3,
        SurveyKind::Csat => pick(rng, low, 2),
    }
}

fn comment(rng: &mut Rng, kind: SurveyKind, score: u8) -> Option<String> {
    if !rng.chance(0.65) {
        return None;
    }
    let pool: &[&str] = if kind.is_unhappy(score) {
        &UNHAPPY
    } else if kind.is_happy(score) {
        &HAPPY
    } else {
        &MIDDLE
    };
    Some((*rng.pick(pool)).to_owned())
}

fn template(language: &str, subject: &str, body: &str) -> Template {
    Template { language: language.to_owned(), subject: subject.to_owned(), body: body.to_owned() }
}

/// The demo's two surveys, paused: a CSAT after each solved ticket on WeChat, and the relationship
/// NPS every 90 days to 4 and 5 star members by SMS.
async fn definitions(db: &DatabaseConnection, workspace_id: Uuid) -> Result<(), AppError> {
    let system = Scope::system(workspace_id);
    let csat = DefinitionInput {
        id: None,
        name: "服务满意度".to_owned(),
        kind: SurveyKind::Csat,
        trigger: SurveyTrigger::TicketSolved,
        delay_days: 0,
        channel: MessageChannel::Wechat,
        templates: vec![
            template("zh-CN", "", "{name}您好，感谢您的耐心。请花 10 秒为刚才的服务打分：{link}"),
            template("en", "", "Hello {name}, how did we do? One tap tells us: {link}"),
        ],
        link_days: 14,
        active: false,
        period_days: None,
        star_levels: Vec::new(),
    };
    definitions::save(db, &system, csat).await?;
    let nps = DefinitionInput {
        id: None,
        name: "会员关系 NPS".to_owned(),
        kind: SurveyKind::Nps,
        trigger: SurveyTrigger::Periodic,
        channel: MessageChannel::Sms,
        templates: vec![template("zh-CN", "", "{name}您好，您有多大可能把我们推荐给朋友？{link}")],
        delay_days: 0,
        link_days: 14,
        active: false,
        period_days: Some(90),
        star_levels: vec![4, 5],
    };
    definitions::save(db, &system, nps).await?;
    Ok(())
}

/// Sets up the demo's surveys and records about a year of answers from its customers (before
/// their first rating, which then counts their satisfaction). Returns how many answers.
///
/// # Errors
/// Database failures.
pub async fn demo(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    definitions(db, workspace_id).await?;
    let agent = user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(workspace_id))
        .filter(user::Column::Email.eq(demo_email("agent")))
        .one(db)
        .await?
        .map(|u| u.id);
    let customers: Vec<(Uuid, i64)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::TotalSpendMinor)
        .filter(customer::Column::WorkspaceId.eq(workspace_id))
        .filter(customer::Column::DeletedAt.is_null())
        .order_by_asc(customer::Column::TotalSpendMinor)
        .order_by_asc(customer::Column::Number)
        .into_tuple()
        .all(db)
        .await?;
    let mut rng = Rng::new(seed ^ 0x5EED_5A7E);
    let count = customers.len().max(1);
    let mut rows = Vec::new();
    for (position, (id, _)) in customers.iter().enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "a rank among a few hundred")]
        let rank = position as f64 / count as f64;
        let answers = if rng.chance(0.55) { 1 + rng.below(2) } else { 0 };
        for _ in 0..answers {
            let kind = if rng.chance(0.65) { SurveyKind::Nps } else { SurveyKind::Csat };
            let given = score(&mut rng, kind, rank);
            let text = comment(&mut rng, kind, given);
            let ago = Duration::minutes(i64::try_from(rng.below(360 * 24 * 60)).unwrap_or(0));
            let (channel, store, agent_id) = match kind {
                SurveyKind::Csat => {
                    (*rng.pick(&[Channel::Wechat, Channel::Phone, Channel::Chat]), None, agent)
                }
                SurveyKind::Nps => match *rng.pick(&[Channel::Web, Channel::App, Channel::Store]) {
                    Channel::Store => (Channel::Store, Some((*rng.pick(&STORES)).to_owned()), None),
                    other => (other, None, None),
                },
            };
            let language = text.as_deref().map(|t| if t.is_ascii() { "en" } else { "zh-CN" });
            rows.push(survey_response::Model {
                id: Uuid::now_v7(),
                workspace_id,
                customer_id: *id,
                kind: kind.as_str().to_owned(),
                score: i16::from(given),
                comment: text,
                language: language.map(str::to_owned),
                channel: Some(channel.as_str().to_owned()),
                store,
                agent_id,
                ticket_id: None,
                transaction_id: None,
                source: ResponseSource::Integration.as_str().to_owned(),
                external_ref: Some(format!("demo-{}", rows.len() + 1)),
                loop_ticket_id: None,
                recorded_by: None,
                answered_at: now - ago,
                created_at: now - ago,
            });
        }
    }
    let recorded = rows.len();
    for chunk in rows.chunks(500) {
        let models = chunk.iter().cloned().map(sea_orm::IntoActiveModel::into_active_model);
        survey_response::Entity::insert_many(models).exec_without_returning(db).await?;
    }
    Ok(recorded)
}
