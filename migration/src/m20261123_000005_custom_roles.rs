//! Roles that tenants define for themselves.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("custom_roles")
                    .col(ColumnDef::new("key").string_len(63).not_null())
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
        manager
            .create_index(tenant_unique("custom_roles", &["key"]))
            .await?;
        protect_tenant_table(manager, "custom_roles").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("custom_roles").if_exists().to_owned())
            .await
    }
}
