//! The rest of the organisation core: cost centres, locations, parties (customers, suppliers and
//! other counterparties), tags, and the tags, comments and attachments any record can carry.
//!
//! Taggings, comments and attachments point at their subject by type name and id, because the
//! subject can be a row of any table; they are tenant-owned like everything else, and the API
//! checks that the subject exists in the tenant and that the caller may see it.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The postal-address columns locations and parties share.
fn address(t: &mut TableCreateStatement) {
    t.col(
        ColumnDef::new("country")
            .string_len(2)
            .not_null()
            .default("JP"),
    )
    .col(ColumnDef::new("postal_code").string_len(16).null())
    .col(ColumnDef::new("region").string_len(100).null())
    .col(ColumnDef::new("city").string_len(100).null())
    .col(ColumnDef::new("address_line1").string_len(200).null())
    .col(ColumnDef::new("address_line2").string_len(200).null());
}

const TABLES: [&str; 7] = [
    "cost_centres",
    "locations",
    "parties",
    "tags",
    "taggings",
    "comments",
    "attachments",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("cost_centres")
                    .col(ColumnDef::new("code").string_len(32).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("description").string_len(1000).null())
                    .col(ColumnDef::new("org_unit_id").uuid().null())
                    .col(ColumnDef::new("manager_id").uuid().null())
                    .foreign_key(&mut tenant_fk("cost_centres", "org_unit_id", "org_units"))
                    .foreign_key(&mut tenant_fk("cost_centres", "manager_id", "employees"))
                    .to_owned(),
            )
            .await?;

        let mut locations = tenant_table("locations");
        locations
            .col(ColumnDef::new("code").string_len(32).not_null())
            .col(ColumnDef::new("name").string_len(200).not_null())
            .col(
                ColumnDef::new("kind")
                    .string_len(16)
                    .not_null()
                    .default("office"),
            );
        address(&mut locations);
        manager.create_table(locations).await?;

        let mut parties = tenant_table("parties");
        parties
            .col(ColumnDef::new("code").string_len(32).not_null())
            .col(ColumnDef::new("name").string_len(200).not_null())
            .col(ColumnDef::new("name_kana").string_len(200).null())
            .col(
                ColumnDef::new("kind")
                    .string_len(16)
                    .not_null()
                    .default("company"),
            )
            .col(
                ColumnDef::new("is_customer")
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(
                ColumnDef::new("is_supplier")
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(
                ColumnDef::new("tax_registration_number")
                    .string_len(32)
                    .null(),
            )
            .col(ColumnDef::new("email").string_len(254).null())
            .col(ColumnDef::new("phone").string_len(32).null())
            .col(ColumnDef::new("payment_terms_days").integer().null())
            .col(
                ColumnDef::new("currency")
                    .string_len(3)
                    .not_null()
                    .default("JPY"),
            )
            .col(ColumnDef::new("credit_limit").decimal_len(18, 2).null());
        address(&mut parties);
        manager.create_table(parties).await?;

        manager
            .create_table(
                tenant_table("tags")
                    .col(ColumnDef::new("name").string_len(64).not_null())
                    .col(ColumnDef::new("color").string_len(7).not_null())
                    .col(ColumnDef::new("description").string_len(500).null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("taggings")
                    .col(ColumnDef::new("tag_id").uuid().not_null())
                    .col(ColumnDef::new("subject_type").string_len(64).not_null())
                    .col(ColumnDef::new("subject_id").uuid().not_null())
                    .foreign_key(&mut tenant_fk("taggings", "tag_id", "tags"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("comments")
                    .col(ColumnDef::new("subject_type").string_len(64).not_null())
                    .col(ColumnDef::new("subject_id").uuid().not_null())
                    .col(ColumnDef::new("body").text().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("attachments")
                    .col(ColumnDef::new("subject_type").string_len(64).not_null())
                    .col(ColumnDef::new("subject_id").uuid().not_null())
                    .col(ColumnDef::new("file_name").string_len(255).not_null())
                    .col(ColumnDef::new("content_type").string_len(100).not_null())
                    .col(ColumnDef::new("size_bytes").big_integer().not_null())
                    .col(ColumnDef::new("sha256").string_len(64).not_null())
                    .col(ColumnDef::new("storage_key").string_len(300).not_null())
                    .to_owned(),
            )
            .await?;

        for (table, columns) in [
            ("cost_centres", &["code"][..]),
            ("locations", &["code"]),
            ("parties", &["code"]),
            ("tags", &["name"]),
            ("taggings", &["subject_type", "subject_id", "tag_id"]),
        ] {
            manager.create_index(tenant_unique(table, columns)).await?;
        }
        for (table, columns) in [
            ("cost_centres", &["org_unit_id"][..]),
            ("parties", &["name"]),
            ("parties", &["tax_registration_number"]),
            ("taggings", &["tag_id"]),
            ("comments", &["subject_type", "subject_id"]),
            ("attachments", &["subject_type", "subject_id"]),
            // Sort keys of the employee list, so a sorted page is an index range scan.
            ("employees", &["family_name", "given_name"]),
            ("employees", &["hire_date"]),
            ("employees", &["work_email"]),
        ] {
            manager.create_index(tenant_index(table, columns)).await?;
        }
        for table in TABLES {
            protect_tenant_table(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            ("employees", "ix_employees_family_name_given_name"),
            ("employees", "ix_employees_hire_date"),
            ("employees", "ix_employees_work_email"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
