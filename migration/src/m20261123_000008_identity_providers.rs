//! External identity providers: a platform routing table from issuer to tenant, and the
//! tenant-owned provider settings behind row-level security.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("idp_routes")
                    .if_not_exists()
                    .col(
                        ColumnDef::new("issuer")
                            .string_len(500)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("tenant_id").uuid().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_idp_routes_tenant")
                            .from_col("tenant_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("identity_providers")
                    .col(ColumnDef::new("issuer").string_len(500).not_null())
                    .col(ColumnDef::new("audience").string_len(500).not_null())
                    .col(ColumnDef::new("algorithm").string_len(8).not_null())
                    .col(ColumnDef::new("shared_secret").text().null())
                    .col(ColumnDef::new("public_key_pem").text().null())
                    .col(ColumnDef::new("jwks_url").string_len(2000).null())
                    .col(ColumnDef::new("jwks_json").text().null())
                    .col(
                        ColumnDef::new("jwks_fetched_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new("user_claim")
                            .string_len(100)
                            .not_null()
                            .default("email"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("identity_providers", &["issuer"]))
            .await?;
        protect_tenant_table(manager, "identity_providers").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["identity_providers", "idp_routes"] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
