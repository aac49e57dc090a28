//! Fixed assets: the register of what the company owns and uses for more than a year, each with
//! the accounts its depreciation and disposal post to and what has been depreciated so far.
//!
//! The depreciation itself lives in the ledger (one posted entry per asset and month); the
//! register keeps the running total and the last month posted, so a run knows where to go on.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn money(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .decimal_len(18, 2)
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("fixed_assets")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("asset_account_id").uuid().not_null())
                    .col(ColumnDef::new("accumulated_account_id").uuid().not_null())
                    .col(ColumnDef::new("expense_account_id").uuid().not_null())
                    .col(money("cost"))
                    .col(money("salvage_value"))
                    .col(ColumnDef::new("in_use_date").date().not_null())
                    .col(ColumnDef::new("method").string_len(16).not_null())
                    .col(ColumnDef::new("useful_life_months").integer().not_null())
                    .col(ColumnDef::new("declining_rate").decimal_len(7, 4).null())
                    .col(ColumnDef::new("depreciated_until").date().null())
                    .col(money("accumulated"))
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("disposed_on").date().null())
                    .col(ColumnDef::new("disposal_entry_id").uuid().null())
                    .col(ColumnDef::new("cost_centre_id").uuid().null())
                    .foreign_key(&mut tenant_fk(
                        "fixed_assets",
                        "asset_account_id",
                        "accounts",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "fixed_assets",
                        "accumulated_account_id",
                        "accounts",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "fixed_assets",
                        "expense_account_id",
                        "accounts",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "fixed_assets",
                        "disposal_entry_id",
                        "journal_entries",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "fixed_assets",
                        "cost_centre_id",
                        "cost_centres",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("fixed_assets", &["code"]))
            .await?;
        // A depreciation run reads the assets in use; the register is listed by status.
        manager
            .create_index(tenant_index("fixed_assets", &["status"]))
            .await?;
        protect_tenant_table(manager, "fixed_assets").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("fixed_assets").if_exists().to_owned())
            .await
    }
}
