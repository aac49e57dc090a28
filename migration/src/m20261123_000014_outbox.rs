//! The transactional outbox of domain events.

use sea_orm_migration::prelude::*;

use crate::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outbox_events")
                    .if_not_exists()
                    .col(ColumnDef::new("tenant_id").uuid().not_null())
                    .col(ColumnDef::new("id").uuid().not_null())
                    .col(
                        ColumnDef::new("occurred_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new("event_type").string_len(120).not_null())
                    .col(ColumnDef::new("entity_type").string_len(100).not_null())
                    .col(ColumnDef::new("entity_id").uuid().null())
                    .col(ColumnDef::new("actor_kind").string_len(16).not_null())
                    .col(ColumnDef::new("actor_id").uuid().null())
                    .col(ColumnDef::new("request_id").string_len(64).null())
                    .col(ColumnDef::new("payload").json_binary().not_null())
                    .col(
                        ColumnDef::new("published_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("attempts").integer().not_null().default(0))
                    .primary_key(Index::create().col("tenant_id").col("id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_events_tenant")
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
                    .name("ix_outbox_events_pending")
                    .table("outbox_events")
                    .col("published_at")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        protect_tenant_table(manager, "outbox_events").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("outbox_events").if_exists().to_owned())
            .await
    }
}
