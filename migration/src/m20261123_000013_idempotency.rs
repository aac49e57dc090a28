//! Remembered mutation requests, by `Idempotency-Key`.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("idempotency_keys")
                    .col(ColumnDef::new("actor_id").uuid().not_null())
                    .col(ColumnDef::new("key").string_len(255).not_null())
                    .col(ColumnDef::new("request_hash").string_len(64).not_null())
                    .col(ColumnDef::new("response").text().null())
                    .col(
                        ColumnDef::new("expires_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("idempotency_keys", &["actor_id", "key"]))
            .await?;
        protect_tenant_table(manager, "idempotency_keys").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("idempotency_keys")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
