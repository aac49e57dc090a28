//! Budgets: an amount per profit-and-loss account (and optionally cost centre) per fiscal year,
//! spread over its months, with what posting beyond it does.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("budgets")
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("fiscal_year_id").uuid().not_null())
                    .col(ColumnDef::new("account_id").uuid().not_null())
                    .col(ColumnDef::new("cost_centre_id").uuid().null())
                    .col(ColumnDef::new("amount").decimal_len(18, 2).not_null())
                    .col(ColumnDef::new("action").string_len(8).not_null())
                    .col(ColumnDef::new("distribution").json_binary().null())
                    .foreign_key(&mut tenant_fk("budgets", "fiscal_year_id", "fiscal_years"))
                    .foreign_key(&mut tenant_fk("budgets", "account_id", "accounts"))
                    .foreign_key(&mut tenant_fk("budgets", "cost_centre_id", "cost_centres"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("budgets", &["fiscal_year_id", "account_id"]))
            .await?;
        protect_tenant_table(manager, "budgets").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("budgets").if_exists().to_owned())
            .await
    }
}
