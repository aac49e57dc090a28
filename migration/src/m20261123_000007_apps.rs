//! Partner apps and their API keys; the tenant setting that lets keys introspect.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("apps")
                    .col(ColumnDef::new("name").string_len(100).not_null())
                    .col(
                        ColumnDef::new("description")
                            .string_len(1000)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new("permissions").json_binary().not_null())
                    .to_owned(),
            )
            .await?;
        protect_tenant_table(manager, "apps").await?;
        manager
            .create_table(
                tenant_table("api_keys")
                    .col(ColumnDef::new("app_id").uuid().not_null())
                    .col(
                        ColumnDef::new("label")
                            .string_len(100)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new("key_hash").string_len(64).not_null())
                    .col(ColumnDef::new("last_four").string_len(4).not_null())
                    .col(
                        ColumnDef::new("expires_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new("revoked_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new("last_used_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk("api_keys", "app_id", "apps"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("api_keys", &["key_hash"]))
            .await?;
        manager
            .create_index(tenant_index("api_keys", &["app_id"]))
            .await?;
        protect_tenant_table(manager, "api_keys").await?;
        manager
            .alter_table(
                Table::alter()
                    .table("tenants")
                    .add_column(
                        ColumnDef::new("api_key_introspection")
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("tenants")
                    .drop_column("api_key_introspection")
                    .to_owned(),
            )
            .await?;
        for t in ["api_keys", "apps"] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
