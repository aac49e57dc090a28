//! Expense claims: an employee's out-of-pocket expenses, approved through the workflow kernel,
//! posted to the ledger and reimbursed, with advances netted.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("expense_claims")
                    .col(ColumnDef::new("number").string_len(60).not_null())
                    .col(ColumnDef::new("claimant_user_id").uuid().not_null())
                    .col(ColumnDef::new("title").string_len(200).not_null())
                    .col(ColumnDef::new("currency").string_len(3).not_null())
                    .col(ColumnDef::new("total").decimal_len(18, 2).not_null())
                    .col(ColumnDef::new("advance").decimal_len(18, 2).not_null())
                    .col(ColumnDef::new("cost_centre_id").uuid().null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(
                        ColumnDef::new("submitted_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("entry_id").uuid().null())
                    .col(ColumnDef::new("payment_entry_id").uuid().null())
                    .foreign_key(&mut tenant_fk(
                        "expense_claims",
                        "cost_centre_id",
                        "cost_centres",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "expense_claims",
                        "entry_id",
                        "journal_entries",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "expense_claims",
                        "payment_entry_id",
                        "journal_entries",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("expense_claims", &["number"]))
            .await?;
        manager
            .create_index(tenant_index("expense_claims", &["claimant_user_id", "id"]))
            .await?;
        manager
            .create_table(
                tenant_table("expense_claim_lines")
                    .col(ColumnDef::new("claim_id").uuid().not_null())
                    .col(ColumnDef::new("line_no").integer().not_null())
                    .col(ColumnDef::new("date").date().not_null())
                    .col(ColumnDef::new("description").string_len(500).not_null())
                    .col(ColumnDef::new("account_id").uuid().not_null())
                    .col(ColumnDef::new("amount").decimal_len(18, 2).not_null())
                    .foreign_key(&mut tenant_fk(
                        "expense_claim_lines",
                        "claim_id",
                        "expense_claims",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "expense_claim_lines",
                        "account_id",
                        "accounts",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "expense_claim_lines",
                &["claim_id", "line_no"],
            ))
            .await?;
        protect_tenant_table(manager, "expense_claims").await?;
        protect_tenant_table(manager, "expense_claim_lines").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["expense_claim_lines", "expense_claims"] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
