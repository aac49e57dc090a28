//! A customer invoice, supplier bill or credit note.

use sea_orm::entity::prelude::*;

/// A customer invoice, supplier bill or credit note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `customer_invoice`, `supplier_bill`, `customer_credit_note` or `supplier_credit_note`.
    pub kind: String,
    pub number: Option<String>,
    pub party_id: Uuid,
    pub issue_date: Date,
    pub due_date: Date,
    pub received_on: Option<Date>,
    pub currency: String,
    pub rate: Decimal,
    pub supplier_reference: Option<String>,
    pub registration_number: Option<String>,
    pub notes: Option<String>,
    /// `draft`, `posted` or `cancelled`; the payment status is derived.
    pub status: String,
    pub entry_id: Option<Uuid>,
    pub credited_invoice_id: Option<Uuid>,
    pub amount_untaxed: Decimal,
    pub amount_tax: Decimal,
    pub amount_total: Decimal,
    /// Paid or credited so far (maintained with the allocations, in their transaction).
    pub amount_paid: Decimal,
    pub posted_at: Option<DateTimeUtc>,
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
