//! Accounting: the chart of accounts, journals, fiscal years, tax rates, the ledger,
//! invoices and bills, payments and bank transactions.

pub mod account;
pub mod bank_transaction;
pub mod budget;
pub mod expense_claim;
pub mod expense_claim_line;
pub mod fiscal_year;
pub mod fixed_asset;
pub mod invoice;
pub mod invoice_line;
pub mod journal;
pub mod journal_entry;
pub mod journal_line;
pub mod ledger_settings;
pub mod payment;
pub mod payment_allocation;
pub mod tax_rate;

crate::tenant_scoped!(account, "Account");
crate::tenant_scoped!(ledger_settings, "LedgerSettings");
crate::tenant_scoped!(journal, "Journal");
crate::tenant_scoped!(fiscal_year, "FiscalYear");
crate::tenant_scoped!(tax_rate, "TaxRate");
crate::tenant_scoped!(journal_entry, "JournalEntry");
// Lines are written with their entry, whose audit entry covers them; once posted the database
// guards them and the hash chain seals them.
crate::tenant_scoped!(journal_line, "JournalLine", unaudited);
crate::tenant_scoped!(invoice, "Invoice");
crate::tenant_scoped!(invoice_line, "InvoiceLine", unaudited);
crate::tenant_scoped!(payment, "Payment");
crate::tenant_scoped!(payment_allocation, "PaymentAllocation");
crate::tenant_scoped!(bank_transaction, "BankTransaction");
crate::tenant_scoped!(budget, "Budget");
crate::tenant_scoped!(fixed_asset, "FixedAsset");
crate::tenant_scoped!(expense_claim, "ExpenseClaim");
crate::tenant_scoped!(expense_claim_line, "ExpenseClaimLine", unaudited);
