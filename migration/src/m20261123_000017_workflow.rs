//! The workflow kernel: approval rules with ordered tiers, the approval of one submitted document
//! with a task per approver, delegations while an approver is away, and the first approvable
//! document, the purchase request.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 5] = [
    "approval_rules",
    "approval_requests",
    "approval_tasks",
    "approval_delegations",
    "purchase_requests",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("approval_rules")
                    .col(ColumnDef::new("document_type").string_len(60).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("description").string_len(1000).null())
                    .col(ColumnDef::new("priority").integer().not_null())
                    .col(ColumnDef::new("currency").string_len(3).null())
                    .col(ColumnDef::new("min_amount").decimal_len(18, 2).null())
                    .col(ColumnDef::new("max_amount").decimal_len(18, 2).null())
                    .col(ColumnDef::new("cost_centre_id").uuid().null())
                    .col(ColumnDef::new("org_unit_id").uuid().null())
                    .col(ColumnDef::new("category").string_len(60).null())
                    .col(ColumnDef::new("tiers").json_binary().not_null())
                    .foreign_key(&mut tenant_fk(
                        "approval_rules",
                        "cost_centre_id",
                        "cost_centres",
                    ))
                    .foreign_key(&mut tenant_fk("approval_rules", "org_unit_id", "org_units"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "approval_rules",
                &["document_type", "priority"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("approval_requests")
                    .col(ColumnDef::new("document_type").string_len(60).not_null())
                    .col(ColumnDef::new("document_id").uuid().not_null())
                    .col(ColumnDef::new("document_number").string_len(60).null())
                    .col(ColumnDef::new("requester_user_id").uuid().not_null())
                    .col(ColumnDef::new("rule_id").uuid().null())
                    .col(ColumnDef::new("amount").decimal_len(18, 2).not_null())
                    .col(ColumnDef::new("currency").string_len(3).not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("current_tier").integer().not_null())
                    .col(
                        ColumnDef::new("submitted_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("decided_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("reason").string_len(1000).null())
                    .col(ColumnDef::new("due_on").date().null())
                    .foreign_key(&mut tenant_fk(
                        "approval_requests",
                        "rule_id",
                        "approval_rules",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "approval_requests",
                &["document_type", "document_id"],
            ))
            .await?;
        manager
            .create_index(tenant_index(
                "approval_requests",
                &["requester_user_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("approval_tasks")
                    .col(ColumnDef::new("request_id").uuid().not_null())
                    .col(ColumnDef::new("tier").integer().not_null())
                    .col(ColumnDef::new("tier_name").string_len(200).not_null())
                    .col(ColumnDef::new("mode").string_len(8).not_null())
                    .col(ColumnDef::new("approver_user_id").uuid().not_null())
                    .col(ColumnDef::new("source").string_len(100).not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("decided_by").uuid().null())
                    .col(
                        ColumnDef::new("decided_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("comment").string_len(1000).null())
                    .foreign_key(&mut tenant_fk(
                        "approval_tasks",
                        "request_id",
                        "approval_requests",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("approval_tasks", &["request_id", "tier"]))
            .await?;
        manager
            .create_index(tenant_index(
                "approval_tasks",
                &["approver_user_id", "status"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("approval_delegations")
                    .col(ColumnDef::new("delegator_user_id").uuid().not_null())
                    .col(ColumnDef::new("delegate_user_id").uuid().not_null())
                    .col(ColumnDef::new("starts_on").date().not_null())
                    .col(ColumnDef::new("ends_on").date().not_null())
                    .col(ColumnDef::new("document_type").string_len(60).null())
                    .col(ColumnDef::new("reason").string_len(500).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "approval_delegations",
                &["delegate_user_id", "ends_on"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("purchase_requests")
                    .col(ColumnDef::new("number").string_len(60).not_null())
                    .col(ColumnDef::new("title").string_len(200).not_null())
                    .col(ColumnDef::new("description").string_len(2000).null())
                    .col(ColumnDef::new("requester_user_id").uuid().not_null())
                    .col(ColumnDef::new("cost_centre_id").uuid().null())
                    .col(ColumnDef::new("org_unit_id").uuid().null())
                    .col(ColumnDef::new("category").string_len(60).null())
                    .col(ColumnDef::new("amount").decimal_len(18, 2).not_null())
                    .col(ColumnDef::new("currency").string_len(3).not_null())
                    .col(ColumnDef::new("needed_by").date().null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(
                        ColumnDef::new("submitted_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk(
                        "purchase_requests",
                        "cost_centre_id",
                        "cost_centres",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "purchase_requests",
                        "org_unit_id",
                        "org_units",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("purchase_requests", &["number"]))
            .await?;
        manager
            .create_index(tenant_index(
                "purchase_requests",
                &["requester_user_id", "id"],
            ))
            .await?;
        for table in TABLES {
            protect_tenant_table(manager, table).await?;
        }
        // The reminder sweep finds tenants with approvals coming due, like the dispatcher finds
        // pending events (see `000016_events`).
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            use sea_orm_migration::sea_orm::ConnectionTrait;
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP POLICY IF EXISTS dispatcher_scan ON approval_requests;
                     CREATE POLICY dispatcher_scan ON approval_requests FOR SELECT
                       USING (current_setting('urakata.dispatcher', true) = 'on');",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
