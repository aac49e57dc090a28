//! Per-tenant gapless document numbering: formats and counters.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("number_formats")
                    .col(ColumnDef::new("document_type").string_len(50).not_null())
                    .col(ColumnDef::new("format").string_len(60).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("number_formats", &["document_type"]))
            .await?;
        protect_tenant_table(manager, "number_formats").await?;
        manager
            .create_table(
                tenant_table("number_sequences")
                    .col(ColumnDef::new("document_type").string_len(50).not_null())
                    .col(ColumnDef::new("period").string_len(16).not_null())
                    .col(ColumnDef::new("next_value").big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "number_sequences",
                &["document_type", "period"],
            ))
            .await?;
        protect_tenant_table(manager, "number_sequences").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["number_sequences", "number_formats"] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
