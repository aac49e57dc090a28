//! Accounting in the schema: the chart of accounts, journals, tax rates and fiscal years (plain
//! resources), the ledger (journal entries and their transitions), invoices and bills, payments,
//! bank statements, the ledger settings and the chain check. Statements and KPIs are in
//! `graphql::reports`.

use crate::graphql::list::List;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use entity::accounting::{
    account, bank_transaction, fiscal_year, invoice, invoice_line, journal, journal_entry,
    journal_line, ledger_settings, payment, payment_allocation, tax_rate,
};
use entity::org::{cost_centre, party};
use entity::{TenantDb, TenantScoped};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Permission;
use crate::error::{AppError, AppResult, GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, db_err, load_one, settle};
use crate::graphql::listing::{BoolFilter, DateFilter, DecimalFilter, IdFilter, TextFilter};
use crate::graphql::org::{CostCentre, Party};
use crate::graphql::scalars::Decimal;
use crate::services::accounting::invoices::{self, PaymentStatus};
use crate::services::accounting::ledger::{self, EntryIn, LineIn};
use crate::services::accounting::{self as acc, AccountingErrorCode, Checked, payments};
use crate::{db_enum, enum_filter, filter_input, list_query, node_object, order_field, resource};

db_enum! {
    /// The kind of an account, which decides the statement it appears in.
    AccountType {
        /// What the company owns (balance sheet, debit balance).
        Asset = "asset",
        /// What it owes (balance sheet, credit balance).
        Liability = "liability",
        /// The owners' stake (balance sheet, credit balance).
        Equity = "equity",
        /// Revenue (profit and loss, credit balance).
        Income = "income",
        /// Costs (profit and loss, debit balance).
        Expense = "expense",
    }
}
enum_filter!(AccountType);

db_enum! {
    /// The role of an account that documents post to.
    AccountSubType {
        /// Money customers owe (needs a party on every line).
        Receivable = "receivable",
        /// Money owed to suppliers (needs a party on every line).
        Payable = "payable",
        /// A bank account.
        Bank = "bank",
        /// Cash on hand.
        Cash = "cash",
        /// Consumption tax collected or paid.
        Tax = "tax",
    }
}
enum_filter!(AccountSubType);

db_enum! {
    /// What a journal records.
    JournalType {
        /// Customer invoices and credit notes.
        Sale = "sale",
        /// Supplier bills and credit notes.
        Purchase = "purchase",
        /// Bank payments.
        Bank = "bank",
        /// Cash payments.
        Cash = "cash",
        /// Everything else: adjustments, accruals, closing.
        General = "general",
    }
}
enum_filter!(JournalType);

db_enum! {
    /// Whether a tax rate applies to sales or purchases.
    TaxScope {
        /// Sales (output tax).
        Sale = "sale",
        /// Purchases (input tax).
        Purchase = "purchase",
    }
}
enum_filter!(TaxScope);

db_enum! {
    /// Whether a fiscal year takes postings.
    FiscalYearStatus {
        /// Open for postings (subject to the lock dates).
        Open = "open",
        /// Closed: its result moved to retained earnings; no more postings.
        Closed = "closed",
    }
}
enum_filter!(FiscalYearStatus);

db_enum! {
    /// Where a journal entry is in its life.
    JournalEntryStatus {
        /// Being written; changes nothing in the books.
        Draft = "draft",
        /// In the books: numbered, hash-chained, immutable.
        Posted = "posted",
    }
}
enum_filter!(JournalEntryStatus);

db_enum! {
    /// What produced a journal entry.
    JournalEntryKind {
        /// A manual entry.
        Entry = "entry",
        /// A customer invoice.
        Invoice = "invoice",
        /// A supplier bill.
        Bill = "bill",
        /// A credit note.
        CreditNote = "credit_note",
        /// A payment.
        Payment = "payment",
        /// The reversal of another entry.
        Reversal = "reversal",
        /// A fiscal year's closing entry.
        Closing = "closing",
    }
}
enum_filter!(JournalEntryKind);

db_enum! {
    /// The kind of an invoice document.
    InvoiceKind {
        /// An invoice to a customer.
        CustomerInvoice = "customer_invoice",
        /// A bill from a supplier.
        SupplierBill = "supplier_bill",
        /// A credit note to a customer (made by `creditInvoice`).
        CustomerCreditNote = "customer_credit_note",
        /// A credit note from a supplier (made by `creditInvoice`).
        SupplierCreditNote = "supplier_credit_note",
    }
}
enum_filter!(InvoiceKind);

db_enum! {
    /// Where an invoice is in its workflow (see `paymentStatus` for payment).
    InvoiceState {
        /// Being written.
        Draft = "draft",
        /// In the books.
        Posted = "posted",
        /// A draft given up.
        Cancelled = "cancelled",
        /// Credited in full by a credit note.
        Reversed = "reversed",
    }
}
enum_filter!(InvoiceState);

db_enum! {
    /// Which way a payment goes.
    PaymentKind {
        /// Received from a customer.
        Inbound = "inbound",
        /// Paid to a supplier.
        Outbound = "outbound",
    }
}
enum_filter!(PaymentKind);

// ---------------------------------------------------------------------------------------------
// Child rows (lines, allocations), loaded per request in one query per kind.

/// A kind of child row and the column that names its parent.
pub trait Children: Send + Sync + 'static {
    /// The child entity.
    type E: TenantScoped<Model: Clone + Send + Sync>;
    /// The parent column.
    fn parent() -> <Self::E as sea_orm::EntityTrait>::Column;
    /// The sort column.
    fn order() -> <Self::E as sea_orm::EntityTrait>::Column;
}

macro_rules! children {
    ($name:ident, $module:ident, $parent:ident, $order:ident) => {
        struct $name;
        impl Children for $name {
            type E = $module::Entity;
            fn parent() -> $module::Column {
                $module::Column::$parent
            }
            fn order() -> $module::Column {
                $module::Column::$order
            }
        }
    };
}
children!(EntryLines, journal_line, EntryId, LineNo);
children!(InvoiceLines, invoice_line, InvoiceId, LineNo);
children!(InvoiceAllocations, payment_allocation, InvoiceId, Date);
children!(PaymentAllocations, payment_allocation, PaymentId, Date);

struct ChildLoader<K: Children> {
    db: TenantDb,
    kind: PhantomData<K>,
}

impl<K: Children> Loader<Uuid> for ChildLoader<K> {
    type Value = Vec<<K::E as sea_orm::EntityTrait>::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let keys = keys.to_vec();
        let rows = self
            .db
            .read(async |tx| {
                tx.all(tx.select::<K::E>().refine(|q| {
                    q.filter(K::parent().is_in(keys))
                        .order_by_asc(K::order())
                        .order_by_asc(<K::E as TenantScoped>::id_column())
                }))
                .await
            })
            .await
            .map_err(|e| Arc::new(e.into()))?;
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for r in rows {
            if let sea_orm::Value::Uuid(Some(parent)) = sea_orm::ModelTrait::get(&r, K::parent()) {
                out.entry(parent).or_default().push(r);
            }
        }
        Ok(out)
    }
}

async fn children<K: Children>(
    ctx: &Context<'_>,
    parent: Uuid,
) -> AppResult<Vec<<K::E as sea_orm::EntityTrait>::Model>> {
    let session = ctx.session()?;
    Ok(session
        .loader_with(|| ChildLoader::<K> {
            db: session.db.clone(),
            kind: PhantomData,
        })
        .load_one(parent)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?
        .unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Chart of accounts, journals, tax rates, fiscal years.

node_object! {
    /// An account of the chart. Needs `VIEW_LEDGER`.
    Account(account) {
        /// The account code, unique in the tenant, e.g. `1100`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// The name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Asset, liability, equity, income or expense.
        async fn account_type(&self) -> AccountType {
            AccountType::from_db(&self.0.account_type)
        }
        /// Its role for documents (receivable, payable, bank, cash, tax), if any.
        async fn sub_type(&self) -> Option<AccountSubType> {
            self.0.sub_type.as_deref().map(AccountSubType::from_db)
        }
        /// The group it belongs to.
        async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, self.0.parent_id).await?.map(Account))
        }
        /// Whether it groups other accounts (a group takes no postings).
        async fn is_group(&self) -> bool {
            self.0.is_group
        }
        /// Whether postings are stopped for now.
        async fn frozen(&self) -> bool {
            self.0.frozen
        }
        /// Whether it is no longer used (no new postings; history stays).
        async fn deprecated(&self) -> bool {
            self.0.deprecated
        }
        /// Notes on its use.
        async fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on accounts; every field given must hold.
    AccountFilter for account {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
        /// The type.
        account_type: AccountTypeFilter => AccountType,
        /// The role.
        sub_type: AccountSubTypeFilter => SubType,
        /// The group.
        parent: IdFilter => ParentId ref account::Entity,
        /// Whether it is a group.
        is_group: BoolFilter => IsGroup,
        /// Whether it is frozen.
        frozen: BoolFilter => Frozen,
        /// Whether it is deprecated.
        deprecated: BoolFilter => Deprecated,
    }
}

order_field! {
    /// What accounts can be sorted by.
    Account for account {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
    }
}

/// A new account.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// A code unique in the tenant, at most 20 characters.
    pub code: String,
    /// The name, at most 200 characters.
    pub name: String,
    /// The type.
    pub account_type: AccountType,
    /// The role for documents (receivable, bank, ... ); receivable, bank and cash are assets,
    /// payable is a liability.
    pub sub_type: Option<AccountSubType>,
    /// A group account of the same type to file it under.
    pub parent_id: Option<ID>,
    /// Whether it groups other accounts (default false).
    pub is_group: Option<bool>,
    /// Notes, at most 1000 characters.
    pub description: Option<String>,
}

/// Changes to an account; fields left out keep their value. Code and role are history once the
/// account has postings.
#[derive(InputObject)]
pub struct AccountPatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New role (`null` clears).
    pub sub_type: MaybeUndefined<AccountSubType>,
    /// New group (`null` clears).
    pub parent_id: MaybeUndefined<ID>,
    /// Stop or resume postings.
    pub frozen: Option<bool>,
    /// Retire it (no new postings) or bring it back.
    pub deprecated: Option<bool>,
    /// New notes (`null` clears).
    pub description: MaybeUndefined<String>,
}

resource! {
    entity: account::Entity, node: Account, one: account, many: accounts, what: "account",
    view: ViewLedger, manage: ManageLedger, query: AccountQuery, mutation: AccountMutation,
}

node_object! {
    /// A journal: a book of entries with its own gapless numbering (`SAL/2026/000001`). Needs
    /// `VIEW_LEDGER`.
    Journal(journal) {
        /// A short code, unique in the tenant; it starts the numbers of its entries.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// The name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// What it records.
        async fn journal_type(&self) -> JournalType {
            JournalType::from_db(&self.0.journal_type)
        }
        /// The account its documents post to by default (a bank journal's bank account).
        async fn default_account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, self.0.default_account_id).await?.map(Account))
        }
    }
}

filter_input! {
    /// Conditions on journals.
    JournalFilter for journal {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
        /// The type.
        journal_type: JournalTypeFilter => JournalType,
    }
}

order_field! {
    /// What journals can be sorted by.
    Journal for journal {
        /// The code.
        Code => Code,
    }
}

/// A new journal.
#[derive(InputObject)]
pub struct CreateJournalInput {
    /// Letters and digits, at most 10, unique in the tenant.
    pub code: String,
    /// The name, at most 200 characters.
    pub name: String,
    /// What it records.
    pub journal_type: JournalType,
    /// Its default account (required for bank and cash journals).
    pub default_account_id: Option<ID>,
}

/// Changes to a journal.
#[derive(InputObject)]
pub struct JournalPatch {
    /// New name.
    pub name: Option<String>,
    /// New default account.
    pub default_account_id: Option<ID>,
}

resource! {
    entity: journal::Entity, node: Journal, one: journal, many: journals, what: "journal",
    view: ViewLedger, manage: ManageLedger, query: JournalQuery, mutation: JournalMutation,
}

node_object! {
    /// A consumption-tax rate. Needs `VIEW_LEDGER`.
    TaxRate(tax_rate) {
        /// A code unique in the tenant, e.g. `S10`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// The name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// The rate in percent, e.g. `10`.
        async fn rate(&self) -> Decimal {
            Decimal(self.0.rate)
        }
        /// Sales or purchases.
        async fn scope(&self) -> TaxScope {
            TaxScope::from_db(&self.0.scope)
        }
        /// Whether line amounts include the tax.
        async fn inclusive(&self) -> bool {
            self.0.inclusive
        }
        /// The account the tax posts to.
        async fn account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, Some(self.0.account_id)).await?.map(Account))
        }
    }
}

filter_input! {
    /// Conditions on tax rates.
    TaxRateFilter for tax_rate {
        /// The code.
        code: TextFilter => Code,
        /// The scope.
        scope: TaxScopeFilter => Scope,
        /// The rate.
        rate: DecimalFilter => Rate,
    }
}

order_field! {
    /// What tax rates can be sorted by.
    TaxRate for tax_rate {
        /// The code.
        Code => Code,
        /// The rate.
        Rate => Rate,
    }
}

/// A new tax rate.
#[derive(InputObject)]
pub struct CreateTaxRateInput {
    /// A code unique in the tenant, at most 20 characters.
    pub code: String,
    /// The name.
    pub name: String,
    /// Percent, 0 to 100.
    pub rate: Decimal,
    /// Sales or purchases.
    pub scope: TaxScope,
    /// Whether line amounts include the tax (default false).
    pub inclusive: Option<bool>,
    /// The account the tax posts to.
    pub account_id: ID,
}

/// Changes to a tax rate: only its name (a new percent is a new rate; documents keep theirs).
#[derive(InputObject)]
pub struct TaxRatePatch {
    /// New name.
    pub name: Option<String>,
}

resource! {
    entity: tax_rate::Entity, node: TaxRate, one: tax_rate, many: tax_rates, what: "tax rate",
    view: ViewLedger, manage: ManageLedger, query: TaxRateQuery, mutation: TaxRateMutation,
}

/// A month of a fiscal year.
#[derive(SimpleObject)]
pub struct FiscalPeriod {
    /// 1 for the first month of the year.
    pub number: i32,
    /// Its first day.
    pub starts_on: NaiveDate,
    /// Its last day.
    pub ends_on: NaiveDate,
}

node_object! {
    /// A fiscal year; its periods are its months. Needs `VIEW_LEDGER`.
    FiscalYear(fiscal_year) {
        /// The name, e.g. `FY2026`.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Its first day.
        async fn starts_on(&self) -> NaiveDate {
            self.0.starts_on
        }
        /// Its last day.
        async fn ends_on(&self) -> NaiveDate {
            self.0.ends_on
        }
        /// Open or closed.
        async fn status(&self) -> FiscalYearStatus {
            FiscalYearStatus::from_db(&self.0.status)
        }
        /// The entry that closed its result into retained earnings.
        async fn closing_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.closing_entry_id).await?.map(JournalEntry))
        }
        /// Its monthly periods.
        async fn periods(&self) -> List<FiscalPeriod> {
            use chrono::{Datelike, Months};
            let mut out = Vec::new();
            let mut start = self.0.starts_on;
            let mut n = 1;
            while start <= self.0.ends_on && n <= 24 {
                let next = start.with_day(1).and_then(|d| d.checked_add_months(Months::new(1))).unwrap_or(self.0.ends_on);
                let end = next.pred_opt().unwrap_or(next).min(self.0.ends_on);
                out.push(FiscalPeriod { number: n, starts_on: start, ends_on: end });
                start = next;
                n += 1;
            }
            List(out)
        }
    }
}

filter_input! {
    /// Conditions on fiscal years.
    FiscalYearFilter for fiscal_year {
        /// The name.
        name: TextFilter => Name,
        /// The first day.
        starts_on: DateFilter => StartsOn,
        /// The status.
        status: FiscalYearStatusFilter => Status,
    }
}

order_field! {
    /// What fiscal years can be sorted by.
    FiscalYear for fiscal_year {
        /// The first day.
        StartsOn => StartsOn,
    }
}

/// A new fiscal year (at most 18 months, overlapping no other).
#[derive(InputObject)]
pub struct CreateFiscalYearInput {
    /// The name, e.g. `FY2027`.
    pub name: String,
    /// Its first day.
    pub starts_on: NaiveDate,
    /// Its last day.
    pub ends_on: NaiveDate,
}

/// Changes to a fiscal year: its name (dates are fixed once created; close it with
/// `closeFiscalYear`).
#[derive(InputObject)]
pub struct FiscalYearPatch {
    /// New name.
    pub name: Option<String>,
}

resource! {
    entity: fiscal_year::Entity, node: FiscalYear, one: fiscal_year, many: fiscal_years,
    what: "fiscal year", view: ViewLedger, manage: ClosePeriods, query: FiscalYearQuery,
    mutation: FiscalYearMutation,
}

// ---------------------------------------------------------------------------------------------
// The ledger.

/// A line of a journal entry.
pub struct JournalLine(pub journal_line::Model);

/// A line of a journal entry: one debit or one credit in the base currency.
#[Object]
impl JournalLine {
    /// 1 for the first line.
    async fn line_no(&self) -> i32 {
        self.0.line_no
    }
    /// The account.
    async fn account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
        Ok(load_one::<account::Entity>(ctx, Some(self.0.account_id))
            .await?
            .map(Account))
    }
    /// The customer, supplier or other party (needs `VIEW_PARTIES` to read it).
    async fn party(&self, ctx: &Context<'_>) -> GqlResult<Option<Party>> {
        if !ctx.session()?.principal.can(Permission::ViewParties) {
            return Ok(None);
        }
        Ok(load_one::<party::Entity>(ctx, self.0.party_id)
            .await?
            .map(Party))
    }
    /// The party's id, for callers without `VIEW_PARTIES`.
    async fn party_id(&self) -> Option<ID> {
        self.0.party_id.map(GlobalId::of::<party::Entity>)
    }
    /// The cost centre.
    async fn cost_centre(&self, ctx: &Context<'_>) -> GqlResult<Option<CostCentre>> {
        Ok(load_one::<cost_centre::Entity>(ctx, self.0.cost_centre_id)
            .await?
            .map(CostCentre))
    }
    /// What the line is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The debit in the base currency (zero on a credit line).
    async fn debit(&self) -> Decimal {
        Decimal(self.0.debit)
    }
    /// The credit in the base currency (zero on a debit line).
    async fn credit(&self) -> Decimal {
        Decimal(self.0.credit)
    }
    /// The document currency.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The amount in the document currency, positive for a debit.
    async fn amount_currency(&self) -> Decimal {
        Decimal(self.0.amount_currency)
    }
    /// Base currency per unit of the document currency.
    async fn rate(&self) -> Decimal {
        Decimal(self.0.rate)
    }
    /// The tax rate, on a tax line.
    async fn tax_rate(&self, ctx: &Context<'_>) -> GqlResult<Option<TaxRate>> {
        Ok(load_one::<tax_rate::Entity>(ctx, self.0.tax_rate_id)
            .await?
            .map(TaxRate))
    }
    /// What the tax on a tax line was computed on (negative on credit notes).
    async fn tax_base(&self) -> Option<Decimal> {
        self.0.tax_base.map(Decimal)
    }
}

node_object! {
    /// A journal entry: balanced lines on one date in one journal. Posted entries are numbered,
    /// hash-chained and immutable; corrections are reversals. Needs `VIEW_LEDGER`.
    JournalEntry(journal_entry) {
        /// The journal.
        async fn journal(&self, ctx: &Context<'_>) -> GqlResult<Option<Journal>> {
            Ok(load_one::<journal::Entity>(ctx, Some(self.0.journal_id)).await?.map(Journal))
        }
        /// Gapless per journal and year, e.g. `GEN/2026/000012`; `null` while a draft.
        async fn number(&self) -> Option<&str> {
            self.0.number.as_deref()
        }
        /// The accounting date.
        async fn date(&self) -> NaiveDate {
            self.0.date
        }
        /// What produced it.
        async fn kind(&self) -> JournalEntryKind {
            JournalEntryKind::from_db(&self.0.kind)
        }
        /// An external reference.
        async fn reference(&self) -> Option<&str> {
            self.0.reference.as_deref()
        }
        /// What it is about.
        async fn narration(&self) -> Option<&str> {
            self.0.narration.as_deref()
        }
        /// Draft or posted.
        async fn status(&self) -> JournalEntryStatus {
            JournalEntryStatus::from_db(&self.0.status)
        }
        /// The sum of the debits (equal to the credits), in the base currency.
        async fn total(&self) -> Decimal {
            Decimal(self.0.total)
        }
        /// When it was posted.
        async fn posted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.posted_at
        }
        /// Who posted it (their id); `null` for the platform.
        async fn posted_by(&self) -> Option<Uuid> {
            self.0.posted_by
        }
        /// The entry this one reverses.
        async fn reversal_of(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.reversal_of_id).await?.map(JournalEntry))
        }
        /// The type of document that produced it (`Invoice`, `Payment`), if any.
        async fn source_type(&self) -> Option<&str> {
            self.0.source_type.as_deref()
        }
        /// The document that produced it (its global id), if any.
        async fn source_id(&self) -> Option<ID> {
            match (self.0.source_type.as_deref(), self.0.source_id) {
                (Some(t), Some(id)) => Some(GlobalId::encode(t, id)),
                _ => None,
            }
        }
        /// Its place in the tenant's hash chain (posted entries).
        async fn chain_sequence(&self) -> Option<i64> {
            self.0.chain_seq
        }
        /// The hash of the entry before it in the chain.
        async fn previous_hash(&self) -> Option<&str> {
            self.0.prev_hash.as_deref()
        }
        /// SHA-256 over its content and the previous hash.
        async fn hash(&self) -> Option<&str> {
            self.0.hash.as_deref()
        }
        /// The lines, in order.
        async fn lines(&self, ctx: &Context<'_>) -> GqlResult<List<JournalLine>> {
            Ok(children::<EntryLines>(ctx, self.0.id).await?.into_iter().map(JournalLine).collect())
        }
    }
}

filter_input! {
    /// Conditions on journal entries.
    JournalEntryFilter for journal_entry {
        /// The number.
        number: TextFilter => Number,
        /// The journal.
        journal: IdFilter => JournalId ref journal::Entity,
        /// The date.
        date: DateFilter => Date,
        /// What produced it.
        kind: JournalEntryKindFilter => Kind,
        /// Draft or posted.
        status: JournalEntryStatusFilter => Status,
        /// The total.
        total: DecimalFilter => Total,
        /// The reference.
        reference: TextFilter => Reference,
    }
}

order_field! {
    /// What journal entries can be sorted by.
    JournalEntry for journal_entry {
        /// The date.
        Date => Date,
        /// The total.
        Total => Total,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

impl crate::graphql::resource::Resource for journal_entry::Entity {
    type Node = JournalEntry;
    type Filter = JournalEntryFilter;
    type Order = JournalEntryOrder;
    const VIEW: Permission = Permission::ViewLedger;
}

list_query! {
    entity: journal_entry::Entity, node: JournalEntry, many: journal_entries,
    what: "journal entry", needs: [ "`VIEW_LEDGER`" ], query: JournalEntryListQuery,
}

/// A line of a new journal entry: exactly one of `debit` and `credit`, in the base currency.
#[derive(InputObject)]
pub struct JournalLineInput {
    /// The account.
    pub account_id: ID,
    /// The party (required on receivable and payable accounts).
    pub party_id: Option<ID>,
    /// The cost centre.
    pub cost_centre_id: Option<ID>,
    /// What the line is for, at most 500 characters.
    pub description: Option<String>,
    /// The debit (leave out or 0 on a credit line).
    pub debit: Option<Decimal>,
    /// The credit (leave out or 0 on a debit line).
    pub credit: Option<Decimal>,
    /// The document currency, when not the base currency.
    pub currency: Option<String>,
    /// The amount in that currency (required with `currency`).
    pub amount_currency: Option<Decimal>,
}

/// A new manual journal entry.
#[derive(InputObject)]
pub struct CreateJournalEntryInput {
    /// The journal (the general journal when left out).
    pub journal_id: Option<ID>,
    /// The accounting date.
    pub date: NaiveDate,
    /// An external reference, at most 200 characters.
    pub reference: Option<String>,
    /// What it is about, at most 2000 characters.
    pub narration: Option<String>,
    /// The lines: at least two, debits equal to credits when posted.
    pub lines: Vec<JournalLineInput>,
    /// Post at once (needs `POST_JOURNAL_ENTRIES`); default false: a draft.
    pub post: Option<bool>,
}

/// Which entry to move, at which version.
#[derive(InputObject)]
pub struct JournalEntryTransitionInput {
    /// The entry.
    pub id: ID,
    /// The version the decision was made against; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
}

/// A reversal.
#[derive(InputObject)]
pub struct ReverseJournalEntryInput {
    /// The posted entry.
    pub id: ID,
    /// The reversal's date (default: the original's).
    pub date: Option<NaiveDate>,
    /// Why, at most 2000 characters.
    pub reason: Option<String>,
}

/// The result of a journal-entry mutation.
#[derive(SimpleObject)]
pub struct JournalEntryPayload {
    /// The entry; `null` when there are errors.
    pub journal_entry: Option<JournalEntry>,
    /// What was wrong with the input; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

fn payload(
    out: (
        Option<journal_entry::Model>,
        Vec<InputError<AccountingErrorCode>>,
    ),
) -> JournalEntryPayload {
    JournalEntryPayload {
        journal_entry: out.0.map(JournalEntry),
        errors: List(out.1),
    }
}

fn not_found<T>(path: &str, what: &str) -> Checked<T> {
    acc::refuse(
        path,
        AccountingErrorCode::NotFound,
        format!("no such {what}"),
    )
}

/// Decodes an optional reference for the services (`None` in, `None` out; unknown: a problem).
fn id_of<T: TenantScoped>(
    id: Option<&ID>,
    path: &str,
    problems: &mut Vec<InputError<AccountingErrorCode>>,
) -> Option<Uuid> {
    let id = id?;
    let found = GlobalId::decode_for::<T>(id);
    if found.is_none() {
        problems.push(InputError::new(
            path,
            AccountingErrorCode::NotFound,
            format!("no such {}", T::TYPE_NAME),
        ));
    }
    found
}

fn text(
    value: Option<&str>,
    max: usize,
    path: &str,
    problems: &mut Vec<InputError<AccountingErrorCode>>,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        problems.push(InputError::new(
            path,
            AccountingErrorCode::TooLong,
            format!("at most {max} characters"),
        ));
    }
    Some(v.to_owned())
}

/// Whether the caller may post into the soft-locked period.
pub(crate) fn finance_manager(ctx: &Context<'_>) -> bool {
    ctx.session()
        .is_ok_and(|s| s.principal.can(Permission::ClosePeriods))
}

/// The ledger's mutations.
#[derive(Default)]
pub struct LedgerMutation;

#[Object]
impl LedgerMutation {
    /// Writes a manual journal entry as a draft, or posts it at once with `post: true`. Posting
    /// checks balance, lines, accounts, parties, lock dates and the fiscal year
    /// (`UNBALANCED_ENTRY`, `INVALID_LINE`, `ACCOUNT_NOT_POSTABLE`, `PARTY_REQUIRED`,
    /// `PERIOD_LOCKED`, `NO_FISCAL_YEAR`). Needs `MANAGE_LEDGER` (and `POST_JOURNAL_ENTRIES` to
    /// post).
    async fn create_journal_entry(
        &self,
        ctx: &Context<'_>,
        input: CreateJournalEntryInput,
    ) -> GqlResult<JournalEntryPayload> {
        let session = ctx.authorize(Permission::ManageLedger)?;
        let post = input.post.unwrap_or(false);
        if post {
            session.principal.require(Permission::PostJournalEntries)?;
        }
        let actor = session.principal.actor_id;
        let tx = session.begin_write(ctx).await?;
        let mut problems = Vec::new();
        let journal = match &input.journal_id {
            Some(id) => id_of::<journal::Entity>(Some(id), "journalId", &mut problems),
            None => acc::chart::journal_of_type(&tx, "general")
                .await?
                .map(|j| j.id),
        };
        let mut lines = Vec::new();
        for (i, l) in input.lines.iter().enumerate() {
            let at = |f: &str| format!("lines.{i}.{f}");
            let mut line = LineIn::new(
                id_of::<account::Entity>(Some(&l.account_id), &at("accountId"), &mut problems)
                    .unwrap_or_default(),
                l.debit.map(|d| d.0).unwrap_or_default(),
                l.credit.map(|d| d.0).unwrap_or_default(),
            );
            line.party = id_of::<party::Entity>(l.party_id.as_ref(), &at("partyId"), &mut problems);
            line.cost_centre = id_of::<cost_centre::Entity>(
                l.cost_centre_id.as_ref(),
                &at("costCentreId"),
                &mut problems,
            );
            line.description = text(
                l.description.as_deref(),
                500,
                &at("description"),
                &mut problems,
            );
            line.currency = l.currency.as_ref().map(|c| c.trim().to_ascii_uppercase());
            line.amount_currency = l.amount_currency.map(|a| a.0);
            lines.push(line);
        }
        let entry = EntryIn {
            journal: journal.unwrap_or_default(),
            date: input.date,
            kind: "entry",
            reference: text(input.reference.as_deref(), 200, "reference", &mut problems),
            narration: text(input.narration.as_deref(), 2000, "narration", &mut problems),
            lines,
            reversal_of: None,
            source: None,
            closing: false,
        };
        let out: Checked<journal_entry::Model> = if !problems.is_empty() {
            Err(problems)
        } else {
            let mut p = acc::P::default();
            match ledger::draft(&tx, Some(actor), &entry, "", &mut p).await? {
                None => Err(p.into_errors()),
                Some(draft) if post => {
                    ledger::post(&tx, Some(actor), draft.id, finance_manager(ctx), "").await?
                }
                Some(draft) => Ok(draft),
            }
        };
        Ok(payload(settle(tx, out).await?))
    }

    /// Posts a draft entry (see `createJournalEntry` for the checks). Needs
    /// `POST_JOURNAL_ENTRIES`.
    async fn post_journal_entry(
        &self,
        ctx: &Context<'_>,
        input: JournalEntryTransitionInput,
    ) -> GqlResult<JournalEntryPayload> {
        let session = ctx.authorize(Permission::PostJournalEntries)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<journal_entry::Entity>(&input.id) {
            None => not_found("id", "journal entry"),
            Some(id) => {
                if let Some(e) = tx.get::<journal_entry::Entity>(id).await? {
                    crate::services::access::check_version(e.version, input.expected_version)?;
                }
                ledger::post(
                    &tx,
                    Some(session.principal.actor_id),
                    id,
                    finance_manager(ctx),
                    "",
                )
                .await?
            }
        };
        Ok(payload(settle(tx, out).await?))
    }

    /// Reverses a posted manual entry with a new posted entry on the other sides
    /// (`ALREADY_REVERSED` the second time; document entries are corrected with a credit note).
    /// Needs `POST_JOURNAL_ENTRIES`.
    async fn reverse_journal_entry(
        &self,
        ctx: &Context<'_>,
        input: ReverseJournalEntryInput,
    ) -> GqlResult<JournalEntryPayload> {
        let session = ctx.authorize(Permission::PostJournalEntries)?;
        let tx = session.begin_write(ctx).await?;
        let mut problems = Vec::new();
        let reason = text(input.reason.as_deref(), 2000, "reason", &mut problems);
        let out = match GlobalId::decode_for::<journal_entry::Entity>(&input.id) {
            None => not_found("id", "journal entry"),
            Some(_) if !problems.is_empty() => Err(problems),
            Some(id) => {
                let date = match input.date {
                    Some(d) => d,
                    None => tx
                        .get::<journal_entry::Entity>(id)
                        .await?
                        .map(|e| e.date)
                        .unwrap_or_default(),
                };
                ledger::reverse(
                    &tx,
                    Some(session.principal.actor_id),
                    id,
                    date,
                    reason,
                    finance_manager(ctx),
                )
                .await?
            }
        };
        Ok(payload(settle(tx, out).await?))
    }

    /// Discards a draft entry. Needs `MANAGE_LEDGER`.
    async fn discard_journal_entry(
        &self,
        ctx: &Context<'_>,
        input: JournalEntryTransitionInput,
    ) -> GqlResult<JournalEntryPayload> {
        let session = ctx.authorize(Permission::ManageLedger)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<journal_entry::Entity>(&input.id) {
            None => not_found("id", "journal entry"),
            Some(id) => {
                ledger::discard(&tx, session.principal.actor_id, id, input.expected_version).await?
            }
        };
        Ok(payload(settle(tx, out).await?))
    }

    /// Changes the ledger settings: lock dates, retained earnings account, tax rounding, the
    /// qualified-invoice registration number. Needs `CLOSE_PERIODS`.
    async fn update_ledger_settings(
        &self,
        ctx: &Context<'_>,
        input: LedgerSettingsInput,
    ) -> GqlResult<LedgerSettingsPayload> {
        let session = ctx.authorize(Permission::ClosePeriods)?;
        let actor = session.principal.actor_id;
        let tx = session.begin_write(ctx).await?;
        let out = update_settings(&tx, actor, &input).await?;
        let (row, errors) = settle(tx, out).await?;
        Ok(LedgerSettingsPayload {
            settings: row.map(LedgerSettings),
            errors: List(errors),
        })
    }

    /// Closes a fiscal year: its income and expense balances move to retained earnings in a
    /// closing entry on its last day, it takes no more postings, and the books lock up to its
    /// end. Needs `CLOSE_PERIODS`.
    async fn close_fiscal_year(
        &self,
        ctx: &Context<'_>,
        input: JournalEntryTransitionInput,
    ) -> GqlResult<CloseFiscalYearPayload> {
        let session = ctx.authorize(Permission::ClosePeriods)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<fiscal_year::Entity>(&input.id) {
            None => not_found("id", "fiscal year"),
            Some(id) => {
                ledger::close_year(&tx, session.principal.actor_id, id, input.expected_version)
                    .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(CloseFiscalYearPayload {
            fiscal_year: row.map(FiscalYear),
            errors: List(errors),
        })
    }
}

/// The result of closing a fiscal year.
#[derive(SimpleObject)]
pub struct CloseFiscalYearPayload {
    /// The closed year; `null` when there are errors.
    pub fiscal_year: Option<FiscalYear>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

/// How consumption tax is rounded, once per rate per document.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum TaxRounding {
    /// Fractions are dropped (切り捨て), the most common practice.
    Floor,
    /// Half a unit or more rounds up.
    HalfUp,
    /// Any fraction rounds up.
    Ceiling,
}

impl TaxRounding {
    fn db(self) -> &'static str {
        match self {
            TaxRounding::Floor => "floor",
            TaxRounding::HalfUp => "half_up",
            TaxRounding::Ceiling => "ceiling",
        }
    }
}

/// The tenant's ledger settings.
pub struct LedgerSettings(pub ledger_settings::Model);

/// The tenant's ledger settings. Needs `VIEW_LEDGER`.
#[Object]
impl LedgerSettings {
    /// Nobody posts on or before this date.
    async fn lock_date(&self) -> Option<NaiveDate> {
        self.0.lock_date
    }
    /// Only finance managers (`CLOSE_PERIODS`) post on or before this date.
    async fn soft_lock_date(&self) -> Option<NaiveDate> {
        self.0.soft_lock_date
    }
    /// Where closing a year puts its result.
    async fn retained_earnings_account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
        Ok(
            load_one::<account::Entity>(ctx, self.0.retained_earnings_account_id)
                .await?
                .map(Account),
        )
    }
    /// How consumption tax is rounded.
    async fn tax_rounding(&self) -> TaxRounding {
        match self.0.tax_rounding.as_str() {
            "half_up" => TaxRounding::HalfUp,
            "ceiling" => TaxRounding::Ceiling,
            _ => TaxRounding::Floor,
        }
    }
    /// The qualified-invoice issuer registration number printed on customer invoices.
    async fn registration_number(&self) -> Option<&str> {
        self.0.registration_number.as_deref()
    }
    /// The version, for `updateLedgerSettings`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Changes to the ledger settings; fields left out keep their value, `null` clears.
#[derive(InputObject)]
pub struct LedgerSettingsInput {
    /// The version read; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// Nobody posts on or before it; not in the future.
    pub lock_date: MaybeUndefined<NaiveDate>,
    /// Only finance managers post on or before it; not in the future.
    pub soft_lock_date: MaybeUndefined<NaiveDate>,
    /// An equity account.
    pub retained_earnings_account_id: Option<ID>,
    /// How tax is rounded.
    pub tax_rounding: Option<TaxRounding>,
    /// `T` and 13 digits.
    pub registration_number: MaybeUndefined<String>,
}

/// The result of changing the ledger settings.
#[derive(SimpleObject)]
pub struct LedgerSettingsPayload {
    /// The settings; `null` when there are errors.
    pub settings: Option<LedgerSettings>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

async fn update_settings(
    tx: &entity::TenantTx,
    actor: Uuid,
    input: &LedgerSettingsInput,
) -> AppResult<Checked<ledger_settings::Model>> {
    use sea_orm::{ActiveValue::Set, IntoActiveModel};
    let current = ledger::lock_books(tx).await?;
    crate::services::access::check_version(current.version, input.expected_version)?;
    let mut p = acc::P::default();
    let today = chrono::Utc::now().date_naive();
    let mut am = current.clone().into_active_model();
    for (path, value, slot) in [
        ("lockDate", &input.lock_date, &mut am.lock_date),
        (
            "softLockDate",
            &input.soft_lock_date,
            &mut am.soft_lock_date,
        ),
    ] {
        match value {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => *slot = Set(None),
            MaybeUndefined::Value(d) if *d > today => p.row(
                path,
                AccountingErrorCode::Invalid,
                "a lock date is not in the future",
            ),
            MaybeUndefined::Value(d) => *slot = Set(Some(*d)),
        }
    }
    if let Some(id) = &input.retained_earnings_account_id
        && let Some(aid) = p
            .reference::<account::Entity>(tx, "retainedEarningsAccountId", Some(id))
            .await?
    {
        match tx.get::<account::Entity>(aid).await? {
            Some(a) if a.account_type != "equity" || a.is_group => p.row(
                "retainedEarningsAccountId",
                AccountingErrorCode::Invalid,
                "a postable equity account",
            ),
            _ => am.retained_earnings_account_id = Set(Some(aid)),
        }
    }
    if let Some(r) = input.tax_rounding {
        am.tax_rounding = Set(r.db().into());
    }
    match &input.registration_number {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => am.registration_number = Set(None),
        MaybeUndefined::Value(n) => {
            let n = n.trim().to_ascii_uppercase();
            if !crate::services::org::valid_invoice_number(&n) {
                p.row(
                    "registrationNumber",
                    AccountingErrorCode::Invalid,
                    "`T` and 13 digits with a valid check digit",
                );
            }
            am.registration_number = Set(Some(n));
        }
    }
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        current.version,
        actor,
    );
    Ok(Ok(tx.update::<ledger_settings::Entity, _>(am).await?))
}

/// What checking the hash chain found.
#[derive(SimpleObject)]
pub struct LedgerVerification {
    /// Whether every posted entry matches its hash and follows the one before.
    pub valid: bool,
    /// How many entries were checked before the first problem (all of them when valid).
    pub checked: i64,
    /// The first entry that does not match.
    pub broken_entry: Option<JournalEntry>,
    /// What is wrong with it.
    pub problem: Option<String>,
}

/// The ledger's queries.
#[derive(Default)]
pub struct LedgerQuery;

#[Object]
impl LedgerQuery {
    /// One journal entry by id. Needs `VIEW_LEDGER`.
    async fn journal_entry(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<JournalEntry>> {
        Ok(crate::graphql::resource::get::<journal_entry::Entity>(ctx, &id).await?)
    }

    /// The tenant's ledger settings. Needs `VIEW_LEDGER`.
    async fn ledger_settings(&self, ctx: &Context<'_>) -> GqlResult<Option<LedgerSettings>> {
        let session = ctx.authorize(Permission::ViewLedger)?;
        let out = session
            .db
            .read(async |tx| Ok(acc::settings_for_read(tx).await.map_err(db_err)?))
            .await?;
        Ok(out.map(LedgerSettings))
    }

    /// Recomputes the hash chain of every posted entry: a changed, removed or reordered entry is
    /// found. Needs `VIEW_LEDGER` and `VIEW_AUDIT_TRAIL`.
    async fn verify_ledger(&self, ctx: &Context<'_>) -> GqlResult<LedgerVerification> {
        let session = ctx.authorize(Permission::ViewLedger)?;
        session.principal.require(Permission::ViewAuditTrail)?;
        let check = session
            .db
            .read(async |tx| ledger::verify_chain(tx).await.map_err(db_err))
            .await?;
        Ok(LedgerVerification {
            valid: check.valid,
            checked: check.checked,
            broken_entry: check.broken_entry.map(JournalEntry),
            problem: check.problem,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Invoices and bills.

/// A line of an invoice.
pub struct InvoiceLine(pub invoice_line::Model);

/// A line of an invoice or bill.
#[Object]
impl InvoiceLine {
    /// 1 for the first line.
    async fn line_no(&self) -> i32 {
        self.0.line_no
    }
    /// What is sold or bought.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The income or expense account.
    async fn account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
        Ok(load_one::<account::Entity>(ctx, Some(self.0.account_id))
            .await?
            .map(Account))
    }
    /// The quantity.
    async fn quantity(&self) -> Decimal {
        Decimal(self.0.quantity)
    }
    /// The unit price, in the invoice's currency.
    async fn unit_price(&self) -> Decimal {
        Decimal(self.0.unit_price)
    }
    /// Quantity times unit price, rounded to the currency (tax included when the rate is).
    async fn amount(&self) -> Decimal {
        Decimal(self.0.amount)
    }
    /// The tax rate.
    async fn tax_rate(&self, ctx: &Context<'_>) -> GqlResult<Option<TaxRate>> {
        Ok(load_one::<tax_rate::Entity>(ctx, self.0.tax_rate_id)
            .await?
            .map(TaxRate))
    }
    /// The tax percent when the line was written.
    async fn tax_percent(&self) -> Option<Decimal> {
        self.0.tax_percent.map(Decimal)
    }
    /// The cost centre.
    async fn cost_centre(&self, ctx: &Context<'_>) -> GqlResult<Option<CostCentre>> {
        Ok(load_one::<cost_centre::Entity>(ctx, self.0.cost_centre_id)
            .await?
            .map(CostCentre))
    }
}

/// One tax rate's totals on a document, as a qualified invoice shows them.
#[derive(SimpleObject)]
pub struct InvoiceTax {
    /// The rate (`null` for lines without tax).
    pub tax_rate: Option<TaxRate>,
    /// The percent.
    pub percent: Decimal,
    /// What is taxed at it, tax excluded.
    pub taxable: Decimal,
    /// The tax, rounded once for the rate.
    pub tax: Decimal,
}

/// A payment or credit note set against an invoice.
pub struct Allocation(pub payment_allocation::Model);

/// Part of a payment or credit note set against an invoice.
#[Object]
impl Allocation {
    /// The invoice settled.
    async fn invoice(&self, ctx: &Context<'_>) -> GqlResult<Option<Invoice>> {
        Ok(load_one::<invoice::Entity>(ctx, Some(self.0.invoice_id))
            .await?
            .map(Invoice))
    }
    /// The payment, when a payment settled it.
    async fn payment(&self, ctx: &Context<'_>) -> GqlResult<Option<Payment>> {
        Ok(load_one::<payment::Entity>(ctx, self.0.payment_id)
            .await?
            .map(Payment))
    }
    /// The credit note, when one settled it.
    async fn credit_note(&self, ctx: &Context<'_>) -> GqlResult<Option<Invoice>> {
        Ok(load_one::<invoice::Entity>(ctx, self.0.credit_note_id)
            .await?
            .map(Invoice))
    }
    /// The date of the settlement.
    async fn date(&self) -> NaiveDate {
        self.0.date
    }
    /// The amount, in the invoice's currency.
    async fn amount(&self) -> Decimal {
        Decimal(self.0.amount)
    }
}

node_object! {
    /// A customer invoice, supplier bill or credit note. Needs `VIEW_INVOICES`.
    Invoice(invoice) {
        /// Customer invoice, supplier bill, or a credit note.
        async fn kind(&self) -> InvoiceKind {
            InvoiceKind::from_db(&self.0.kind)
        }
        /// Gapless per document type, e.g. `INV-2026-000042`; `null` while a draft.
        async fn number(&self) -> Option<&str> {
            self.0.number.as_deref()
        }
        /// The customer or supplier.
        async fn party(&self, ctx: &Context<'_>) -> GqlResult<Option<Party>> {
            Ok(load_one::<party::Entity>(ctx, Some(self.0.party_id)).await?.map(Party))
        }
        /// The invoice date (and the accounting date of its entry).
        async fn issue_date(&self) -> NaiveDate {
            self.0.issue_date
        }
        /// When it is due (from the party's payment terms unless given).
        async fn due_date(&self) -> NaiveDate {
            self.0.due_date
        }
        /// When a supplier bill was received.
        async fn received_on(&self) -> Option<NaiveDate> {
            self.0.received_on
        }
        /// The currency.
        async fn currency(&self) -> &str {
            &self.0.currency
        }
        /// Base currency per unit of the currency.
        async fn exchange_rate(&self) -> Decimal {
            Decimal(self.0.rate)
        }
        /// The supplier's own number for a bill.
        async fn supplier_reference(&self) -> Option<&str> {
            self.0.supplier_reference.as_deref()
        }
        /// The issuer's qualified-invoice registration number (ours on invoices, the
        /// supplier's on bills).
        async fn registration_number(&self) -> Option<&str> {
            self.0.registration_number.as_deref()
        }
        /// Notes.
        async fn notes(&self) -> Option<&str> {
            self.0.notes.as_deref()
        }
        /// Draft, posted, cancelled or reversed.
        async fn status(&self) -> InvoiceState {
            InvoiceState::from_db(&self.0.status)
        }
        /// Unpaid, partial, paid, overdue or reversed (derived; `null` for drafts).
        async fn payment_status(&self) -> Option<PaymentStatus> {
            invoices::payment_status(&self.0, chrono::Utc::now().date_naive())
        }
        /// Tax excluded.
        async fn amount_untaxed(&self) -> Decimal {
            Decimal(self.0.amount_untaxed)
        }
        /// The tax.
        async fn amount_tax(&self) -> Decimal {
            Decimal(self.0.amount_tax)
        }
        /// Tax included.
        async fn amount_total(&self) -> Decimal {
            Decimal(self.0.amount_total)
        }
        /// Paid or credited so far.
        async fn amount_paid(&self) -> Decimal {
            Decimal(self.0.amount_paid)
        }
        /// Still owed.
        async fn amount_due(&self) -> Decimal {
            Decimal(self.0.amount_total - self.0.amount_paid)
        }
        /// When it was posted.
        async fn posted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.posted_at
        }
        /// Its journal entry (posted documents). Needs `VIEW_LEDGER` to read.
        async fn journal_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            if !ctx.session()?.principal.can(Permission::ViewLedger) {
                return Ok(None);
            }
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.entry_id).await?.map(JournalEntry))
        }
        /// The invoice a credit note credits.
        async fn credited_invoice(&self, ctx: &Context<'_>) -> GqlResult<Option<Invoice>> {
            Ok(load_one::<invoice::Entity>(ctx, self.0.credited_invoice_id).await?.map(Invoice))
        }
        /// The lines, in order.
        async fn lines(&self, ctx: &Context<'_>) -> GqlResult<List<InvoiceLine>> {
            Ok(children::<InvoiceLines>(ctx, self.0.id).await?.into_iter().map(InvoiceLine).collect())
        }
        /// The totals per tax rate, each rounded once (the qualified-invoice breakdown).
        async fn taxes(&self, ctx: &Context<'_>) -> GqlResult<List<InvoiceTax>> {
            let lines = children::<InvoiceLines>(ctx, self.0.id).await?;
            let rounding = ctx
                .session()?
                .db
                .read(async |tx| Ok(acc::settings_for_read(tx).await.map_err(db_err)?.map(|s| s.tax_rounding)))
                .await?
                .unwrap_or_else(|| "floor".into());
            let totals = invoices::totals(&lines, &self.0.currency, &rounding);
            let mut out = Vec::new();
            for g in totals.per_rate {
                out.push(InvoiceTax {
                    tax_rate: load_one::<tax_rate::Entity>(ctx, g.tax_rate_id).await?.map(TaxRate),
                    percent: Decimal(g.percent),
                    taxable: Decimal(g.base),
                    tax: Decimal(g.tax),
                });
            }
            Ok(List(out))
        }
        /// The payments and credit notes set against it.
        async fn allocations(&self, ctx: &Context<'_>) -> GqlResult<List<Allocation>> {
            Ok(children::<InvoiceAllocations>(ctx, self.0.id).await?.into_iter().map(Allocation).collect())
        }
    }
}

filter_input! {
    /// Conditions on invoices.
    InvoiceFilter for invoice {
        /// The kind.
        kind: InvoiceKindFilter => Kind,
        /// The number.
        number: TextFilter => Number,
        /// The party.
        party: IdFilter => PartyId ref party::Entity,
        /// The workflow state.
        status: InvoiceStateFilter => Status,
        /// The invoice date.
        issue_date: DateFilter => IssueDate,
        /// The due date.
        due_date: DateFilter => DueDate,
        /// The total.
        amount_total: DecimalFilter => AmountTotal,
        /// The currency.
        currency: TextFilter => Currency,
    }
}

order_field! {
    /// What invoices can be sorted by.
    Invoice for invoice {
        /// The invoice date.
        IssueDate => IssueDate,
        /// The due date.
        DueDate => DueDate,
        /// The total.
        AmountTotal => AmountTotal,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

list_query! {
    entity: invoice::Entity, node: Invoice, many: invoices, what: "invoice",
    needs: [ "`VIEW_INVOICES`" ], query: InvoiceListQuery,
}

/// A line of an invoice input.
#[derive(InputObject)]
pub struct InvoiceLineInput {
    /// What is sold or bought, at most 500 characters.
    pub description: String,
    /// The income (invoice) or expense (bill) account; the sales or purchase journal's default
    /// when left out.
    pub account_id: Option<ID>,
    /// Not zero, at most 4 decimals.
    pub quantity: Decimal,
    /// In the invoice currency, at most 4 decimals (negative for a discount line).
    pub unit_price: Decimal,
    /// A tax rate of the right scope (sales for invoices, purchases for bills).
    pub tax_rate_id: Option<ID>,
    /// The cost centre.
    pub cost_centre_id: Option<ID>,
}

/// An invoice or bill, as written.
#[derive(InputObject)]
pub struct InvoiceInput {
    /// `CUSTOMER_INVOICE` or `SUPPLIER_BILL` (credit notes come from `creditInvoice`).
    pub kind: InvoiceKind,
    /// A customer (invoices) or supplier (bills).
    pub party_id: ID,
    /// The invoice date; also the accounting date.
    pub issue_date: NaiveDate,
    /// The due date (default: issue date plus the party's payment terms, or 30 days).
    pub due_date: Option<NaiveDate>,
    /// When a bill was received (default today).
    pub received_on: Option<NaiveDate>,
    /// The currency (default: the base currency).
    pub currency: Option<String>,
    /// Base currency per unit of the currency (required for another currency).
    pub exchange_rate: Option<Decimal>,
    /// The supplier's own number, at most 100 characters.
    pub supplier_reference: Option<String>,
    /// Notes, at most 2000 characters.
    pub notes: Option<String>,
    /// At least one line, at most 200.
    pub lines: Vec<InvoiceLineInput>,
}

/// A draft's new content.
#[derive(InputObject)]
pub struct UpdateInvoiceInput {
    /// The draft.
    pub id: ID,
    /// The version read; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// Everything it says now (lines are replaced).
    pub invoice: InvoiceInput,
}

/// A credit note for a whole unpaid invoice.
#[derive(InputObject)]
pub struct CreditInvoiceInput {
    /// The posted invoice or bill.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// The credit note's date (default today).
    pub date: Option<NaiveDate>,
    /// Why, at most 2000 characters.
    pub reason: Option<String>,
}

/// The result of an invoice mutation.
#[derive(SimpleObject)]
pub struct InvoicePayload {
    /// The invoice (for `creditInvoice`, the credit note); `null` when there are errors.
    pub invoice: Option<Invoice>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

fn invoice_payload(
    out: (Option<invoice::Model>, Vec<InputError<AccountingErrorCode>>),
) -> InvoicePayload {
    InvoicePayload {
        invoice: out.0.map(Invoice),
        errors: List(out.1),
    }
}

/// Invoice mutations.
#[derive(Default)]
pub struct InvoiceMutation;

#[Object]
impl InvoiceMutation {
    /// Writes a draft invoice or bill. Needs `MANAGE_INVOICES`.
    async fn create_invoice(
        &self,
        ctx: &Context<'_>,
        input: InvoiceInput,
    ) -> GqlResult<InvoicePayload> {
        let session = ctx.authorize(Permission::ManageInvoices)?;
        let tx = session.begin_write(ctx).await?;
        let out = invoices::create(&tx, Some(session.principal.actor_id), &input).await?;
        Ok(invoice_payload(settle(tx, out).await?))
    }

    /// Replaces a draft's content. Needs `MANAGE_INVOICES`.
    async fn update_invoice(
        &self,
        ctx: &Context<'_>,
        input: UpdateInvoiceInput,
    ) -> GqlResult<InvoicePayload> {
        let session = ctx.authorize(Permission::ManageInvoices)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<invoice::Entity>(&input.id) {
            None => not_found("id", "invoice"),
            Some(id) => {
                invoices::update(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    &input.invoice,
                )
                .await?
            }
        };
        Ok(invoice_payload(settle(tx, out).await?))
    }

    /// Posts a draft: numbers it and posts its journal entry (receivable or payable against
    /// income or expense and tax per rate). Ledger checks apply (`PERIOD_LOCKED`, ...). Needs
    /// `MANAGE_INVOICES`.
    async fn post_invoice(
        &self,
        ctx: &Context<'_>,
        input: JournalEntryTransitionInput,
    ) -> GqlResult<InvoicePayload> {
        let session = ctx.authorize(Permission::ManageInvoices)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<invoice::Entity>(&input.id) {
            None => not_found("id", "invoice"),
            Some(id) => {
                invoices::post(
                    &tx,
                    Some(session.principal.actor_id),
                    id,
                    Some(input.expected_version),
                    finance_manager(ctx),
                )
                .await?
            }
        };
        Ok(invoice_payload(settle(tx, out).await?))
    }

    /// Cancels a draft. Needs `MANAGE_INVOICES`.
    async fn cancel_invoice(
        &self,
        ctx: &Context<'_>,
        input: JournalEntryTransitionInput,
    ) -> GqlResult<InvoicePayload> {
        let session = ctx.authorize(Permission::ManageInvoices)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<invoice::Entity>(&input.id) {
            None => not_found("id", "invoice"),
            Some(id) => {
                invoices::cancel(&tx, session.principal.actor_id, id, input.expected_version)
                    .await?
            }
        };
        Ok(invoice_payload(settle(tx, out).await?))
    }

    /// Credits a whole unpaid posted invoice or bill with a posted credit note, which settles it
    /// (`REVERSED`). Returns the credit note. Needs `MANAGE_INVOICES`.
    async fn credit_invoice(
        &self,
        ctx: &Context<'_>,
        input: CreditInvoiceInput,
    ) -> GqlResult<InvoicePayload> {
        let session = ctx.authorize(Permission::ManageInvoices)?;
        let tx = session.begin_write(ctx).await?;
        let mut problems = Vec::new();
        let reason = text(input.reason.as_deref(), 2000, "reason", &mut problems);
        let out = match GlobalId::decode_for::<invoice::Entity>(&input.id) {
            None => not_found("id", "invoice"),
            Some(_) if !problems.is_empty() => Err(problems),
            Some(id) => {
                let date = input
                    .date
                    .unwrap_or_else(|| chrono::Utc::now().date_naive());
                invoices::credit(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    date,
                    reason,
                    finance_manager(ctx),
                )
                .await?
            }
        };
        Ok(invoice_payload(settle(tx, out).await?))
    }
}

/// Accounting queries for one record of the document types.
#[derive(Default)]
pub struct DocumentQuery;

/// One currency's totals of a kind of posted document (`invoiceTotals`).
#[derive(SimpleObject)]
pub struct InvoiceTotals {
    /// ISO 4217 code.
    pub currency: String,
    /// How many documents.
    pub documents: i64,
    /// Sum of the lines' quantity times unit price, net of tax.
    pub untaxed: Decimal,
    /// Sum of the consumption tax.
    pub tax: Decimal,
    /// Sum of the totals (untaxed plus tax).
    pub total: Decimal,
    /// Sum of what payments and credit notes settled.
    pub paid: Decimal,
}

#[Object]
impl DocumentQuery {
    /// One invoice, bill or credit note by id. Needs `VIEW_INVOICES`.
    async fn invoice(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Invoice>> {
        Ok(crate::graphql::resource::get::<invoice::Entity>(ctx, &id).await?)
    }
    /// Totals of the posted documents of one kind (credited ones included), per currency, over
    /// an optional range of issue dates: how much was invoiced, taxed and settled. Read from the
    /// totals each document stores when posted, so it costs one index range, not every line.
    /// Needs `VIEW_INVOICES`.
    async fn invoice_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default_with = "InvoiceKind::CustomerInvoice",
            desc = "Which documents (customer invoices by default)."
        )]
        kind: InvoiceKind,
        #[graphql(desc = "First issue date counted; open when absent.")] from: Option<NaiveDate>,
        #[graphql(desc = "Last issue date counted; open when absent.")] to: Option<NaiveDate>,
    ) -> GqlResult<Vec<InvoiceTotals>> {
        let session = ctx.authorize(Permission::ViewInvoices)?;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(AppError::BadRequest("`to` is before `from`".into()).into());
        }
        let rows = session
            .db
            .read(async |tx| {
                invoices::document_totals(tx, crate::graphql::listing::DbEnum::db(kind), from, to)
                    .await
                    .map_err(db_err)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let money = |d: Option<rust_decimal::Decimal>| {
                    Decimal(acc::shown_money(d.unwrap_or_default(), &r.currency))
                };
                InvoiceTotals {
                    documents: r.documents,
                    untaxed: money(r.untaxed),
                    tax: money(r.tax),
                    total: money(r.total),
                    paid: money(r.paid),
                    currency: r.currency,
                }
            })
            .collect())
    }
    /// One payment by id. Needs `VIEW_PAYMENTS`.
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Payment>> {
        Ok(crate::graphql::resource::get::<payment::Entity>(ctx, &id).await?)
    }
    /// One bank transaction by id. Needs `VIEW_PAYMENTS`.
    async fn bank_transaction(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> GqlResult<Option<BankTransaction>> {
        Ok(crate::graphql::resource::get::<bank_transaction::Entity>(ctx, &id).await?)
    }
}

// ---------------------------------------------------------------------------------------------
// Payments and bank statements.

node_object! {
    /// A payment received from a customer or made to a supplier; posted when recorded. Needs
    /// `VIEW_PAYMENTS`.
    Payment(payment) {
        /// In or out.
        async fn kind(&self) -> PaymentKind {
            PaymentKind::from_db(&self.0.kind)
        }
        /// Gapless, e.g. `PAY-2026-000007`.
        async fn number(&self) -> &str {
            &self.0.number
        }
        /// The customer or supplier.
        async fn party(&self, ctx: &Context<'_>) -> GqlResult<Option<Party>> {
            Ok(load_one::<party::Entity>(ctx, Some(self.0.party_id)).await?.map(Party))
        }
        /// The bank or cash journal.
        async fn journal(&self, ctx: &Context<'_>) -> GqlResult<Option<Journal>> {
            Ok(load_one::<journal::Entity>(ctx, Some(self.0.journal_id)).await?.map(Journal))
        }
        /// The date.
        async fn date(&self) -> NaiveDate {
            self.0.date
        }
        /// The amount.
        async fn amount(&self) -> Decimal {
            Decimal(self.0.amount)
        }
        /// The currency.
        async fn currency(&self) -> &str {
            &self.0.currency
        }
        /// Base currency per unit of the currency.
        async fn exchange_rate(&self) -> Decimal {
            Decimal(self.0.rate)
        }
        /// The bank's reference.
        async fn reference(&self) -> Option<&str> {
            self.0.reference.as_deref()
        }
        /// Set against invoices so far.
        async fn amount_allocated(&self) -> Decimal {
            Decimal(self.0.amount_allocated)
        }
        /// Not yet set against any invoice.
        async fn amount_unallocated(&self) -> Decimal {
            Decimal(self.0.amount - self.0.amount_allocated)
        }
        /// Its journal entry. Needs `VIEW_LEDGER` to read.
        async fn journal_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            if !ctx.session()?.principal.can(Permission::ViewLedger) {
                return Ok(None);
            }
            Ok(load_one::<journal_entry::Entity>(ctx, Some(self.0.entry_id)).await?.map(JournalEntry))
        }
        /// The invoices it settles.
        async fn allocations(&self, ctx: &Context<'_>) -> GqlResult<List<Allocation>> {
            Ok(children::<PaymentAllocations>(ctx, self.0.id).await?.into_iter().map(Allocation).collect())
        }
    }
}

filter_input! {
    /// Conditions on payments.
    PaymentFilter for payment {
        /// In or out.
        kind: PaymentKindFilter => Kind,
        /// The number.
        number: TextFilter => Number,
        /// The party.
        party: IdFilter => PartyId ref party::Entity,
        /// The journal.
        journal: IdFilter => JournalId ref journal::Entity,
        /// The date.
        date: DateFilter => Date,
        /// The amount.
        amount: DecimalFilter => Amount,
    }
}

order_field! {
    /// What payments can be sorted by.
    Payment for payment {
        /// The date.
        Date => Date,
        /// The amount.
        Amount => Amount,
        /// The number.
        Number => Number,
    }
}

list_query! {
    entity: payment::Entity, node: Payment, many: payments, what: "payment",
    needs: [ "`VIEW_PAYMENTS`" ], query: PaymentListQuery,
}

node_object! {
    /// A line of an imported bank statement. Needs `VIEW_PAYMENTS`.
    BankTransaction(bank_transaction) {
        /// The bank journal.
        async fn journal(&self, ctx: &Context<'_>) -> GqlResult<Option<Journal>> {
            Ok(load_one::<journal::Entity>(ctx, Some(self.0.journal_id)).await?.map(Journal))
        }
        /// The booking date.
        async fn date(&self) -> NaiveDate {
            self.0.date
        }
        /// Signed: money in is positive.
        async fn amount(&self) -> Decimal {
            Decimal(self.0.amount)
        }
        /// The bank's text.
        async fn description(&self) -> &str {
            &self.0.description
        }
        /// The bank's reference.
        async fn reference(&self) -> Option<&str> {
            self.0.reference.as_deref()
        }
        /// The payment it was reconciled with.
        async fn payment(&self, ctx: &Context<'_>) -> GqlResult<Option<Payment>> {
            Ok(load_one::<payment::Entity>(ctx, self.0.payment_id).await?.map(Payment))
        }
        /// When it was reconciled.
        async fn reconciled_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.reconciled_at
        }
        /// Payments it could be (same account and amount, not reconciled), nearest date first;
        /// empty once reconciled.
        async fn candidates(&self, ctx: &Context<'_>) -> GqlResult<List<Payment>> {
            if self.0.payment_id.is_some() {
                return Ok(List::default());
            }
            let row = self.0.clone();
            let found = ctx.session()?.db.read(async |tx| payments::candidates(tx, &row).await.map_err(db_err)).await?;
            Ok(found.into_iter().map(Payment).collect())
        }
    }
}

filter_input! {
    /// Conditions on bank transactions.
    BankTransactionFilter for bank_transaction {
        /// The journal.
        journal: IdFilter => JournalId ref journal::Entity,
        /// The date.
        date: DateFilter => Date,
        /// The amount.
        amount: DecimalFilter => Amount,
        /// The description.
        description: TextFilter => Description,
        /// The payment.
        payment: IdFilter => PaymentId ref payment::Entity,
    }
}

order_field! {
    /// What bank transactions can be sorted by.
    BankTransaction for bank_transaction {
        /// The date.
        Date => Date,
        /// The amount.
        Amount => Amount,
    }
}

list_query! {
    entity: bank_transaction::Entity, node: BankTransaction, many: bank_transactions,
    what: "bank transaction", needs: [ "`VIEW_PAYMENTS`" ], query: BankTransactionListQuery,
}

/// An amount to set against an invoice.
#[derive(InputObject)]
pub struct AllocationInput {
    /// The posted invoice (receipts) or bill (payments) of the same party and currency.
    pub invoice_id: ID,
    /// At most what it still owes.
    pub amount: Decimal,
}

/// A payment to record.
#[derive(InputObject)]
pub struct RecordPaymentInput {
    /// In (from a customer) or out (to a supplier).
    pub kind: PaymentKind,
    /// The party.
    pub party_id: ID,
    /// A bank or cash journal (default: the first bank journal).
    pub journal_id: Option<ID>,
    /// The date.
    pub date: NaiveDate,
    /// More than zero.
    pub amount: Decimal,
    /// The currency (default: the base currency).
    pub currency: Option<String>,
    /// Base currency per unit of the currency (required for another currency).
    pub exchange_rate: Option<Decimal>,
    /// The bank's reference, at most 200 characters.
    pub reference: Option<String>,
    /// Invoices it settles; what is left stays unallocated.
    pub allocations: Option<Vec<AllocationInput>>,
}

/// More of a payment to set against invoices.
#[derive(InputObject)]
pub struct AllocatePaymentInput {
    /// The payment.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// The invoices and amounts.
    pub allocations: Vec<AllocationInput>,
}

/// The result of a payment mutation.
#[derive(SimpleObject)]
pub struct PaymentPayload {
    /// The payment; `null` when there are errors.
    pub payment: Option<Payment>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

/// A bank statement to import.
#[derive(InputObject)]
pub struct ImportBankStatementInput {
    /// The bank journal.
    pub journal_id: ID,
    /// CSV with a header naming `date` (YYYY-MM-DD), `amount` (signed), `description` and
    /// optionally `reference`; at most 5,000 lines.
    pub csv: String,
}

/// The result of an import.
#[derive(SimpleObject)]
pub struct ImportBankStatementPayload {
    /// The new transactions.
    pub imported: crate::graphql::list::List<BankTransaction>,
    /// Lines imported before, skipped.
    pub skipped: i32,
    /// What was wrong (`csv.N` is line N); nothing was imported when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

/// A reconciliation.
#[derive(InputObject)]
pub struct ReconcileBankTransactionInput {
    /// The bank transaction.
    pub id: ID,
    /// The payment it records (same journal, same signed amount).
    pub payment_id: ID,
}

/// The result of a reconciliation.
#[derive(SimpleObject)]
pub struct BankTransactionPayload {
    /// The transaction; `null` when there are errors.
    pub bank_transaction: Option<BankTransaction>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

fn allocations_in(
    list: &[AllocationInput],
    problems: &mut Vec<InputError<AccountingErrorCode>>,
) -> Vec<(usize, Uuid, rust_decimal::Decimal)> {
    list.iter()
        .enumerate()
        .filter_map(|(i, a)| {
            id_of::<invoice::Entity>(
                Some(&a.invoice_id),
                &format!("allocations.{i}.invoiceId"),
                problems,
            )
            .map(|id| (i, id, a.amount.0))
        })
        .collect()
}

/// Payment and bank mutations.
#[derive(Default)]
pub struct PaymentMutation;

#[Object]
impl PaymentMutation {
    /// Records and posts a payment, settling the invoices given (`OVERPAYMENT` beyond what one
    /// owes, `OVER_ALLOCATED` beyond the payment). Needs `MANAGE_PAYMENTS`.
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        input: RecordPaymentInput,
    ) -> GqlResult<PaymentPayload> {
        let session = ctx.authorize(Permission::ManagePayments)?;
        let tx = session.begin_write(ctx).await?;
        let mut problems = Vec::new();
        let party = id_of::<party::Entity>(Some(&input.party_id), "partyId", &mut problems);
        let journal = match &input.journal_id {
            Some(id) => id_of::<journal::Entity>(Some(id), "journalId", &mut problems),
            None => acc::chart::journal_of_type(&tx, "bank")
                .await?
                .map(|j| j.id),
        };
        let allocations = allocations_in(
            input.allocations.as_deref().unwrap_or_default(),
            &mut problems,
        );
        let out = if !problems.is_empty() {
            Err(problems)
        } else {
            let new = payments::NewPayment {
                inbound: input.kind == PaymentKind::Inbound,
                party: party.unwrap_or_default(),
                journal: journal.unwrap_or_default(),
                date: input.date,
                amount: input.amount.0,
                currency: input.currency.clone(),
                rate: input.exchange_rate.map(|r| r.0),
                reference: input.reference.clone(),
                allocations,
            };
            payments::record(&tx, session.principal.actor_id, &new, finance_manager(ctx)).await?
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(PaymentPayload {
            payment: row.map(Payment),
            errors: List(errors),
        })
    }

    /// Sets more of a payment's unallocated amount against invoices. Needs `MANAGE_PAYMENTS`.
    async fn allocate_payment(
        &self,
        ctx: &Context<'_>,
        input: AllocatePaymentInput,
    ) -> GqlResult<PaymentPayload> {
        let session = ctx.authorize(Permission::ManagePayments)?;
        let tx = session.begin_write(ctx).await?;
        let mut problems = Vec::new();
        let allocations = allocations_in(&input.allocations, &mut problems);
        let out = match GlobalId::decode_for::<payment::Entity>(&input.id) {
            None => not_found("id", "payment"),
            Some(_) if !problems.is_empty() => Err(problems),
            Some(id) => {
                payments::allocate(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    &allocations,
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(PaymentPayload {
            payment: row.map(Payment),
            errors: List(errors),
        })
    }

    /// Imports a bank statement as CSV; lines imported before are skipped, and any bad line
    /// refuses the file. Needs `MANAGE_PAYMENTS`.
    async fn import_bank_statement(
        &self,
        ctx: &Context<'_>,
        input: ImportBankStatementInput,
    ) -> GqlResult<ImportBankStatementPayload> {
        let session = ctx.authorize(Permission::ManagePayments)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<journal::Entity>(&input.journal_id) {
            None => not_found("journalId", "journal"),
            Some(id) => payments::import(&tx, session.principal.actor_id, id, &input.csv).await?,
        };
        let (done, errors) = settle(tx, out).await?;
        let (imported, skipped) = done.map(|d| (d.imported, d.skipped)).unwrap_or_default();
        Ok(ImportBankStatementPayload {
            imported: imported.into_iter().map(BankTransaction).collect(),
            skipped,
            errors: List(errors),
        })
    }

    /// Reconciles a bank transaction with its payment (`AMOUNT_MISMATCH`,
    /// `ALREADY_RECONCILED`). Needs `MANAGE_PAYMENTS`.
    async fn reconcile_bank_transaction(
        &self,
        ctx: &Context<'_>,
        input: ReconcileBankTransactionInput,
    ) -> GqlResult<BankTransactionPayload> {
        let session = ctx.authorize(Permission::ManagePayments)?;
        let tx = session.begin_write(ctx).await?;
        let out = match (
            GlobalId::decode_for::<bank_transaction::Entity>(&input.id),
            GlobalId::decode_for::<payment::Entity>(&input.payment_id),
        ) {
            (None, _) => not_found("id", "bank transaction"),
            (_, None) => not_found("paymentId", "payment"),
            (Some(id), Some(pid)) => {
                payments::reconcile(&tx, session.principal.actor_id, id, pid).await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(BankTransactionPayload {
            bank_transaction: row.map(BankTransaction),
            errors: List(errors),
        })
    }

    /// Reconciles every unreconciled transaction of a bank journal that matches exactly one
    /// payment; returns how many. Needs `MANAGE_PAYMENTS`.
    async fn auto_reconcile_bank_transactions(
        &self,
        ctx: &Context<'_>,
        journal_id: ID,
    ) -> GqlResult<i32> {
        let session = ctx.authorize(Permission::ManagePayments)?;
        let Some(id) = GlobalId::decode_for::<journal::Entity>(&journal_id) else {
            return Err(AppError::NotFound("Journal").into());
        };
        let tx = session.begin_write(ctx).await?;
        let n = payments::auto_reconcile(&tx, session.principal.actor_id, id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(n)
    }
}

/// Every accounting query.
#[derive(async_graphql::MergedObject, Default)]
pub struct AccountingQuery(
    AccountQuery,
    JournalQuery,
    TaxRateQuery,
    FiscalYearQuery,
    JournalEntryListQuery,
    InvoiceListQuery,
    PaymentListQuery,
    BankTransactionListQuery,
    LedgerQuery,
    DocumentQuery,
    crate::graphql::reports::ReportQuery,
    crate::graphql::budgets::BudgetQuery,
    crate::graphql::budgets::BudgetReportQuery,
    crate::graphql::assets::AssetsQuery,
    crate::graphql::expenses::ExpenseClaimListQuery,
    crate::graphql::expenses::ExpenseClaimOneQuery,
);

/// Every accounting mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct AccountingMutation(
    AccountMutation,
    JournalMutation,
    TaxRateMutation,
    FiscalYearMutation,
    LedgerMutation,
    InvoiceMutation,
    PaymentMutation,
    crate::graphql::budgets::BudgetMutation,
    crate::graphql::assets::AssetsMutation,
    crate::graphql::expenses::ExpenseClaimMutation,
);
