//! Accounting: the chart of accounts, journals, fiscal years, tax rates, the ledger (journal
//! entries and their lines, hash-chained once posted), invoices and bills with their lines,
//! payments and their allocations, and imported bank transactions.
//!
//! Posted journal entries and their lines are immutable in the database itself: triggers refuse
//! updates and deletes of posted rows (PostgreSQL and SQLite alike), so not even a bug in the
//! API can change the books; corrections are reversals.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 12] = [
    "ledger_settings",
    "accounts",
    "journals",
    "fiscal_years",
    "tax_rates",
    "journal_entries",
    "journal_lines",
    "invoices",
    "invoice_lines",
    "payments",
    "payment_allocations",
    "bank_transactions",
];

fn money(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .decimal_len(18, 2)
        .not_null()
        .to_owned()
}

/// The statements that make posted ledger rows immutable (the guards), for the backend.
pub fn ledger_guards(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION urakata_posted_entry_guard() RETURNS trigger AS $$
             BEGIN
               IF OLD.status = 'posted' THEN
                 RAISE EXCEPTION 'posted journal entries are immutable';
               END IF;
               RETURN COALESCE(NEW, OLD);
             END $$ LANGUAGE plpgsql"
                .into(),
            "CREATE OR REPLACE FUNCTION urakata_posted_line_guard() RETURNS trigger AS $$
             BEGIN
               IF OLD.posted THEN
                 RAISE EXCEPTION 'posted journal entries are immutable';
               END IF;
               RETURN COALESCE(NEW, OLD);
             END $$ LANGUAGE plpgsql"
                .into(),
            "DROP TRIGGER IF EXISTS journal_entries_immutable ON journal_entries".into(),
            "CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON journal_entries
             FOR EACH ROW EXECUTE FUNCTION urakata_posted_entry_guard()"
                .into(),
            "DROP TRIGGER IF EXISTS journal_lines_immutable ON journal_lines".into(),
            "CREATE TRIGGER journal_lines_immutable BEFORE UPDATE OR DELETE ON journal_lines
             FOR EACH ROW EXECUTE FUNCTION urakata_posted_line_guard()"
                .into(),
        ],
        _ => {
            let mut out = Vec::new();
            for verb in ["UPDATE", "DELETE"] {
                let what = verb.to_ascii_lowercase();
                out.push(format!(
                    "CREATE TRIGGER IF NOT EXISTS journal_entries_no_{what} BEFORE {verb} ON journal_entries
                     WHEN OLD.status = 'posted'
                     BEGIN SELECT RAISE(ABORT, 'posted journal entries are immutable'); END"
                ));
                out.push(format!(
                    "CREATE TRIGGER IF NOT EXISTS journal_lines_no_{what} BEFORE {verb} ON journal_lines
                     WHEN OLD.posted
                     BEGIN SELECT RAISE(ABORT, 'posted journal entries are immutable'); END"
                ));
            }
            out
        }
    }
}

/// The statements that lift the guards (tests that prove the hash chain catches tampering run
/// them inside the transaction that tampers, and put the guards back before it commits).
pub fn lift_ledger_guards(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![
            "ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_immutable".into(),
            "ALTER TABLE journal_lines DISABLE TRIGGER journal_lines_immutable".into(),
        ],
        _ => ["entries", "lines"]
            .iter()
            .flat_map(|t| {
                ["update", "delete"].map(|w| format!("DROP TRIGGER IF EXISTS journal_{t}_no_{w}"))
            })
            .collect(),
    }
}

/// Puts the guards back after [`lift_ledger_guards`].
pub fn restore_ledger_guards(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![
            "ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_immutable".into(),
            "ALTER TABLE journal_lines ENABLE TRIGGER journal_lines_immutable".into(),
        ],
        b => ledger_guards(b),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("accounts")
                    .col(ColumnDef::new("code").string_len(20).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("account_type").string_len(16).not_null())
                    .col(ColumnDef::new("sub_type").string_len(16).null())
                    .col(ColumnDef::new("parent_id").uuid().null())
                    .col(ColumnDef::new("is_group").boolean().not_null())
                    .col(ColumnDef::new("frozen").boolean().not_null())
                    .col(ColumnDef::new("deprecated").boolean().not_null())
                    .col(ColumnDef::new("description").string_len(1000).null())
                    .foreign_key(&mut tenant_fk("accounts", "parent_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("accounts", &["code"]))
            .await?;

        manager
            .create_table(
                tenant_table("ledger_settings")
                    .col(ColumnDef::new("lock_date").date().null())
                    .col(ColumnDef::new("soft_lock_date").date().null())
                    .col(ColumnDef::new("retained_earnings_account_id").uuid().null())
                    .col(ColumnDef::new("tax_rounding").string_len(16).not_null())
                    .col(ColumnDef::new("registration_number").string_len(14).null())
                    .foreign_key(&mut tenant_fk(
                        "ledger_settings",
                        "retained_earnings_account_id",
                        "accounts",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("journals")
                    .col(ColumnDef::new("code").string_len(10).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("journal_type").string_len(16).not_null())
                    .col(ColumnDef::new("default_account_id").uuid().null())
                    .foreign_key(&mut tenant_fk("journals", "default_account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("journals", &["code"]))
            .await?;

        manager
            .create_table(
                tenant_table("fiscal_years")
                    .col(ColumnDef::new("name").string_len(60).not_null())
                    .col(ColumnDef::new("starts_on").date().not_null())
                    .col(ColumnDef::new("ends_on").date().not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("closing_entry_id").uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("fiscal_years", &["starts_on"]))
            .await?;

        manager
            .create_table(
                tenant_table("tax_rates")
                    .col(ColumnDef::new("code").string_len(20).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("rate").decimal_len(7, 4).not_null())
                    .col(ColumnDef::new("scope").string_len(16).not_null())
                    .col(ColumnDef::new("inclusive").boolean().not_null())
                    .col(ColumnDef::new("account_id").uuid().not_null())
                    .foreign_key(&mut tenant_fk("tax_rates", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("tax_rates", &["code"]))
            .await?;

        manager
            .create_table(
                tenant_table("journal_entries")
                    .col(ColumnDef::new("journal_id").uuid().not_null())
                    .col(ColumnDef::new("number").string_len(60).null())
                    .col(ColumnDef::new("date").date().not_null())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(ColumnDef::new("reference").string_len(200).null())
                    .col(ColumnDef::new("narration").string_len(2000).null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(money("total"))
                    .col(
                        ColumnDef::new("posted_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("posted_by").uuid().null())
                    .col(ColumnDef::new("reversal_of_id").uuid().null())
                    .col(ColumnDef::new("source_type").string_len(60).null())
                    .col(ColumnDef::new("source_id").uuid().null())
                    .col(ColumnDef::new("chain_seq").big_integer().null())
                    .col(ColumnDef::new("prev_hash").string_len(64).null())
                    .col(ColumnDef::new("hash").string_len(64).null())
                    .foreign_key(&mut tenant_fk("journal_entries", "journal_id", "journals"))
                    .foreign_key(&mut tenant_fk(
                        "journal_entries",
                        "reversal_of_id",
                        "journal_entries",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("journal_entries", &["chain_seq"]))
            .await?;
        manager
            .create_index(tenant_unique("journal_entries", &["journal_id", "number"]))
            .await?;
        manager
            .create_index(tenant_unique("journal_entries", &["reversal_of_id"]))
            .await?;
        manager
            .create_index(tenant_index("journal_entries", &["date"]))
            .await?;

        manager
            .create_table(
                tenant_table("journal_lines")
                    .col(ColumnDef::new("entry_id").uuid().not_null())
                    .col(ColumnDef::new("line_no").integer().not_null())
                    .col(ColumnDef::new("account_id").uuid().not_null())
                    .col(ColumnDef::new("party_id").uuid().null())
                    .col(ColumnDef::new("cost_centre_id").uuid().null())
                    .col(ColumnDef::new("description").string_len(500).null())
                    .col(money("debit"))
                    .col(money("credit"))
                    .col(ColumnDef::new("currency").string_len(3).not_null())
                    .col(money("amount_currency"))
                    .col(ColumnDef::new("rate").decimal_len(18, 8).not_null())
                    .col(ColumnDef::new("tax_rate_id").uuid().null())
                    .col(ColumnDef::new("tax_base").decimal_len(18, 2).null())
                    .col(ColumnDef::new("date").date().not_null())
                    .col(ColumnDef::new("posted").boolean().not_null())
                    .col(ColumnDef::new("closing").boolean().not_null())
                    .foreign_key(&mut tenant_fk(
                        "journal_lines",
                        "entry_id",
                        "journal_entries",
                    ))
                    .foreign_key(&mut tenant_fk("journal_lines", "account_id", "accounts"))
                    .foreign_key(&mut tenant_fk("journal_lines", "party_id", "parties"))
                    .foreign_key(&mut tenant_fk(
                        "journal_lines",
                        "cost_centre_id",
                        "cost_centres",
                    ))
                    .foreign_key(&mut tenant_fk("journal_lines", "tax_rate_id", "tax_rates"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("journal_lines", &["entry_id", "line_no"]))
            .await?;
        // The reports aggregate posted lines by account over a date range.
        manager
            .create_index(tenant_index(
                "journal_lines",
                &["posted", "account_id", "date"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("invoices")
                    .col(ColumnDef::new("kind").string_len(24).not_null())
                    .col(ColumnDef::new("number").string_len(60).null())
                    .col(ColumnDef::new("party_id").uuid().not_null())
                    .col(ColumnDef::new("issue_date").date().not_null())
                    .col(ColumnDef::new("due_date").date().not_null())
                    .col(ColumnDef::new("received_on").date().null())
                    .col(ColumnDef::new("currency").string_len(3).not_null())
                    .col(ColumnDef::new("rate").decimal_len(18, 8).not_null())
                    .col(ColumnDef::new("supplier_reference").string_len(100).null())
                    .col(ColumnDef::new("registration_number").string_len(14).null())
                    .col(ColumnDef::new("notes").string_len(2000).null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("entry_id").uuid().null())
                    .col(ColumnDef::new("credited_invoice_id").uuid().null())
                    .col(money("amount_untaxed"))
                    .col(money("amount_tax"))
                    .col(money("amount_total"))
                    .col(money("amount_paid"))
                    .col(
                        ColumnDef::new("posted_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk("invoices", "party_id", "parties"))
                    .foreign_key(&mut tenant_fk("invoices", "entry_id", "journal_entries"))
                    .foreign_key(&mut tenant_fk(
                        "invoices",
                        "credited_invoice_id",
                        "invoices",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("invoices", &["kind", "number"]))
            .await?;
        manager
            .create_index(tenant_index("invoices", &["party_id", "issue_date"]))
            .await?;
        manager
            .create_index(tenant_index("invoices", &["kind", "status", "issue_date"]))
            .await?;

        manager
            .create_table(
                tenant_table("invoice_lines")
                    .col(ColumnDef::new("invoice_id").uuid().not_null())
                    .col(ColumnDef::new("line_no").integer().not_null())
                    .col(ColumnDef::new("description").string_len(500).not_null())
                    .col(ColumnDef::new("account_id").uuid().not_null())
                    .col(ColumnDef::new("quantity").decimal_len(18, 4).not_null())
                    .col(ColumnDef::new("unit_price").decimal_len(18, 4).not_null())
                    .col(money("amount"))
                    .col(ColumnDef::new("tax_rate_id").uuid().null())
                    .col(ColumnDef::new("tax_percent").decimal_len(7, 4).null())
                    .col(ColumnDef::new("tax_inclusive").boolean().not_null())
                    .col(ColumnDef::new("cost_centre_id").uuid().null())
                    .foreign_key(&mut tenant_fk("invoice_lines", "invoice_id", "invoices"))
                    .foreign_key(&mut tenant_fk("invoice_lines", "account_id", "accounts"))
                    .foreign_key(&mut tenant_fk("invoice_lines", "tax_rate_id", "tax_rates"))
                    .foreign_key(&mut tenant_fk(
                        "invoice_lines",
                        "cost_centre_id",
                        "cost_centres",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("invoice_lines", &["invoice_id", "line_no"]))
            .await?;

        manager
            .create_table(
                tenant_table("payments")
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(ColumnDef::new("number").string_len(60).not_null())
                    .col(ColumnDef::new("party_id").uuid().not_null())
                    .col(ColumnDef::new("journal_id").uuid().not_null())
                    .col(ColumnDef::new("date").date().not_null())
                    .col(money("amount"))
                    .col(ColumnDef::new("currency").string_len(3).not_null())
                    .col(ColumnDef::new("rate").decimal_len(18, 8).not_null())
                    .col(ColumnDef::new("reference").string_len(200).null())
                    .col(ColumnDef::new("entry_id").uuid().not_null())
                    .col(money("amount_allocated"))
                    .foreign_key(&mut tenant_fk("payments", "party_id", "parties"))
                    .foreign_key(&mut tenant_fk("payments", "journal_id", "journals"))
                    .foreign_key(&mut tenant_fk("payments", "entry_id", "journal_entries"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("payments", &["number"]))
            .await?;
        manager
            .create_index(tenant_index("payments", &["party_id", "date"]))
            .await?;

        manager
            .create_table(
                tenant_table("payment_allocations")
                    .col(ColumnDef::new("invoice_id").uuid().not_null())
                    .col(ColumnDef::new("payment_id").uuid().null())
                    .col(ColumnDef::new("credit_note_id").uuid().null())
                    .col(ColumnDef::new("date").date().not_null())
                    .col(money("amount"))
                    .foreign_key(&mut tenant_fk(
                        "payment_allocations",
                        "invoice_id",
                        "invoices",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "payment_allocations",
                        "payment_id",
                        "payments",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "payment_allocations",
                        "credit_note_id",
                        "invoices",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("payment_allocations", &["invoice_id", "date"]))
            .await?;
        manager
            .create_index(tenant_index("payment_allocations", &["payment_id"]))
            .await?;

        manager
            .create_table(
                tenant_table("bank_transactions")
                    .col(ColumnDef::new("journal_id").uuid().not_null())
                    .col(ColumnDef::new("date").date().not_null())
                    .col(money("amount"))
                    .col(ColumnDef::new("description").string_len(500).not_null())
                    .col(ColumnDef::new("reference").string_len(200).null())
                    .col(ColumnDef::new("import_key").string_len(64).not_null())
                    .col(ColumnDef::new("payment_id").uuid().null())
                    .col(
                        ColumnDef::new("reconciled_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk(
                        "bank_transactions",
                        "journal_id",
                        "journals",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "bank_transactions",
                        "payment_id",
                        "payments",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "bank_transactions",
                &["journal_id", "import_key"],
            ))
            .await?;
        manager
            .create_index(tenant_unique("bank_transactions", &["payment_id"]))
            .await?;

        for table in TABLES {
            protect_tenant_table(manager, table).await?;
        }
        let backend = manager.get_database_backend();
        for sql in ledger_guards(backend) {
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let order = [
            "bank_transactions",
            "payment_allocations",
            "payments",
            "invoice_lines",
            "invoices",
            "journal_lines",
            "journal_entries",
            "tax_rates",
            "fiscal_years",
            "journals",
            "ledger_settings",
            "accounts",
        ];
        for table in order {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
