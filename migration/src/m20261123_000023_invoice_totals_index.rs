//! A covering index for document totals (`invoiceTotals`): the tenant's posted documents of a
//! kind, by issue date, with the stored totals in the index itself, so the sum is an index-only
//! scan that never visits the table. It replaces the plain `(tenant_id, kind, status,
//! issue_date)` index, whose every use it also serves.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "ix_invoices_kind_status_issue_date";
const NEW: &str = "ix_invoices_kind_status_issue_date_totals";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let sql = if manager.get_database_backend() == DbBackend::Postgres {
            format!(
                "CREATE INDEX {NEW} ON invoices (tenant_id, kind, status, issue_date) \
                 INCLUDE (currency, amount_untaxed, amount_tax, amount_total, amount_paid)"
            )
        } else {
            // SQLite has no INCLUDE; an index holding every column read covers the query too.
            format!(
                "CREATE INDEX {NEW} ON invoices (tenant_id, kind, status, issue_date, currency, \
                 amount_untaxed, amount_tax, amount_total, amount_paid)"
            )
        };
        db.execute_unprepared(&sql).await?;
        db.execute_unprepared(&format!("DROP INDEX {OLD}")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE INDEX {OLD} ON invoices (tenant_id, kind, status, issue_date)"
        ))
        .await?;
        db.execute_unprepared(&format!("DROP INDEX {NEW}")).await?;
        Ok(())
    }
}
