//! Urakata's migrations. The same migrations serve SQLite (the embedded default) and PostgreSQL.
//!
//! Every tenant-owned table is made by [`tenant_table`]: its primary key is `(tenant_id, id)`, it
//! references `tenants`, and it has the bookkeeping columns every entity shares. Foreign keys
//! between tenant-owned tables are composite, `(tenant_id, x_id)` to `(tenant_id, id)`, via
//! [`tenant_fk`], so a row can never point into another tenant.

// Migrations run DDL as the owning role, outside any tenant, so the tenancy seam's ban on bare
// statement execution (clippy.toml) does not apply here.
#![allow(clippy::disallowed_methods)]

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_platform;
mod m20261123_000002_org;
mod m20261123_000003_row_level_security;
mod m20261123_000004_sessions;
mod m20261123_000005_custom_roles;
mod m20261123_000006_audit_log;
mod m20261123_000007_apps;
mod m20261123_000008_identity_providers;
mod m20261123_000009_personal_data;
mod m20261123_000010_invitations;
mod m20261123_000011_numbering;
mod m20261123_000012_member_passwords;
mod m20261123_000013_idempotency;
mod m20261123_000014_outbox;
mod m20261123_000015_org_core;
mod m20261123_000016_events;
mod m20261123_000017_workflow;
mod m20261123_000018_persisted_queries;
mod m20261123_000019_accounting;
mod m20261123_000020_budgets;
mod m20261123_000021_fixed_assets;
mod m20261123_000022_expense_claims;
mod m20261123_000023_invoice_totals_index;
mod m20261124_000024_hr_time_and_leave;
mod m20261124_000025_hr_payroll;
mod m20261124_000026_health_checks;
mod m20261124_000027_hr_recruiting;
mod m20261124_000028_hr_development;

pub use m20261123_000019_accounting::{ledger_guards, lift_ledger_guards, restore_ledger_guards};

/// The PostgreSQL role the API's connections run as: it owns no table and cannot bypass
/// row-level security. Migrations run as the connecting (owner) role and grant it what it needs.
pub const APP_ROLE: &str = "urakata_app";

/// The list of migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_platform::Migration),
            Box::new(m20261123_000002_org::Migration),
            Box::new(m20261123_000003_row_level_security::Migration),
            Box::new(m20261123_000004_sessions::Migration),
            Box::new(m20261123_000005_custom_roles::Migration),
            Box::new(m20261123_000006_audit_log::Migration),
            Box::new(m20261123_000007_apps::Migration),
            Box::new(m20261123_000008_identity_providers::Migration),
            Box::new(m20261123_000009_personal_data::Migration),
            Box::new(m20261123_000010_invitations::Migration),
            Box::new(m20261123_000011_numbering::Migration),
            Box::new(m20261123_000012_member_passwords::Migration),
            Box::new(m20261123_000013_idempotency::Migration),
            Box::new(m20261123_000014_outbox::Migration),
            Box::new(m20261123_000015_org_core::Migration),
            Box::new(m20261123_000016_events::Migration),
            Box::new(m20261123_000017_workflow::Migration),
            Box::new(m20261123_000018_persisted_queries::Migration),
            Box::new(m20261123_000019_accounting::Migration),
            Box::new(m20261123_000020_budgets::Migration),
            Box::new(m20261123_000021_fixed_assets::Migration),
            Box::new(m20261123_000022_expense_claims::Migration),
            Box::new(m20261123_000023_invoice_totals_index::Migration),
            Box::new(m20261124_000024_hr_time_and_leave::Migration),
            Box::new(m20261124_000025_hr_payroll::Migration),
            Box::new(m20261124_000026_health_checks::Migration),
            Box::new(m20261124_000027_hr_recruiting::Migration),
            Box::new(m20261124_000028_hr_development::Migration),
        ]
    }
}

/// Starts a tenant-owned table: `tenant_id` and `id` (together the primary key), the reference to
/// `tenants`, and the shared bookkeeping columns (`version`, `created_at`, `updated_at`,
/// `created_by`, `updated_by`, `archived_at`). Add the entity's own columns after this.
pub fn tenant_table(name: &'static str) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name)
        .if_not_exists()
        .col(ColumnDef::new("tenant_id").uuid().not_null())
        .col(ColumnDef::new("id").uuid().not_null())
        .col(ColumnDef::new("version").integer().not_null().default(1))
        .col(
            ColumnDef::new("created_at")
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(
            ColumnDef::new("updated_at")
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(ColumnDef::new("created_by").uuid().null())
        .col(ColumnDef::new("updated_by").uuid().null())
        .col(
            ColumnDef::new("archived_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .primary_key(Index::create().col("tenant_id").col("id"))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_tenant"))
                .from_col("tenant_id")
                .to_tbl("tenants")
                .to_col("id")
                .on_delete(ForeignKeyAction::Restrict),
        );
    t
}

/// A composite foreign key from `(tenant_id, column)` of `from` to `(tenant_id, id)` of `to`.
pub fn tenant_fk(
    from: &'static str,
    column: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(format!("fk_{from}_{column}"))
        .from_tbl(from)
        .from_col("tenant_id")
        .from_col(column)
        .to_tbl(to)
        .to_col("tenant_id")
        .to_col("id")
        .on_delete(ForeignKeyAction::Restrict);
    fk
}

/// A unique index over `(tenant_id, columns...)`.
pub fn tenant_unique(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("ux_{table}_{}", columns.join("_")))
        .table(table)
        .unique()
        .col("tenant_id");
    for c in columns {
        idx.col(*c);
    }
    idx
}

/// A plain index over `(tenant_id, columns...)`; list queries always lead with the tenant.
pub fn tenant_index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("ix_{table}_{}", columns.join("_")))
        .table(table)
        .col("tenant_id");
    for c in columns {
        idx.col(*c);
    }
    idx
}

/// Turns on row-level security for a tenant-owned table (PostgreSQL only): rows are visible and
/// writable only when `tenant_id` equals the transaction's `urakata.tenant_id`. `FORCE` applies the
/// policy to the table owner too. Every migration that creates a tenant-owned table calls this.
pub async fn protect_tenant_table(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
             ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
             DROP POLICY IF EXISTS tenant_isolation ON {table};
             CREATE POLICY tenant_isolation ON {table}
               USING (tenant_id = urakata_current_tenant())
               WITH CHECK (tenant_id = urakata_current_tenant());"
        ))
        .await?;
    Ok(())
}
