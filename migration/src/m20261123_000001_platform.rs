//! Tenants, users and memberships.

use sea_orm_migration::prelude::*;

use crate::{tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("tenants")
                    .if_not_exists()
                    .col(ColumnDef::new("id").uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new("slug")
                            .string_len(63)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("base_currency").string_len(3).not_null())
                    .col(
                        ColumnDef::new("fiscal_year_start_month")
                            .small_integer()
                            .not_null()
                            .default(4),
                    )
                    .col(ColumnDef::new("time_zone").string_len(64).not_null())
                    .col(ColumnDef::new("locale").string_len(35).not_null())
                    .col(
                        ColumnDef::new("status")
                            .string_len(16)
                            .not_null()
                            .default("active"),
                    )
                    .col(
                        ColumnDef::new("is_demo")
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("updated_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .if_not_exists()
                    .col(ColumnDef::new("id").uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new("email")
                            .string_len(254)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new("display_name").string_len(200).not_null())
                    .col(ColumnDef::new("password_hash").text().null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("updated_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("memberships")
                    .col(ColumnDef::new("user_id").uuid().not_null())
                    .col(ColumnDef::new("roles").json_binary().not_null())
                    .col(
                        ColumnDef::new("status")
                            .string_len(16)
                            .not_null()
                            .default("active"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_memberships_user")
                            .from_col("user_id")
                            .to_tbl("users")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("memberships", &["user_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["memberships", "users", "tenants"] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
