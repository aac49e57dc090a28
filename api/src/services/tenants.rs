//! Creating tenants and their first administrator.

use chrono::Utc;
use entity::org::{employee, org_unit};
use entity::platform::{self, membership, tenant, user};
use entity::{TenantId, TenantTx};
use sea_orm::{ActiveValue::Set, DatabaseConnection};
use uuid::Uuid;

use crate::auth::BuiltinRole;
use crate::error::{AppError, AppResult, InputError};

/// What the platform operator supplies for a new tenant.
#[derive(Clone, Debug)]
pub struct NewTenant {
    /// Short unique handle: lower-case letters, digits and dashes, 2-63 characters.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// ISO 4217 currency code.
    pub base_currency: String,
    /// IANA time zone.
    pub time_zone: String,
    /// BCP 47 locale.
    pub locale: String,
    /// Month the fiscal year starts (1-12).
    pub fiscal_year_start_month: i16,
    /// Whether this is the demo tenant.
    pub is_demo: bool,
    /// The first tenant administrator, by email and display name.
    pub admin: Option<(String, String)>,
}

impl NewTenant {
    /// A Japanese company with the usual defaults (JPY, April fiscal year, Asia/Tokyo, ja-JP).
    pub fn japanese(slug: &str, name: &str) -> Self {
        Self {
            slug: slug.into(),
            name: name.into(),
            base_currency: "JPY".into(),
            time_zone: "Asia/Tokyo".into(),
            locale: "ja-JP".into(),
            fiscal_year_start_month: 4,
            is_demo: false,
            admin: None,
        }
    }
}

/// The tenant that was created, and its administrator's user id if one was asked for.
pub struct CreatedTenant {
    /// The tenant row.
    pub tenant: tenant::Model,
    /// The first administrator.
    pub admin_user_id: Option<Uuid>,
}

/// Creates a tenant (and its first administrator) in one transaction, then lets `fill` add data
/// inside the same transaction. Nothing is left behind if any step fails.
pub async fn create_tenant_with<F>(
    db: &DatabaseConnection,
    new: NewTenant,
    fill: F,
) -> AppResult<Result<CreatedTenant, Vec<InputError<PlatformErrorCode>>>>
where
    F: AsyncFnOnce(&TenantTx, Option<Uuid>) -> AppResult<()>,
{
    let mut problems = validate(&new);
    if problems.is_empty()
        && platform::find_tenant_by_slug(db, &new.slug)
            .await?
            .is_some()
    {
        problems.push(InputError::new(
            "slug",
            PlatformErrorCode::Duplicate,
            format!("a tenant with slug `{}` already exists", new.slug),
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = Utc::now();
    let tenant_id = TenantId(Uuid::now_v7());
    let tx = TenantTx::begin(db, tenant_id).await?;
    let tenant = platform::insert_tenant(
        tx.connection(),
        tenant::ActiveModel {
            id: Set(tenant_id.uuid()),
            slug: Set(new.slug.clone()),
            name: Set(new.name.clone()),
            base_currency: Set(new.base_currency.clone()),
            fiscal_year_start_month: Set(new.fiscal_year_start_month),
            time_zone: Set(new.time_zone.clone()),
            locale: Set(new.locale.clone()),
            status: Set("active".into()),
            is_demo: Set(new.is_demo),
            api_key_introspection: Set(false),
            plan: Set(None),
            api_key_operations: Set("any".into()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await?;
    let mut admin_user_id = None;
    if let Some((email, display_name)) = &new.admin {
        let user = match platform::find_user_by_email(tx.connection(), email).await? {
            Some(u) => u,
            None => {
                platform::insert_user(
                    tx.connection(),
                    user::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        email: Set(email.to_lowercase()),
                        display_name: Set(display_name.clone()),
                        created_at: Set(now),
                        updated_at: Set(now),
                    },
                )
                .await?
            }
        };
        add_membership(&tx, user.id, &[BuiltinRole::TenantAdmin]).await?;
        admin_user_id = Some(user.id);
    }
    // Every tenant starts with books it can post to: a chart, journals, tax rates, a fiscal
    // year.
    crate::services::accounting::chart::seed_defaults(&tx).await?;
    fill(&tx, admin_user_id).await?;
    tx.commit().await?;
    Ok(Ok(CreatedTenant {
        tenant,
        admin_user_id,
    }))
}

/// Gives a user roles in the transaction's tenant.
pub async fn add_membership(
    tx: &TenantTx,
    user_id: Uuid,
    roles: &[BuiltinRole],
) -> AppResult<membership::Model> {
    let now = Utc::now();
    Ok(tx
        .insert(membership::ActiveModel {
            tenant_id: Set(tx.tenant().uuid()),
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            roles: Set(membership::RoleNames(
                roles.iter().map(|r| r.key().to_owned()).collect(),
            )),
            status: Set("active".into()),
            password_hash: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(None),
            updated_by: Set(None),
            archived_at: Set(None),
        })
        .await?)
}

/// What can be wrong with a tenant's settings or a new tenant.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum PlatformErrorCode {
    /// The value is malformed or out of range.
    Invalid,
    /// A required value is missing or empty.
    Required,
    /// The slug is taken.
    Duplicate,
    /// The tenant does not exist.
    NotFound,
}

/// Tenant settings to check; `None` means "not being set".
#[derive(Default)]
pub struct SettingsCheck<'a> {
    /// Display name.
    pub name: Option<&'a str>,
    /// ISO 4217 code.
    pub base_currency: Option<&'a str>,
    /// 1-12.
    pub fiscal_year_start_month: Option<i32>,
    /// IANA name.
    pub time_zone: Option<&'a str>,
    /// BCP 47 tag.
    pub locale: Option<&'a str>,
}

/// Checks tenant settings; one problem per bad field, named as in the GraphQL input.
pub fn check_settings(s: &SettingsCheck) -> Vec<InputError<PlatformErrorCode>> {
    use PlatformErrorCode::{Invalid, Required};
    let mut out = Vec::new();
    if let Some(name) = s.name {
        let len = name.trim().chars().count();
        if len == 0 {
            out.push(InputError::new(
                "name",
                Required,
                "the name must not be empty",
            ));
        } else if len > 200 {
            out.push(InputError::new(
                "name",
                Invalid,
                "the name must be at most 200 characters",
            ));
        }
    }
    if let Some(c) = s.base_currency
        && !(c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()))
    {
        out.push(InputError::new(
            "baseCurrency",
            Invalid,
            "the currency must be an ISO 4217 code such as JPY",
        ));
    }
    if let Some(m) = s.fiscal_year_start_month
        && !(1..=12).contains(&m)
    {
        out.push(InputError::new(
            "fiscalYearStartMonth",
            Invalid,
            "the month must be between 1 and 12",
        ));
    }
    if let Some(tz) = s.time_zone {
        let shaped = !tz.is_empty()
            && tz.len() <= 64
            && tz
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
            && (tz == "UTC" || tz.contains('/'));
        if !shaped {
            out.push(InputError::new(
                "timeZone",
                Invalid,
                "the time zone must be an IANA name such as Asia/Tokyo",
            ));
        }
    }
    if let Some(l) = s.locale {
        let mut parts = l.split('-');
        let lang_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase())
        });
        let rest_ok = parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !(lang_ok && rest_ok) {
            out.push(InputError::new(
                "locale",
                Invalid,
                "the locale must be a BCP 47 tag such as ja-JP",
            ));
        }
    }
    out
}

fn validate(new: &NewTenant) -> Vec<InputError<PlatformErrorCode>> {
    let mut out = Vec::new();
    let slug_ok = (2..=63).contains(&new.slug.len())
        && new
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !new.slug.starts_with('-');
    if !slug_ok {
        out.push(InputError::new(
            "slug",
            PlatformErrorCode::Invalid,
            "the slug must be 2-63 lower-case letters, digits or dashes",
        ));
    }
    out.extend(check_settings(&SettingsCheck {
        name: Some(&new.name),
        base_currency: Some(&new.base_currency),
        fiscal_year_start_month: Some(i32::from(new.fiscal_year_start_month)),
        time_zone: Some(&new.time_zone),
        locale: Some(&new.locale),
    }));
    if let Some((email, name)) = &new.admin {
        if !looks_like_email(email) {
            out.push(InputError::new(
                "adminEmail",
                PlatformErrorCode::Invalid,
                "the administrator's email is not an email address",
            ));
        }
        if name.trim().is_empty() {
            out.push(InputError::new(
                "adminDisplayName",
                PlatformErrorCode::Required,
                "the administrator needs a name",
            ));
        }
    }
    out
}

/// A deliberately simple shape check; deliverability is proven by the invitation mail, not here.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(' ')
}

/// A new organisation unit's active model with the shared bookkeeping columns filled in.
pub fn new_unit(
    tx: &TenantTx,
    code: &str,
    name: &str,
    parent: Option<Uuid>,
) -> org_unit::ActiveModel {
    let now = Utc::now();
    org_unit::ActiveModel {
        tenant_id: Set(tx.tenant().uuid()),
        id: Set(Uuid::now_v7()),
        code: Set(code.into()),
        name: Set(name.into()),
        parent_id: Set(parent),
        manager_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        created_by: Set(None),
        updated_by: Set(None),
        archived_at: Set(None),
    }
}

/// A new employee's active model with the shared bookkeeping columns filled in.
pub struct NewEmployee<'a> {
    /// Employee number.
    pub number: String,
    /// Family name.
    pub family: &'a str,
    /// Given name.
    pub given: &'a str,
    /// Work email.
    pub email: String,
    /// Unit.
    pub unit: Option<Uuid>,
    /// Manager.
    pub manager: Option<Uuid>,
    /// Hire date.
    pub hire_date: chrono::NaiveDate,
    /// Sign-in account.
    pub user_id: Option<Uuid>,
    /// My Number (sensitive).
    pub national_id_number: Option<String>,
    /// Salary account (sensitive).
    pub bank_account: Option<String>,
}

impl NewEmployee<'_> {
    /// The active model to insert.
    pub fn into_active(self, tx: &TenantTx) -> employee::ActiveModel {
        let now = Utc::now();
        employee::ActiveModel {
            tenant_id: Set(tx.tenant().uuid()),
            id: Set(Uuid::now_v7()),
            employee_number: Set(self.number),
            family_name: Set(self.family.into()),
            given_name: Set(self.given.into()),
            work_email: Set(self.email),
            org_unit_id: Set(self.unit),
            manager_id: Set(self.manager),
            status: Set("active".into()),
            hire_date: Set(self.hire_date),
            user_id: Set(self.user_id),
            national_id_number: Set(self.national_id_number),
            bank_account: Set(self.bank_account),
            left_on: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(None),
            updated_by: Set(None),
            archived_at: Set(None),
        }
    }
}

/// Turns payload problems into one error, for callers without a payload (the command line).
pub fn problems_to_error<C: async_graphql::OutputType>(problems: Vec<InputError<C>>) -> AppError {
    AppError::BadRequest(
        problems
            .into_iter()
            .map(|p| p.message)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Saves a changed tenant row in `tx` and records the change in the tenant's own audit trail.
/// The tenant row is a platform table the seam cannot see, so the audit entry here is also what
/// moves the `Tenant` cache generation at commit (every cached principal carries the tenant's
/// status, plan and settings).
pub async fn save_tenant(
    tx: &TenantTx,
    before: &tenant::Model,
    mut am: tenant::ActiveModel,
) -> AppResult<tenant::Model> {
    am.updated_at = Set(Utc::now());
    let updated = platform::update_tenant(tx.connection(), am).await?;
    let changes = entity::tenancy::field_changes(Some(before), Some(&updated), &[])?;
    tx.audit_raw("Tenant", Some(updated.id), "update", changes)
        .await?;
    Ok(updated)
}
