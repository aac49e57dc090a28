//! A line of a payslip.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "payslip_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The payslip.
    pub payslip_id: Uuid,
    /// Order.
    pub seq: i32,
    /// The component.
    pub component_id: Uuid,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// `earning` or `deduction`.
    pub kind: String,
    /// The amount.
    pub amount: Decimal,
    /// The account it posts to.
    pub account_id: Option<Uuid>,
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
