//! Rate-limit plans and persisted operations.
//!
//! A tenant gets a `plan` (its rate-limit budgets; none means the configured default) and an
//! `api_key_operations` mode: `any`, or `allow_list`, where API keys may run only the operations
//! registered in `persisted_operations`.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        manager
            .alter_table(
                Table::alter()
                    .table("tenants")
                    .add_column(ColumnDef::new("plan").string_len(50).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("tenants")
                    .add_column(
                        ColumnDef::new("api_key_operations")
                            .string_len(20)
                            .not_null()
                            .default("any"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("persisted_operations")
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("query_hash").string_len(64).not_null())
                    .col(ColumnDef::new("query").text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("persisted_operations", &["query_hash"]))
            .await?;
        protect_tenant_table(manager, "persisted_operations").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("persisted_operations")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        for column in ["api_key_operations", "plan"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("tenants")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
