//! Roles and permissions, defined once: the server's guards and the SPA's navigation both read
//! this table.

use serde::{Deserialize, Serialize};

/// What a caller may do. The wire form (`customers:read`) is what API token scopes list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "customers:read")]
    CustomersRead,
    #[serde(rename = "customers:write")]
    CustomersWrite,
    /// Privacy erasure of a customer (irreversible).
    #[serde(rename = "customers:erase")]
    CustomersErase,
    /// See phone numbers, ID numbers and birthdays in full (each reveal is audited).
    #[serde(rename = "pii:read")]
    PiiRead,
    /// Push transactions and interactions (integrators: shops, POS, call centres).
    #[serde(rename = "transactions:write")]
    TransactionsWrite,
    #[serde(rename = "ratings:read")]
    RatingsRead,
    /// Edit, simulate and activate rating policies; trigger re-rating.
    #[serde(rename = "ratings:manage")]
    RatingsManage,
    /// Set a customer's stars by hand, with a reason.
    #[serde(rename = "ratings:override")]
    RatingsOverride,
    /// Tickets, follow-ups and interactions.
    #[serde(rename = "service:manage")]
    ServiceManage,
    /// Service-level policies and business hours.
    #[serde(rename = "service:configure")]
    ServiceConfigure,
    /// Segments and campaigns: write, launch, cancel.
    #[serde(rename = "campaigns:manage")]
    CampaignsManage,
    /// Approves a campaign launched to more customers than its launcher may send to alone.
    #[serde(rename = "campaigns:approve")]
    CampaignsApprove,
    /// Survey scores, answers and what customers talk about.
    #[serde(rename = "surveys:read")]
    SurveysRead,
    /// Record answers gathered on the business's own channels (integrators, call centres).
    #[serde(rename = "surveys:record")]
    SurveysRecord,
    /// Survey definitions and triggers, messaging settings and the contact budget.
    #[serde(rename = "surveys:manage")]
    SurveysManage,
    /// Points balances, lots, history and the liability report.
    #[serde(rename = "loyalty:read")]
    LoyaltyRead,
    /// Spend a member's points (a reward, a discount at the till).
    #[serde(rename = "points:redeem")]
    PointsRedeem,
    /// Give or take away points by hand, with a reason (audited).
    #[serde(rename = "points:adjust")]
    PointsAdjust,
    /// The earn rule, expiry and the rewards catalogue.
    #[serde(rename = "loyalty:manage")]
    LoyaltyManage,
    /// Obtain short-lived member tokens for the business's own app (one customer each).
    #[serde(rename = "members:issue")]
    MembersIssue,
    /// See the workspace's staff accounts.
    #[serde(rename = "users:read")]
    UsersRead,
    /// Create users, change roles, deactivate.
    #[serde(rename = "users:manage")]
    UsersManage,
    /// Create and revoke API tokens.
    #[serde(rename = "tokens:manage")]
    TokensManage,
    /// Register webhook endpoints, read their delivery log, replay deliveries.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
    /// Import customers from files, and revert an import.
    #[serde(rename = "data:import")]
    DataImport,
    /// Download customers and transactions as files (contact details masked without `pii:read`).
    #[serde(rename = "data:export")]
    DataExport,
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Workspace settings (name, time zone, currency, benefits...).
    #[serde(rename = "settings:manage")]
    SettingsManage,
}

impl Permission {
    pub const ALL: [Self; 28] = [
        Self::CustomersRead,
        Self::CustomersWrite,
        Self::CustomersErase,
        Self::PiiRead,
        Self::TransactionsWrite,
        Self::RatingsRead,
        Self::RatingsManage,
        Self::RatingsOverride,
        Self::ServiceManage,
        Self::ServiceConfigure,
        Self::CampaignsManage,
        Self::CampaignsApprove,
        Self::SurveysRead,
        Self::SurveysRecord,
        Self::SurveysManage,
        Self::LoyaltyRead,
        Self::PointsRedeem,
        Self::PointsAdjust,
        Self::LoyaltyManage,
        Self::MembersIssue,
        Self::UsersRead,
        Self::UsersManage,
        Self::TokensManage,
        Self::WebhooksManage,
        Self::DataImport,
        Self::DataExport,
        Self::AuditRead,
        Self::SettingsManage,
    ];

    /// The wire form, e.g. `customers:read`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CustomersRead => "customers:read",
            Self::CustomersWrite => "customers:write",
            Self::CustomersErase => "customers:erase",
            Self::PiiRead => "pii:read",
            Self::TransactionsWrite => "transactions:write",
            Self::RatingsRead => "ratings:read",
            Self::RatingsManage => "ratings:manage",
            Self::RatingsOverride => "ratings:override",
            Self::ServiceManage => "service:manage",
            Self::ServiceConfigure => "service:configure",
            Self::CampaignsManage => "campaigns:manage",
            Self::CampaignsApprove => "campaigns:approve",
            Self::SurveysRead => "surveys:read",
            Self::SurveysRecord => "surveys:record",
            Self::SurveysManage => "surveys:manage",
            Self::LoyaltyRead => "loyalty:read",
            Self::PointsRedeem => "points:redeem",
            Self::PointsAdjust => "points:adjust",
            Self::LoyaltyManage => "loyalty:manage",
            Self::MembersIssue => "members:issue",
            Self::UsersRead => "users:read",
            Self::UsersManage => "users:manage",
            Self::TokensManage => "tokens:manage",
            Self::WebhooksManage => "webhooks:manage",
            Self::DataImport => "data:import",
            Self::DataExport => "data:export",
            Self::AuditRead => "audit:read",
            Self::SettingsManage => "settings:manage",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A staff member's role in a workspace. Ordered by rank: a role may manage only roles of a
/// lower or equal rank, and nobody changes their own role.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Everything, including other owners and admins.
    Owner,
    /// Everything but managing owners.
    Admin,
    /// Runs a team: customers, ratings, service, campaigns, audit.
    Manager,
    /// Serves customers: profiles, service, contact details.
    Agent,
    /// Runs campaigns; sees customers without contact details.
    Marketer,
    /// Reads customers and ratings for reporting; no contact details, no changes.
    Analyst,
}

impl Role {
    pub const ALL: [Self; 6] =
        [Self::Owner, Self::Admin, Self::Manager, Self::Agent, Self::Marketer, Self::Analyst];

    /// Higher is more powerful.
    pub const fn rank(self) -> u8 {
        match self {
            Self::Owner => 5,
            Self::Admin => 4,
            Self::Manager => 3,
            Self::Agent | Self::Marketer | Self::Analyst => 1,
        }
    }

    /// The stored form, e.g. `manager`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Agent => "agent",
            Self::Marketer => "marketer",
            Self::Analyst => "analyst",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// The role -> permission table. Erasure, settings and users stay with owners and admins;
    /// managers may also run integrations (API tokens, never with more than they hold; webhooks).
    pub const fn permissions(self) -> &'static [Permission] {
        use Permission::{
            AuditRead, CampaignsApprove, CampaignsManage, CustomersRead, CustomersWrite, DataExport,
            DataImport, LoyaltyManage, LoyaltyRead, MembersIssue, PiiRead, PointsAdjust, PointsRedeem,
            RatingsManage, RatingsOverride, RatingsRead, ServiceConfigure, ServiceManage, SurveysManage,
            SurveysRead, SurveysRecord, TokensManage, TransactionsWrite, UsersRead, WebhooksManage,
        };
        match self {
            Self::Owner | Self::Admin => &Permission::ALL,
            Self::Manager => &[
                CustomersRead,
                CustomersWrite,
                PiiRead,
                TransactionsWrite,
                RatingsRead,
                RatingsManage,
                RatingsOverride,
                ServiceManage,
                ServiceConfigure,
                CampaignsManage,
                CampaignsApprove,
                SurveysRead,
                SurveysRecord,
                SurveysManage,
                LoyaltyRead,
                PointsRedeem,
                PointsAdjust,
                LoyaltyManage,
                MembersIssue,
                UsersRead,
                TokensManage,
                WebhooksManage,
                DataImport,
                DataExport,
                AuditRead,
            ],
            Self::Agent => &[
                CustomersRead,
                CustomersWrite,
                PiiRead,
                TransactionsWrite,
                RatingsRead,
                ServiceManage,
                SurveysRead,
                SurveysRecord,
                LoyaltyRead,
                PointsRedeem,
            ],
            Self::Marketer => &[
                CustomersRead,
                RatingsRead,
                CampaignsManage,
                SurveysRead,
                LoyaltyRead,
                LoyaltyManage,
                DataExport,
            ],
            Self::Analyst => &[CustomersRead, RatingsRead, SurveysRead, LoyaltyRead, DataExport],
        }
    }

    pub fn has(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// Whether this role may act on an account that has (or would get) `other`: never above its
    /// own rank, and only owners act on owners. (Acting on accounts at all also needs
    /// `users:manage`.)
    pub const fn can_manage(self, other: Self) -> bool {
        matches!(self, Self::Owner) || (!matches!(other, Self::Owner) && self.rank() >= other.rank())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{Permission, Role};

    #[test]
    fn wire_forms_round_trip() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(permission));
            let json = serde_json::to_string(&permission).expect("serialise");
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Permission::parse("customers:delete"), None);
    }

    #[test]
    fn each_role_holds_what_its_job_needs_and_no_more() {
        assert!(Role::ALL.iter().all(|r| r.has(Permission::CustomersRead)));
        for sensitive in [Permission::UsersManage, Permission::SettingsManage, Permission::CustomersErase] {
            let holders: Vec<Role> = Role::ALL.into_iter().filter(|r| r.has(sensitive)).collect();
            assert_eq!(holders, [Role::Owner, Role::Admin], "{sensitive}");
        }
        let token_managers: Vec<Role> =
            Role::ALL.into_iter().filter(|r| r.has(Permission::TokensManage)).collect();
        assert_eq!(token_managers, [Role::Owner, Role::Admin, Role::Manager]);
        // Contact details: the people who talk to customers, not marketing or analysis.
        assert!(Role::Agent.has(Permission::PiiRead));
        assert!(!Role::Marketer.has(Permission::PiiRead) && !Role::Analyst.has(Permission::PiiRead));
        assert!(!Role::Analyst.has(Permission::CustomersWrite));
    }

    #[test]
    fn nobody_acts_above_their_rank() {
        assert!(Role::Owner.can_manage(Role::Owner));
        assert!(!Role::Admin.can_manage(Role::Owner));
        assert!(Role::Admin.can_manage(Role::Admin));
        assert!(Role::Admin.can_manage(Role::Agent));
        assert!(!Role::Manager.can_manage(Role::Admin));
        assert!(!Role::Agent.can_manage(Role::Manager));
    }
}
