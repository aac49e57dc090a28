//! The organisation core in the schema: units and employees.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::org::{employee, org_unit};
use sea_orm::{ColumnTrait, QueryFilter};

use crate::auth::Permission;
use crate::error::GqlResult;
use crate::graphql::core::{ContextExt, GlobalId, Page, PageArgs, list, load_one, page_complexity};

/// An organisation unit (company, division, department, team) in a tree. Needs
/// `VIEW_ORGANISATION`.
pub struct OrgUnit(pub org_unit::Model);

/// An organisation unit (company, division, department, team) in a tree. Needs
/// `VIEW_ORGANISATION`.
#[Object]
impl OrgUnit {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<org_unit::Entity>(self.0.id)
    }
    /// Short code unique within the tenant, e.g. `FIN`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The parent unit; `null` for a root.
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
        Ok(load_one::<org_unit::Entity>(ctx, self.0.parent_id)
            .await?
            .map(OrgUnit))
    }
    /// The employee who manages the unit. Needs `VIEW_EMPLOYEES`.
    async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
        ctx.authorize(Permission::ViewEmployees)?;
        Ok(load_one::<employee::Entity>(ctx, self.0.manager_id)
            .await?
            .map(Employee))
    }
    /// Optimistic-concurrency version, incremented by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the unit was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the unit last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Where an employee is in their employment.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum EmployeeStatus {
    /// Working.
    Active,
    /// On extended leave.
    OnLeave,
    /// Suspended.
    Suspended,
    /// Has left the company.
    Left,
}

/// An employee: the core record that HR extends. Needs `VIEW_EMPLOYEES`.
pub struct Employee(pub employee::Model);

/// An employee: the core record that HR extends. Needs `VIEW_EMPLOYEES`.
#[Object]
impl Employee {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<employee::Entity>(self.0.id)
    }
    /// Employee number unique within the tenant.
    async fn employee_number(&self) -> &str {
        &self.0.employee_number
    }
    /// Family name.
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// Given name.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// Family name then given name, as written in Japanese.
    async fn display_name(&self) -> String {
        format!("{} {}", self.0.family_name, self.0.given_name)
    }
    /// Work email address.
    async fn work_email(&self) -> &str {
        &self.0.work_email
    }
    /// My Number (individual number). Sensitive: needs `VIEW_NATIONAL_IDS` unless it is your
    /// own record; every read is recorded in the personal-data access log.
    async fn national_id_number(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        self.sensitive(
            ctx,
            Permission::ViewNationalIds,
            "nationalIdNumber",
            self.0.national_id_number.as_deref(),
        )
    }
    /// Salary account. Sensitive: needs `VIEW_BANK_ACCOUNTS` unless it is your own record; every
    /// read is recorded in the personal-data access log.
    async fn bank_account(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        self.sensitive(
            ctx,
            Permission::ViewBankAccounts,
            "bankAccount",
            self.0.bank_account.as_deref(),
        )
    }
    /// Employment status.
    async fn status(&self) -> EmployeeStatus {
        match self.0.status.as_str() {
            "on_leave" => EmployeeStatus::OnLeave,
            "suspended" => EmployeeStatus::Suspended,
            "left" => EmployeeStatus::Left,
            _ => EmployeeStatus::Active,
        }
    }
    /// First day of employment.
    async fn hire_date(&self) -> NaiveDate {
        self.0.hire_date
    }
    /// The unit the employee belongs to. Needs `VIEW_ORGANISATION`.
    async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
        ctx.authorize(Permission::ViewOrganisation)?;
        Ok(load_one::<org_unit::Entity>(ctx, self.0.org_unit_id)
            .await?
            .map(OrgUnit))
    }
    /// The employee's manager.
    async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
        Ok(load_one::<employee::Entity>(ctx, self.0.manager_id)
            .await?
            .map(Employee))
    }
    /// Optimistic-concurrency version, incremented by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// The organisation's queries.
#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// The tenant's organisation units, oldest first. Needs `VIEW_ORGANISATION`.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn org_units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<OrgUnit>> {
        let session = ctx.authorize(Permission::ViewOrganisation)?;
        let args = PageArgs::parse(first, after, last, before)?;
        list::<org_unit::Entity, _>(
            ctx,
            session,
            args,
            |q| q.filter(org_unit::Column::ArchivedAt.is_null()),
            OrgUnit,
        )
        .await
        .map_err(Into::into)
    }

    /// The tenant's employees, oldest record first. Needs `VIEW_EMPLOYEES`.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn employees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<Employee>> {
        let session = ctx.authorize(Permission::ViewEmployees)?;
        let args = PageArgs::parse(first, after, last, before)?;
        list::<employee::Entity, _>(
            ctx,
            session,
            args,
            |q| q.filter(employee::Column::ArchivedAt.is_null()),
            Employee,
        )
        .await
        .map_err(Into::into)
    }

    /// One organisation unit by global id; `null` when unknown. Needs `VIEW_ORGANISATION`.
    async fn org_unit(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<OrgUnit>> {
        ctx.authorize(Permission::ViewOrganisation)?;
        Ok(
            load_one::<org_unit::Entity>(ctx, GlobalId::decode_for::<org_unit::Entity>(&id))
                .await?
                .map(OrgUnit),
        )
    }

    /// One employee by global id; `null` when unknown. Needs `VIEW_EMPLOYEES`.
    async fn employee(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Employee>> {
        ctx.authorize(Permission::ViewEmployees)?;
        Ok(
            load_one::<employee::Entity>(ctx, GlobalId::decode_for::<employee::Entity>(&id))
                .await?
                .map(Employee),
        )
    }
}

impl Employee {
    fn sensitive(
        &self,
        ctx: &Context<'_>,
        permission: Permission,
        field: &'static str,
        value: Option<&str>,
    ) -> GqlResult<Option<String>> {
        let session = ctx.session()?;
        let value = crate::services::personal_data::read(
            &session.principal,
            &session.reads,
            permission,
            "Employee",
            self.0.id,
            self.0.user_id,
            field,
            value,
        )?;
        Ok(value.map(str::to_owned))
    }
}
