//! The audit trail, append-only.
//!
//! On PostgreSQL the API's role may insert and read entries but not change or delete them; on
//! SQLite triggers refuse updates and deletes. Either way a tampering attempt fails loudly.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{APP_ROLE, protect_tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .if_not_exists()
                    .col(ColumnDef::new("tenant_id").uuid().not_null())
                    .col(ColumnDef::new("id").uuid().not_null())
                    .col(
                        ColumnDef::new("occurred_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new("actor_kind").string_len(16).not_null())
                    .col(ColumnDef::new("actor_id").uuid().null())
                    .col(ColumnDef::new("request_id").string_len(64).null())
                    .col(ColumnDef::new("operation").string_len(100).null())
                    .col(ColumnDef::new("entity_type").string_len(100).not_null())
                    .col(ColumnDef::new("entity_id").uuid().null())
                    .col(ColumnDef::new("action").string_len(16).not_null())
                    .col(ColumnDef::new("changes").json_binary().not_null())
                    .primary_key(Index::create().col("tenant_id").col("id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_log_tenant")
                            .from_col("tenant_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_audit_log_entity", &["entity_type", "entity_id"][..]),
            ("ix_audit_log_actor", &["actor_id"][..]),
            ("ix_audit_log_occurred_at", &["occurred_at"][..]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("audit_log").col("tenant_id");
            for c in cols {
                idx.col(*c);
            }
            manager.create_index(idx).await?;
        }
        protect_tenant_table(manager, "audit_log").await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {APP_ROLE}"
                ))
                .await?;
            }
            DbBackend::Sqlite => {
                for (what, verb) in [("no_update", "UPDATE"), ("no_delete", "DELETE")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER IF NOT EXISTS audit_log_{what} BEFORE {verb} ON audit_log
                         BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
                    ))
                    .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("audit_log").if_exists().to_owned())
            .await
    }
}
