//! An employee: the core record that HR extends.

use sea_orm::entity::prelude::*;

/// An employee row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "employees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Employee number unique within the tenant, e.g. `E00042`.
    pub employee_number: String,
    pub family_name: String,
    pub given_name: String,
    pub work_email: String,
    pub org_unit_id: Option<Uuid>,
    pub manager_id: Option<Uuid>,
    /// `active`, `on_leave`, `suspended` or `left`.
    pub status: String,
    pub hire_date: Date,
    /// The user account of this employee, when they sign in.
    pub user_id: Option<Uuid>,
    /// My Number (individual number): sensitive, read only with `VIEW_NATIONAL_IDS` or by the
    /// employee, and every read is logged.
    pub national_id_number: Option<String>,
    /// Salary account (bank, branch, account): sensitive like the national id.
    pub bank_account: Option<String>,
    /// The last day of employment, once the employee has left.
    pub left_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
