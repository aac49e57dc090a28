//! Accounting: the double-entry ledger and what feeds it.
//!
//! - `chart` — accounts, journals, tax rates, fiscal years (their validation) and the default
//!   books every new tenant starts with;
//! - `ledger` — journal entries: drafting, posting (every invariant checked in the poster's
//!   transaction), the per-tenant hash chain, reversals and the year-end close;
//! - `invoices` — customer invoices, supplier bills and credit notes, with consumption tax
//!   rounded once per rate per document;
//! - `payments` — payments, their allocations, bank statements and reconciliation;
//! - `reports` — the statements and KPIs, aggregated in SQL.
//!
//! Money is `Decimal` with its currency; the ledger's debits and credits are in the tenant's base
//! currency, with each line's document-currency amount and rate beside them.

pub mod assets;
pub mod budgets;
pub mod chart;
pub mod demo;
pub mod expenses;
pub mod invoices;
pub mod ledger;
pub mod payments;
pub mod reports;

use entity::TenantTx;
use entity::accounting::ledger_settings;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{AppResult, InputError};
use crate::graphql::resource::Problems;

crate::error_codes! {
    /// What can be wrong with an accounting input.
    AccountingErrorCode {
        /// The debits and credits of an entry differ in the base currency.
        UnbalancedEntry,
        /// The date is on or before a lock date, or in a closed fiscal year.
        PeriodLocked,
        /// No fiscal year covers the date.
        NoFiscalYear,
        /// The account is a group, frozen or deprecated and takes no postings.
        AccountNotPostable,
        /// Receivable and payable lines need a party.
        PartyRequired,
        /// A line is not exactly one non-negative debit or credit.
        InvalidLine,
        /// Only a draft can be changed, posted or discarded.
        NotDraft,
        /// Only a posted document can be paid, credited or reversed.
        NotPosted,
        /// The entry or invoice was reversed or credited already.
        AlreadyReversed,
        /// The allocation is more than the invoice still owes.
        Overpayment,
        /// The allocations are more than the payment's unallocated amount.
        OverAllocated,
        /// The currencies of the documents differ.
        CurrencyMismatch,
        /// The documents belong to different parties, or the party has the wrong role.
        PartyMismatch,
        /// The record is used by posted documents and cannot change that way.
        InUse,
        /// The period overlaps another fiscal year.
        Overlap,
        /// The amounts do not match.
        AmountMismatch,
        /// The bank transaction or payment is reconciled already.
        AlreadyReconciled,
        /// The entry would take an account beyond its `STOP` budget.
        BudgetExceeded,
        /// The transition is not allowed from the document's current state.
        IllegalTransition,
    }
}

/// A service's answer: the result, or the problems with the input (nothing was changed).
pub type Checked<T> = Result<T, Vec<InputError<AccountingErrorCode>>>;

pub(crate) type P = Problems<AccountingErrorCode>;

/// The problems as a `Checked` failure.
pub(crate) fn refuse<T>(
    path: &str,
    code: AccountingErrorCode,
    message: impl Into<String>,
) -> Checked<T> {
    Err(vec![InputError::new(path, code, message)])
}

/// Digits after the decimal point of a currency's minor unit (ISO 4217): none for the yen and
/// its neighbours, two elsewhere.
pub fn currency_decimals(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
        _ => 2,
    }
}

/// An aggregated amount as it is shown: summed in SQL (on SQLite through `f64`, hence exact only
/// to the cent), written with exactly its currency's decimals.
pub fn shown_money(amount: Decimal, currency: &str) -> Decimal {
    let mut d = amount.round_dp(2);
    d.rescale(currency_decimals(currency));
    d
}

/// Rounds an amount to its currency's minor unit, half away from zero.
pub fn round_money(amount: Decimal, currency: &str) -> Decimal {
    amount.round_dp_with_strategy(
        currency_decimals(currency),
        RoundingStrategy::MidpointAwayFromZero,
    )
}

/// A three-letter currency code, upper-cased; a problem when it is not one.
pub(crate) fn currency_code(p: &mut P, path: &str, value: &str) -> String {
    let c = value.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        p.row(
            path,
            AccountingErrorCode::Invalid,
            "a three-letter ISO 4217 code, e.g. JPY",
        );
    }
    c
}

/// Checks an amount's precision against its currency (no fractions of a yen).
pub(crate) fn money_in(p: &mut P, path: &str, amount: Decimal, currency: &str) {
    if amount.normalize().scale() > currency_decimals(currency) {
        p.row(
            path,
            AccountingErrorCode::Invalid,
            format!(
                "{currency} amounts have at most {} decimals",
                currency_decimals(currency)
            ),
        );
    } else if amount.abs() >= Decimal::from(10_000_000_000_000_000i64) {
        p.row(
            path,
            AccountingErrorCode::Invalid,
            "at most 16 digits before the point",
        );
    }
}

/// The tenant's ledger settings, creating the default books first when the tenant has none
/// (a tenant created before accounting existed).
pub async fn settings(tx: &TenantTx) -> AppResult<ledger_settings::Model> {
    if let Some(s) = tx.one(tx.select::<ledger_settings::Entity>()).await? {
        return Ok(s);
    }
    chart::seed_defaults(tx).await?;
    tx.one(tx.select::<ledger_settings::Entity>())
        .await?
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("no ledger settings")))
}

/// The settings for reading: the stored row, or the defaults a new tenant would get.
pub async fn settings_for_read(tx: &TenantTx) -> AppResult<Option<ledger_settings::Model>> {
    Ok(tx.one(tx.select::<ledger_settings::Entity>()).await?)
}

/// The tenant's base currency (the ledger's).
pub async fn base_currency(tx: &TenantTx) -> AppResult<String> {
    Ok(
        entity::platform::find_tenant(tx.connection(), tx.tenant().uuid())
            .await?
            .map(|t| t.base_currency)
            .unwrap_or_else(|| "JPY".into()),
    )
}
