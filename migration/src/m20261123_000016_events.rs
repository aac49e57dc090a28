//! Delivering domain events: webhook endpoints and their delivery log, in-app notifications, and
//! the dispatcher's cross-tenant read of what is pending.
//!
//! The dispatcher is the one reader that must see every tenant's pending events and due
//! deliveries. On PostgreSQL it marks its transaction with `urakata.dispatcher = on`, which a
//! second, read-only policy on exactly those two tables honours; everything it then writes goes
//! through a tenant transaction like any other change.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = ["webhook_endpoints", "webhook_deliveries", "notifications"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("webhook_endpoints")
                    .col(ColumnDef::new("url").string_len(2000).not_null())
                    .col(ColumnDef::new("description").string_len(500).null())
                    .col(ColumnDef::new("event_types").json_binary().not_null())
                    .col(ColumnDef::new("secret").string_len(100).not_null())
                    .col(
                        ColumnDef::new("disabled_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("disabled_reason").string_len(500).null())
                    .col(
                        ColumnDef::new("consecutive_failures")
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("webhook_deliveries")
                    .col(ColumnDef::new("endpoint_id").uuid().not_null())
                    .col(ColumnDef::new("event_id").uuid().not_null())
                    .col(ColumnDef::new("event_type").string_len(120).not_null())
                    .col(ColumnDef::new("payload").json_binary().not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("attempts").integer().not_null().default(0))
                    .col(
                        ColumnDef::new("next_attempt_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("last_attempt_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("last_status_code").integer().null())
                    .col(ColumnDef::new("last_error").string_len(500).null())
                    .col(
                        ColumnDef::new("delivered_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("replay_of").uuid().null())
                    .foreign_key(&mut tenant_fk(
                        "webhook_deliveries",
                        "endpoint_id",
                        "webhook_endpoints",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("webhook_deliveries", &["endpoint_id", "id"]))
            .await?;
        // The delivery worker's cross-tenant scan for due deliveries.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_due")
                    .table("webhook_deliveries")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("notifications")
                    .col(ColumnDef::new("recipient_user_id").uuid().not_null())
                    .col(ColumnDef::new("kind").string_len(40).not_null())
                    .col(ColumnDef::new("title").string_len(200).not_null())
                    .col(ColumnDef::new("body").string_len(1000).null())
                    .col(ColumnDef::new("subject_type").string_len(100).null())
                    .col(ColumnDef::new("subject_id").uuid().null())
                    .col(ColumnDef::new("read_at").timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_recipient")
                            .from_col("recipient_user_id")
                            .to_tbl("users")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("notifications", &["recipient_user_id", "id"]))
            .await?;
        for table in TABLES {
            protect_tenant_table(manager, table).await?;
        }
        dispatcher_policy(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP POLICY IF EXISTS dispatcher_scan ON outbox_events;")
                .await?;
        }
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Lets the dispatcher find pending work in every tenant: a read-only policy, alongside the
/// tenant policy, active only in transactions that set `urakata.dispatcher`.
async fn dispatcher_policy(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in ["outbox_events", "webhook_deliveries"] {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "DROP POLICY IF EXISTS dispatcher_scan ON {table};
                 CREATE POLICY dispatcher_scan ON {table} FOR SELECT
                   USING (current_setting('urakata.dispatcher', true) = 'on');"
            ))
            .await?;
    }
    Ok(())
}
