//! Sensitive personal fields on employees, and the append-only log of who read them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{APP_ROLE, protect_tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["national_id_number", "bank_account"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("employees")
                        .add_column(ColumnDef::new(col).string_len(200).null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("personal_data_access_log")
                    .if_not_exists()
                    .col(ColumnDef::new("tenant_id").uuid().not_null())
                    .col(ColumnDef::new("id").uuid().not_null())
                    .col(
                        ColumnDef::new("occurred_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new("actor_kind").string_len(16).not_null())
                    .col(ColumnDef::new("actor_id").uuid().not_null())
                    .col(ColumnDef::new("request_id").string_len(64).null())
                    .col(ColumnDef::new("subject_type").string_len(100).not_null())
                    .col(ColumnDef::new("subject_id").uuid().not_null())
                    .col(ColumnDef::new("field").string_len(100).not_null())
                    .col(ColumnDef::new("self_access").boolean().not_null())
                    .primary_key(Index::create().col("tenant_id").col("id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_personal_data_access_log_tenant")
                            .from_col("tenant_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_personal_data_access_log_subject")
                    .table("personal_data_access_log")
                    .col("tenant_id")
                    .col("subject_id")
                    .to_owned(),
            )
            .await?;
        protect_tenant_table(manager, "personal_data_access_log").await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "REVOKE UPDATE, DELETE, TRUNCATE ON personal_data_access_log FROM {APP_ROLE}"
                ))
                .await?;
            }
            DbBackend::Sqlite => {
                for (what, verb) in [("no_update", "UPDATE"), ("no_delete", "DELETE")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER IF NOT EXISTS personal_data_access_log_{what} BEFORE {verb}
                         ON personal_data_access_log
                         BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END"
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
            .drop_table(
                Table::drop()
                    .table("personal_data_access_log")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        for col in ["bank_account", "national_id_number"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("employees")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
