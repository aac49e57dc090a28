//! Built-in sign-in credentials belong to memberships, not to global users.
//!
//! A user is one identity across tenants, but each tenant's built-in sign-in is its own: an
//! administrator of one tenant (inviting a person, resetting a password) must never be able to
//! set the password that opens the same person's membership in another tenant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("memberships")
                    .add_column(ColumnDef::new("password_hash").text().null())
                    .to_owned(),
            )
            .await?;
        // Existing passwords were set by whoever controlled the global account; they are dropped
        // rather than copied into every membership (the demo tenant sets its own again).
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("password_hash")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(ColumnDef::new("password_hash").text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("memberships")
                    .drop_column("password_hash")
                    .to_owned(),
            )
            .await
    }
}
