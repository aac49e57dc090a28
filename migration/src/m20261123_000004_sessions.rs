//! Refresh tokens of built-in sign-in.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("refresh_tokens")
                    .col(ColumnDef::new("user_id").uuid().not_null())
                    .col(ColumnDef::new("family_id").uuid().not_null())
                    .col(ColumnDef::new("token_hash").string_len(64).not_null())
                    .col(
                        ColumnDef::new("expires_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("revoked_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_tokens_user")
                            .from_col("user_id")
                            .to_tbl("users")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("refresh_tokens", &["token_hash"]))
            .await?;
        manager
            .create_index(tenant_index("refresh_tokens", &["family_id"]))
            .await?;
        protect_tenant_table(manager, "refresh_tokens").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("refresh_tokens").if_exists().to_owned())
            .await
    }
}
