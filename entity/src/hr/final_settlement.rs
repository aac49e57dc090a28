//! What a leaver is paid on leaving: severance and the retirement income taxes withheld.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "final_settlements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The separation.
    pub separation_id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// The severance scheme applied.
    pub scheme_id: Option<Uuid>,
    /// Completed months of service.
    pub service_months: i32,
    /// The last monthly wage: sensitive.
    pub base_wage: Decimal,
    /// The severance pay: sensitive.
    pub severance: Decimal,
    /// The retirement income deduction: sensitive.
    pub retirement_deduction: Decimal,
    /// Taxable retirement income: sensitive.
    pub taxable_income: Decimal,
    /// Income tax withheld: sensitive.
    pub income_tax: Decimal,
    /// Resident tax withheld: sensitive.
    pub resident_tax: Decimal,
    /// Paid out: sensitive.
    pub net: Decimal,
    /// Whether the retirement income declaration (退職所得の受給に関する申告書) was submitted.
    pub declaration_submitted: bool,
    /// `computed`, `posted` or `cancelled`.
    pub status: String,
    /// The journal entry once posted.
    pub entry_id: Option<Uuid>,
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
