//! Urakata's migrations. The same migrations serve SQLite (the embedded default) and PostgreSQL.
//!
//! Every tenant-owned table is made by [`tenant_table`]: its primary key is `(tenant_id, id)`, it
//! references `tenants`, and it has the bookkeeping columns every entity shares. Foreign keys
//! between tenant-owned tables are composite, `(tenant_id, x_id)` to `(tenant_id, id)`, via
//! [`tenant_fk`], so a row can never point into another tenant.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_platform;
mod m20261123_000002_org;

/// The list of migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_platform::Migration),
            Box::new(m20261123_000002_org::Migration),
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
