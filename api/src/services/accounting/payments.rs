//! Payments in and out, their allocation to invoices, bank statements imported as CSV and their
//! reconciliation with payments.
//!
//! Invariants:
//! - a payment is posted when recorded (bank or cash account against the party's receivable or
//!   payable), through the ledger's checks;
//! - allocations never exceed what an invoice owes nor what the payment has left;
//! - a bank transaction is reconciled with at most one payment of the same account and the same
//!   signed amount, and a payment with at most one transaction;
//! - importing the same statement twice adds nothing (each line has a digest).

use chrono::{NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::{bank_transaction, journal, payment};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ledger::{self, EntryIn, LineIn};
use super::{AccountingErrorCode as E, Checked, P, refuse};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::accounting::{
    BankTransaction, BankTransactionFilter, BankTransactionOrder, Payment, PaymentFilter,
    PaymentOrder,
};
use crate::graphql::resource::{Resource, stamp_new};
use crate::services::numbering::{self, DocumentType};

impl Resource for payment::Entity {
    type Node = Payment;
    type Filter = PaymentFilter;
    type Order = PaymentOrder;
    const VIEW: Permission = Permission::ViewPayments;
}

impl Resource for bank_transaction::Entity {
    type Node = BankTransaction;
    type Filter = BankTransactionFilter;
    type Order = BankTransactionOrder;
    const VIEW: Permission = Permission::ViewPayments;
}

/// A payment to record.
pub struct NewPayment {
    /// Money in (from a customer) or out (to a supplier).
    pub inbound: bool,
    /// The party.
    pub party: Uuid,
    /// The bank or cash journal.
    pub journal: Uuid,
    /// The date.
    pub date: NaiveDate,
    /// The amount, in `currency`.
    pub amount: Decimal,
    /// The currency (the base currency when `None`).
    pub currency: Option<String>,
    /// Base currency per unit of `currency`.
    pub rate: Option<Decimal>,
    /// The bank's reference.
    pub reference: Option<String>,
    /// Invoices it settles, with amounts (index in the input, invoice, amount).
    pub allocations: Vec<(usize, Uuid, Decimal)>,
}

/// Finds a live bank or cash journal with its account.
async fn money_journal(
    tx: &TenantTx,
    id: Uuid,
    p: &mut P,
    path: &str,
) -> AppResult<Option<(journal::Model, Uuid)>> {
    match tx.get::<journal::Entity>(id).await? {
        Some(j) if j.archived_at.is_some() => p.row(path, E::Archived, "the journal is archived"),
        Some(j) if !matches!(j.journal_type.as_str(), "bank" | "cash") => p.row(
            path,
            E::Invalid,
            "payments go through a bank or cash journal",
        ),
        Some(j) => match j.default_account_id {
            Some(a) => return Ok(Some((j, a))),
            None => p.row(path, E::Invalid, "the journal has no account"),
        },
        None => p.row(path, E::NotFound, "no such journal"),
    }
    Ok(None)
}

/// Records and posts a payment, allocating it as asked.
pub async fn record(
    tx: &TenantTx,
    actor: Uuid,
    input: &NewPayment,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<payment::Model>> {
    let mut p = P::default();
    let base = super::base_currency(tx).await?;
    let currency = match &input.currency {
        Some(c) => super::currency_code(&mut p, "currency", c),
        None => base.clone(),
    };
    if input.amount <= Decimal::ZERO {
        p.row("amount", E::Invalid, "must be more than zero");
    }
    super::money_in(&mut p, "amount", input.amount, &currency);
    let rate = if currency == base {
        Decimal::ONE
    } else {
        match input.rate {
            Some(r) if r > Decimal::ZERO => r,
            _ => {
                p.row(
                    "exchangeRate",
                    E::Required,
                    format!("a positive rate: how many {base} one {currency} is"),
                );
                Decimal::ONE
            }
        }
    };
    match tx.get::<entity::org::party::Entity>(input.party).await? {
        Some(pt) if pt.archived_at.is_some() => {
            p.row("partyId", E::Archived, "the party is archived")
        }
        Some(_) => {}
        None => p.row("partyId", E::NotFound, "no such party"),
    }
    let money = money_journal(tx, input.journal, &mut p, "journalId").await?;
    let reference = p.optional_text("reference", input.reference.as_deref(), 200);
    let party_account = super::chart::account_with_role(
        tx,
        if input.inbound {
            "receivable"
        } else {
            "payable"
        },
    )
    .await?;
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    let (Some((journal, bank_account)), Some(party_account)) = (money, party_account) else {
        return Ok(refuse(
            "",
            E::NotFound,
            "the chart has no receivable or payable account",
        ));
    };
    let id = Uuid::now_v7();
    let requested: Decimal = input.allocations.iter().map(|(_, _, a)| *a).sum();
    if requested > input.amount {
        return Ok(refuse(
            "allocations",
            E::OverAllocated,
            format!(
                "the allocations add up to {requested}, more than the payment's {}",
                input.amount
            ),
        ));
    }
    let number = numbering::allocate(tx, DocumentType::Payment, input.date).await?;
    let base_amount = super::round_money(input.amount * rate, &base);
    let mut bank = LineIn::new(bank_account, base_amount, Decimal::ZERO);
    let mut other = LineIn::new(party_account.id, Decimal::ZERO, base_amount);
    if !input.inbound {
        std::mem::swap(&mut bank.debit, &mut bank.credit);
        std::mem::swap(&mut other.debit, &mut other.credit);
    }
    other.party = Some(input.party);
    for l in [&mut bank, &mut other] {
        l.description = Some(number.clone());
        if currency != base {
            l.currency = Some(currency.clone());
            l.amount_currency = Some(input.amount);
        }
    }
    let entry = EntryIn {
        journal: journal.id,
        date: input.date,
        kind: "payment",
        reference: reference.clone().or(Some(number.clone())),
        narration: Some(format!("Payment {number}")),
        lines: vec![bank, other],
        reversal_of: None,
        source: Some(("Payment", id)),
        closing: false,
    };
    let posted = match ledger::record(tx, Some(actor), &entry, may_pass_soft_lock).await? {
        Ok(e) => e,
        Err(e) => return Ok(Err(e)),
    };
    let mut am = payment::ActiveModel {
        kind: Set(if input.inbound { "inbound" } else { "outbound" }.into()),
        number: Set(number),
        party_id: Set(input.party),
        journal_id: Set(journal.id),
        date: Set(input.date),
        amount: Set(input.amount),
        currency: Set(currency),
        rate: Set(rate),
        reference: Set(reference),
        entry_id: Set(posted.id),
        amount_allocated: Set(requested),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<payment::Entity>(&mut am, Some(actor))?;
    am.id = Set(id);
    let row = tx.insert::<payment::Entity, _>(am).await?;
    // The allocations refer to the payment, so they come after it; a problem with any of them
    // drops the whole transaction, payment and entry included.
    super::invoices::allocate(
        tx,
        actor,
        input.party,
        &row.currency,
        input.inbound,
        id,
        input.date,
        &input.allocations,
        &mut p,
    )
    .await?;
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    Ok(Ok(row))
}

/// Allocates more of a payment's unallocated amount.
pub async fn allocate(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    allocations: &[(usize, Uuid, Decimal)],
) -> AppResult<Checked<payment::Model>> {
    let Some(pay) = tx.get_for_update::<payment::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such payment"));
    };
    crate::services::access::check_version(pay.version, expected_version)?;
    let mut p = P::default();
    if allocations.is_empty() {
        p.row("allocations", E::Required, "at least one invoice");
    }
    let added = super::invoices::allocate(
        tx,
        actor,
        pay.party_id,
        &pay.currency,
        pay.kind == "inbound",
        pay.id,
        pay.date,
        allocations,
        &mut p,
    )
    .await?;
    if pay.amount_allocated + added > pay.amount {
        p.row(
            "allocations",
            E::OverAllocated,
            format!(
                "the payment has {} unallocated",
                pay.amount - pay.amount_allocated
            ),
        );
    }
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    let mut am = pay.clone().into_active_model();
    am.amount_allocated = Set(pay.amount_allocated + added);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        pay.version,
        actor,
    );
    Ok(Ok(tx
        .update_as::<payment::Entity, _>(am, "allocated")
        .await?))
}

/// Splits one CSV record into fields (RFC 4180: quoted fields, doubled quotes).
fn fields(line: &str) -> Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.trim().is_empty() && !was_quoted => {
                cur.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                out.push(std::mem::take(&mut cur).trim().to_owned());
                was_quoted = false;
            }
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed");
    }
    out.push(cur.trim().to_owned());
    Ok(out)
}

/// What an import did.
pub struct Imported {
    /// The new transactions.
    pub imported: Vec<bank_transaction::Model>,
    /// Lines already imported before (skipped).
    pub skipped: i32,
}

/// Imports a bank statement: CSV with a header naming `date` (YYYY-MM-DD), `amount` (signed:
/// money in is positive), `description` and optionally `reference`. Any bad line refuses the
/// whole file; lines imported before are skipped.
pub async fn import(
    tx: &TenantTx,
    actor: Uuid,
    journal_id: Uuid,
    csv: &str,
) -> AppResult<Checked<Imported>> {
    let mut p = P::default();
    let Some((journal, _)) = money_journal(tx, journal_id, &mut p, "journalId").await? else {
        return Ok(Err(p.into_errors()));
    };
    let base = super::base_currency(tx).await?;
    let mut lines = csv
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(refuse("csv", E::Required, "the statement is empty"));
    };
    let header: Vec<String> = fields(header.trim_start_matches('\u{feff}'))
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(c_date), Some(c_amount), Some(c_desc)) =
        (col("date"), col("amount"), col("description"))
    else {
        return Ok(refuse(
            "csv",
            E::Invalid,
            "the header must name date, amount and description (and optionally reference)",
        ));
    };
    let c_ref = col("reference");
    let mut rows = Vec::new();
    let mut seen: std::collections::HashMap<String, u32> = Default::default();
    for (n, line) in lines {
        let at = format!("csv.{}", n + 1);
        if rows.len() >= 5000 {
            p.row("csv", E::Invalid, "at most 5,000 lines per import");
            break;
        }
        let f = match fields(line) {
            Ok(f) => f,
            Err(e) => {
                p.row(&at, E::Invalid, e);
                continue;
            }
        };
        let get = |i: usize| f.get(i).cloned().unwrap_or_default();
        let date = match NaiveDate::parse_from_str(&get(c_date), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                p.row(&at, E::Invalid, "the date is not YYYY-MM-DD");
                continue;
            }
        };
        let amount = match get(c_amount).replace(',', "").parse::<Decimal>() {
            Ok(a) if !a.is_zero() => a,
            _ => {
                p.row(&at, E::Invalid, "the amount is not a non-zero number");
                continue;
            }
        };
        super::money_in(&mut p, &at, amount, &base);
        let description = p.required_text(&at, &get(c_desc), 500);
        let reference = c_ref
            .and_then(|c| p.optional_text(&at, Some(&f.get(c).cloned().unwrap_or_default()), 200));
        let text = format!(
            "{date}|{}|{description}|{}",
            amount.normalize(),
            reference.clone().unwrap_or_default()
        );
        let occurrence = seen.entry(text.clone()).or_default();
        *occurrence += 1;
        let key = hex::encode(Sha256::digest(format!(
            "{}|{text}|{occurrence}",
            journal.id
        )));
        rows.push((date, amount, description, reference, key));
    }
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    let mut imported = Vec::new();
    let mut skipped = 0;
    for (date, amount, description, reference, key) in rows {
        let k = key.clone();
        let exists = tx
            .count(tx.select::<bank_transaction::Entity>().refine(|q| {
                q.filter(bank_transaction::Column::JournalId.eq(journal_id))
                    .filter(bank_transaction::Column::ImportKey.eq(k))
            }))
            .await?;
        if exists > 0 {
            skipped += 1;
            continue;
        }
        let mut am = bank_transaction::ActiveModel {
            journal_id: Set(journal_id),
            date: Set(date),
            amount: Set(amount),
            description: Set(description),
            reference: Set(reference),
            import_key: Set(key),
            payment_id: Set(None),
            reconciled_at: Set(None),
            archived_at: Set(None),
            ..Default::default()
        };
        stamp_new::<bank_transaction::Entity>(&mut am, Some(actor))?;
        imported.push(tx.insert::<bank_transaction::Entity, _>(am).await?);
    }
    Ok(Ok(Imported { imported, skipped }))
}

/// The signed amount a payment moves through its bank account (money in positive).
pub fn signed(pay: &payment::Model) -> Decimal {
    if pay.kind == "inbound" {
        pay.amount
    } else {
        -pay.amount
    }
}

/// Reconciles a bank transaction with the payment it records.
pub async fn reconcile(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    payment_id: Uuid,
) -> AppResult<Checked<bank_transaction::Model>> {
    let Some(txn) = tx.get_for_update::<bank_transaction::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such bank transaction"));
    };
    if txn.payment_id.is_some() {
        return Ok(refuse(
            "id",
            E::AlreadyReconciled,
            "the transaction is reconciled already",
        ));
    }
    let Some(pay) = tx.get_for_update::<payment::Entity>(payment_id).await? else {
        return Ok(refuse("paymentId", E::NotFound, "no such payment"));
    };
    if pay.journal_id != txn.journal_id {
        return Ok(refuse(
            "paymentId",
            E::Invalid,
            "the payment went through another account",
        ));
    }
    let base = super::base_currency(tx).await?;
    let moved = super::round_money(signed(&pay) * pay.rate, &base);
    if moved != txn.amount {
        return Ok(refuse(
            "paymentId",
            E::AmountMismatch,
            format!("the payment moved {moved}, the bank {}", txn.amount),
        ));
    }
    let taken = tx
        .count(
            tx.select::<bank_transaction::Entity>()
                .refine(|q| q.filter(bank_transaction::Column::PaymentId.eq(payment_id))),
        )
        .await?;
    if taken > 0 {
        return Ok(refuse(
            "paymentId",
            E::AlreadyReconciled,
            "the payment is reconciled with another transaction",
        ));
    }
    let mut am = txn.clone().into_active_model();
    am.payment_id = Set(Some(payment_id));
    am.reconciled_at = Set(Some(Utc::now()));
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        txn.version,
        actor,
    );
    Ok(Ok(tx
        .update_as::<bank_transaction::Entity, _>(am, "reconciled")
        .await?))
}

/// Payments a bank transaction could be: same account, same signed amount, not reconciled,
/// nearest in date first (at most ten).
pub async fn candidates(
    tx: &TenantTx,
    txn: &bank_transaction::Model,
) -> AppResult<Vec<payment::Model>> {
    let inbound = txn.amount > Decimal::ZERO;
    let amount = txn.amount.abs();
    let journal = txn.journal_id;
    let pays = tx
        .all(tx.select::<payment::Entity>().refine(|q| {
            q.filter(payment::Column::JournalId.eq(journal))
                .filter(payment::Column::Kind.eq(if inbound { "inbound" } else { "outbound" }))
                .filter(payment::Column::Amount.eq(amount))
                .order_by_asc(payment::Column::Date)
        }))
        .await?;
    let ids: Vec<Uuid> = pays.iter().map(|p| p.id).collect();
    let taken: std::collections::HashSet<Uuid> = tx
        .all(
            tx.select::<bank_transaction::Entity>()
                .refine(|q| q.filter(bank_transaction::Column::PaymentId.is_in(ids))),
        )
        .await?
        .into_iter()
        .filter_map(|t| t.payment_id)
        .collect();
    let mut free: Vec<payment::Model> = pays
        .into_iter()
        .filter(|p| !taken.contains(&p.id) && p.rate == Decimal::ONE)
        .collect();
    free.sort_by_key(|p| (p.date - txn.date).num_days().abs());
    free.truncate(10);
    Ok(free)
}

/// Reconciles every unreconciled transaction of a journal that has exactly one candidate
/// payment; returns how many were reconciled.
pub async fn auto_reconcile(tx: &TenantTx, actor: Uuid, journal_id: Uuid) -> AppResult<i32> {
    let open = tx
        .all(tx.select::<bank_transaction::Entity>().refine(|q| {
            q.filter(bank_transaction::Column::JournalId.eq(journal_id))
                .filter(bank_transaction::Column::PaymentId.is_null())
                .order_by_asc(bank_transaction::Column::Date)
        }))
        .await?;
    let mut done = 0;
    for txn in open {
        let found = candidates(tx, &txn).await?;
        if let [only] = found.as_slice()
            && reconcile(tx, actor, txn.id, only.id).await?.is_ok()
        {
            done += 1;
        }
    }
    Ok(done)
}
