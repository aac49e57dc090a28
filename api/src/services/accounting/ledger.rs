//! Journal entries: drafting, posting, the hash chain, reversals and the year-end close.
//!
//! Invariants (checked in the poster's transaction; a failure changes nothing):
//! - an entry has at least two lines; each line is exactly one non-negative debit or credit;
//! - the debits equal the credits in the base currency;
//! - no line posts to a group, frozen, deprecated or archived account; receivable and payable
//!   lines name a party;
//! - the date falls in an open fiscal year and after the lock date (and after the soft lock date
//!   unless the poster holds `CLOSE_PERIODS`);
//! - a posted entry gets the next gapless number of its journal and year, and its place in the
//!   tenant's hash chain: its hash covers its content and the previous entry's hash, so changing,
//!   removing or reordering any posted entry breaks every hash after it ([`verify_chain`]);
//! - posted entries never change (database triggers refuse it); a correction is a reversal.
//!
//! Posting locks the tenant's ledger settings row first, so postings of one tenant queue and the
//! chain has no forks.

use chrono::{Datelike, NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::{
    account, fiscal_year, journal, journal_entry, journal_line, ledger_settings,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{AccountingErrorCode as E, Checked, P, refuse};
use crate::error::{AppError, AppResult};
use crate::graphql::resource::stamp_new;

/// One line of an entry to write.
#[derive(Clone, Debug)]
pub struct LineIn {
    /// The account.
    pub account: Uuid,
    /// The customer, supplier or other party (required on receivable and payable lines).
    pub party: Option<Uuid>,
    /// The cost centre.
    pub cost_centre: Option<Uuid>,
    /// What the line is for.
    pub description: Option<String>,
    /// The debit in the base currency.
    pub debit: Decimal,
    /// The credit in the base currency.
    pub credit: Decimal,
    /// The document currency, when not the base currency.
    pub currency: Option<String>,
    /// The amount in the document currency (unsigned; the side is the debit's or credit's).
    pub amount_currency: Option<Decimal>,
    /// The tax rate, on a tax line.
    pub tax_rate: Option<Uuid>,
    /// The taxable amount a tax line is computed on, in the base currency.
    pub tax_base: Option<Decimal>,
}

impl LineIn {
    /// A base-currency line.
    pub fn new(account: Uuid, debit: Decimal, credit: Decimal) -> Self {
        Self {
            account,
            party: None,
            cost_centre: None,
            description: None,
            debit,
            credit,
            currency: None,
            amount_currency: None,
            tax_rate: None,
            tax_base: None,
        }
    }
}

/// An entry to write.
#[derive(Clone, Debug)]
pub struct EntryIn {
    /// The journal (its sequence numbers the entry).
    pub journal: Uuid,
    /// The accounting date.
    pub date: NaiveDate,
    /// `entry`, `invoice`, `bill`, `credit_note`, `payment`, `reversal` or `closing`.
    pub kind: &'static str,
    /// An external reference.
    pub reference: Option<String>,
    /// What the entry is about.
    pub narration: Option<String>,
    /// The lines, in order.
    pub lines: Vec<LineIn>,
    /// The entry this one reverses.
    pub reversal_of: Option<Uuid>,
    /// The document that produced it (`Invoice`, `Payment`), if any.
    pub source: Option<(&'static str, Uuid)>,
    /// Whether it is a year-end closing entry.
    pub closing: bool,
}

fn problem_path(prefix: &str, i: usize, field: &str) -> String {
    format!("{prefix}lines.{i}.{field}")
}

/// Validates an entry's shape and references and writes it as a draft. `prefix` is where the
/// entry sits in the caller's input (`""` for `createJournalEntry`). Returns `None` (and the
/// problems in `p`) when the input is invalid.
pub async fn draft(
    tx: &TenantTx,
    actor: Option<Uuid>,
    input: &EntryIn,
    prefix: &str,
    p: &mut P,
) -> AppResult<Option<journal_entry::Model>> {
    let base = super::base_currency(tx).await?;
    match tx.get::<journal::Entity>(input.journal).await? {
        Some(j) if j.archived_at.is_none() => {}
        Some(_) => p.row(
            &format!("{prefix}journalId"),
            E::Archived,
            "the journal is archived",
        ),
        None => p.row(
            &format!("{prefix}journalId"),
            E::NotFound,
            "no such journal",
        ),
    }
    if input.lines.is_empty() {
        p.row(
            &format!("{prefix}lines"),
            E::InvalidLine,
            "an entry needs at least two lines",
        );
    }
    if input.lines.len() > 500 {
        p.row(
            &format!("{prefix}lines"),
            E::InvalidLine,
            "at most 500 lines",
        );
    }
    let ids: Vec<Uuid> = input.lines.iter().map(|l| l.account).collect();
    let accounts: std::collections::HashMap<Uuid, account::Model> =
        tx.get_map::<account::Entity>(&ids).await?;
    let mut rows = Vec::with_capacity(input.lines.len());
    for (i, l) in input.lines.iter().enumerate() {
        shape(
            p,
            &problem_path(prefix, i, "debit"),
            l.debit,
            l.credit,
            &base,
        );
        if !accounts.contains_key(&l.account) {
            p.row(
                &problem_path(prefix, i, "accountId"),
                E::NotFound,
                "no such account",
            );
        }
        let currency = l.currency.clone().unwrap_or_else(|| base.clone());
        let signed_base = l.debit - l.credit;
        let (amount_currency, rate) = if currency == base {
            (signed_base, Decimal::ONE)
        } else {
            match l.amount_currency {
                Some(a) if a > Decimal::ZERO => {
                    super::money_in(p, &problem_path(prefix, i, "amountCurrency"), a, &currency);
                    let rate = (signed_base.abs() / a).round_dp(8);
                    (if signed_base < Decimal::ZERO { -a } else { a }, rate)
                }
                _ => {
                    p.row(
                        &problem_path(prefix, i, "amountCurrency"),
                        E::Required,
                        "a line in another currency needs its positive amount in that currency",
                    );
                    (Decimal::ZERO, Decimal::ONE)
                }
            }
        };
        rows.push(journal_line::ActiveModel {
            line_no: Set(i as i32 + 1),
            account_id: Set(l.account),
            party_id: Set(l.party),
            cost_centre_id: Set(l.cost_centre),
            description: Set(l.description.clone()),
            debit: Set(l.debit),
            credit: Set(l.credit),
            currency: Set(currency),
            amount_currency: Set(amount_currency),
            rate: Set(rate),
            tax_rate_id: Set(l.tax_rate),
            tax_base: Set(l.tax_base),
            date: Set(input.date),
            posted: Set(false),
            closing: Set(input.closing),
            archived_at: Set(None),
            ..Default::default()
        });
    }
    if !p.is_empty() {
        return Ok(None);
    }
    let total: Decimal = input.lines.iter().map(|l| l.debit).sum();
    let mut am = journal_entry::ActiveModel {
        journal_id: Set(input.journal),
        number: Set(None),
        date: Set(input.date),
        kind: Set(input.kind.into()),
        reference: Set(input.reference.clone()),
        narration: Set(input.narration.clone()),
        status: Set("draft".into()),
        total: Set(total),
        posted_at: Set(None),
        posted_by: Set(None),
        reversal_of_id: Set(input.reversal_of),
        source_type: Set(input.source.map(|(t, _)| t.to_owned())),
        source_id: Set(input.source.map(|(_, id)| id)),
        chain_seq: Set(None),
        prev_hash: Set(None),
        hash: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<journal_entry::Entity>(&mut am, actor)?;
    let entry = tx.insert::<journal_entry::Entity, _>(am).await?;
    for mut line in rows {
        line.entry_id = Set(entry.id);
        stamp_new::<journal_line::Entity>(&mut line, actor)?;
        tx.insert::<journal_line::Entity, _>(line).await?;
    }
    Ok(Some(entry))
}

/// A line is exactly one non-negative amount, in the base currency's precision.
fn shape(p: &mut P, path: &str, debit: Decimal, credit: Decimal, base: &str) {
    if debit < Decimal::ZERO || credit < Decimal::ZERO {
        p.row(
            path,
            E::InvalidLine,
            "debits and credits are never negative",
        );
    } else if (debit > Decimal::ZERO) == (credit > Decimal::ZERO) {
        p.row(
            path,
            E::InvalidLine,
            "a line is either a debit or a credit, not both or neither",
        );
    } else {
        super::money_in(p, path, debit.max(credit), base);
    }
}

/// The lines of an entry, in order.
pub async fn lines(tx: &TenantTx, entry: Uuid) -> AppResult<Vec<journal_line::Model>> {
    Ok(tx
        .all(tx.select::<journal_line::Entity>().refine(|q| {
            q.filter(journal_line::Column::EntryId.eq(entry))
                .order_by_asc(journal_line::Column::LineNo)
        }))
        .await?)
}

/// The fiscal year (not archived) containing `date`.
pub async fn fiscal_year_of(
    tx: &TenantTx,
    date: NaiveDate,
) -> AppResult<Option<fiscal_year::Model>> {
    Ok(tx
        .one(tx.select::<fiscal_year::Entity>().refine(|q| {
            q.filter(fiscal_year::Column::StartsOn.lte(date))
                .filter(fiscal_year::Column::EndsOn.gte(date))
                .filter(fiscal_year::Column::ArchivedAt.is_null())
        }))
        .await?)
}

/// Checks that `date` may be posted to: after the lock dates, inside an open fiscal year.
/// `closing` lets the year's own closing entry into a year about to close.
pub async fn check_date(
    tx: &TenantTx,
    settings: &ledger_settings::Model,
    date: NaiveDate,
    may_pass_soft_lock: bool,
    path: &str,
    p: &mut P,
) -> AppResult<()> {
    if let Some(lock) = settings.lock_date
        && date <= lock
    {
        p.row(
            path,
            E::PeriodLocked,
            format!("the books are locked up to {lock}"),
        );
        return Ok(());
    }
    if let Some(lock) = settings.soft_lock_date
        && date <= lock
        && !may_pass_soft_lock
    {
        p.row(
            path,
            E::PeriodLocked,
            format!("the books are locked up to {lock} for all but finance managers"),
        );
        return Ok(());
    }
    match fiscal_year_of(tx, date).await? {
        None => p.row(
            path,
            E::NoFiscalYear,
            format!("no fiscal year covers {date}"),
        ),
        Some(fy) if fy.status == "closed" => p.row(
            path,
            E::PeriodLocked,
            format!("fiscal year {} is closed", fy.name),
        ),
        Some(_) => {}
    }
    Ok(())
}

/// Locks the tenant's ledger settings (creating the default books if missing): every posting
/// takes this lock first, so one tenant's postings queue and the hash chain stays linear.
pub async fn lock_books(tx: &TenantTx) -> AppResult<ledger_settings::Model> {
    super::settings(tx).await?;
    tx.one(tx.select::<ledger_settings::Entity>().for_update())
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no ledger settings")))
}

/// Posts a draft entry: every invariant above, then its number, its place in the chain and the
/// immutable state. `path` prefixes the problems (where the entry sits in the caller's input).
pub async fn post(
    tx: &TenantTx,
    actor: Option<Uuid>,
    id: Uuid,
    may_pass_soft_lock: bool,
    path: &str,
) -> AppResult<Checked<journal_entry::Model>> {
    let settings = lock_books(tx).await?;
    let Some(entry) = tx.get_for_update::<journal_entry::Entity>(id).await? else {
        return Ok(refuse(path, E::NotFound, "no such journal entry"));
    };
    if entry.status != "draft" || entry.archived_at.is_some() {
        return Ok(refuse(path, E::NotDraft, "only a draft is posted"));
    }
    let lines = lines(tx, id).await?;
    let mut p = P::default();
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}.")
    };
    if lines.len() < 2 {
        p.row(
            &format!("{prefix}lines"),
            E::InvalidLine,
            "an entry needs at least two lines",
        );
    }
    let ids: Vec<Uuid> = lines.iter().map(|l| l.account_id).collect();
    let accounts: std::collections::HashMap<Uuid, account::Model> =
        tx.get_map::<account::Entity>(&ids).await?;
    let base = super::base_currency(tx).await?;
    for (i, l) in lines.iter().enumerate() {
        shape(
            &mut p,
            &problem_path(&prefix, i, "debit"),
            l.debit,
            l.credit,
            &base,
        );
        let at = problem_path(&prefix, i, "accountId");
        match accounts.get(&l.account_id) {
            None => p.row(&at, E::NotFound, "no such account"),
            Some(a) if a.is_group => p.row(
                &at,
                E::AccountNotPostable,
                format!("{} is a group account", a.code),
            ),
            Some(a) if a.frozen => {
                p.row(&at, E::AccountNotPostable, format!("{} is frozen", a.code))
            }
            Some(a) if a.deprecated || a.archived_at.is_some() => p.row(
                &at,
                E::AccountNotPostable,
                format!("{} is deprecated", a.code),
            ),
            Some(a)
                if matches!(a.sub_type.as_deref(), Some("receivable" | "payable"))
                    && l.party_id.is_none() =>
            {
                p.row(
                    &problem_path(&prefix, i, "partyId"),
                    E::PartyRequired,
                    format!("{} lines name the customer or supplier", a.code),
                )
            }
            Some(_) => {}
        }
    }
    let debit: Decimal = lines.iter().map(|l| l.debit).sum();
    let credit: Decimal = lines.iter().map(|l| l.credit).sum();
    if debit != credit {
        p.row(
            &format!("{prefix}lines"),
            E::UnbalancedEntry,
            format!(
                "debits {debit} and credits {credit} differ by {}",
                debit - credit
            ),
        );
    }
    check_date(
        tx,
        &settings,
        entry.date,
        may_pass_soft_lock,
        &format!("{prefix}date"),
        &mut p,
    )
    .await?;
    if p.is_empty() {
        // Finance managers (the same who may post into the soft-locked period) may go beyond
        // a `stop` budget.
        super::budgets::check_entry(
            tx,
            entry.date,
            &lines,
            &accounts,
            may_pass_soft_lock,
            &prefix,
            &mut p,
        )
        .await?;
    }
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }

    let journal = tx
        .get::<journal::Entity>(entry.journal_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("an entry's journal vanished")))?;
    let year = entry.date.year().to_string();
    let seq = tx
        .next_number(&format!("journal:{}", journal.id), &year)
        .await?;
    let number = format!("{}/{year}/{seq:06}", journal.code);
    let head = tx
        .one(tx.select::<journal_entry::Entity>().refine(|q| {
            q.filter(journal_entry::Column::ChainSeq.is_not_null())
                .order_by_desc(journal_entry::Column::ChainSeq)
                .limit(1)
        }))
        .await?;
    let (chain_seq, prev_hash) = match head {
        Some(h) => (h.chain_seq.unwrap_or(0) + 1, h.hash.unwrap_or_default()),
        None => (1, GENESIS.to_owned()),
    };
    let mut posted = entry.clone();
    posted.number = Some(number);
    posted.chain_seq = Some(chain_seq);
    posted.prev_hash = Some(prev_hash.clone());
    posted.total = debit;
    posted.status = "posted".into();
    let hash = entry_hash(&prev_hash, &posted, &lines);
    tx.update_columns::<journal_line::Entity>(
        Condition::all().add(journal_line::Column::EntryId.eq(id)),
        vec![(journal_line::Column::Posted, Expr::value(true))],
    )
    .await?;
    let mut am = entry.clone().into_active_model();
    am.number = Set(posted.number.clone());
    am.chain_seq = Set(Some(chain_seq));
    am.prev_hash = Set(Some(prev_hash));
    am.hash = Set(Some(hash));
    am.total = Set(debit);
    am.status = Set("posted".into());
    am.posted_at = Set(Some(Utc::now()));
    am.posted_by = Set(actor);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        entry.version,
        actor.unwrap_or_default(),
    );
    if actor.is_none() {
        am.updated_by = Set(None);
    }
    Ok(Ok(tx
        .update_as::<journal_entry::Entity, _>(am, "posted")
        .await?))
}

/// Writes an entry and posts it in one go, as every document does (invoices, payments, claims,
/// depreciation, reversals, the closing): the problems are the draft's or the posting's, and
/// either way the caller drops the transaction.
pub async fn record(
    tx: &TenantTx,
    actor: Option<Uuid>,
    input: &EntryIn,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<journal_entry::Model>> {
    let mut p = P::default();
    let Some(entry) = draft(tx, actor, input, "", &mut p).await? else {
        return Ok(Err(p.into_errors()));
    };
    post(tx, actor, entry.id, may_pass_soft_lock, "").await
}

/// The hash before the first entry of every tenant's chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn dec(d: Decimal) -> String {
    d.normalize().to_string()
}

/// The hash of a posted entry: SHA-256 over the previous hash and a canonical JSON of what the
/// entry says (number, date, journal, kind, references and every line's amounts and
/// dimensions). Decimals are normalised, so the database's scale does not matter.
pub fn entry_hash(prev: &str, e: &journal_entry::Model, lines: &[journal_line::Model]) -> String {
    let lines: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            serde_json::json!([
                l.line_no,
                l.account_id,
                l.party_id,
                l.cost_centre_id,
                l.description,
                dec(l.debit),
                dec(l.credit),
                l.currency,
                dec(l.amount_currency),
                dec(l.rate),
                l.tax_rate_id,
                l.tax_base.map(dec),
                l.date,
                l.closing,
            ])
        })
        .collect();
    let content = serde_json::json!([
        e.tenant_id,
        e.id,
        e.chain_seq,
        e.number,
        e.journal_id,
        e.date,
        e.kind,
        e.reference,
        e.narration,
        e.reversal_of_id,
        e.source_type,
        e.source_id,
        dec(e.total),
        lines,
    ]);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(content.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// What checking the chain found.
pub struct ChainCheck {
    /// Whether every posted entry matches its hash and follows the one before.
    pub valid: bool,
    /// How many posted entries were checked.
    pub checked: i64,
    /// The first entry that does not match, if any.
    pub broken_entry: Option<journal_entry::Model>,
    /// What is wrong with it.
    pub problem: Option<String>,
}

/// Recomputes the tenant's hash chain from the first posted entry, in pages.
pub async fn verify_chain(tx: &TenantTx) -> AppResult<ChainCheck> {
    let mut prev = GENESIS.to_owned();
    let mut expected = 1i64;
    loop {
        let after = expected - 1;
        let page = tx
            .all(tx.select::<journal_entry::Entity>().refine(|q| {
                q.filter(journal_entry::Column::ChainSeq.gt(after))
                    .order_by_asc(journal_entry::Column::ChainSeq)
                    .limit(500)
            }))
            .await?;
        if page.is_empty() {
            return Ok(ChainCheck {
                valid: true,
                checked: expected - 1,
                broken_entry: None,
                problem: None,
            });
        }
        let ids: Vec<Uuid> = page.iter().map(|e| e.id).collect();
        let mut by_entry: std::collections::HashMap<Uuid, Vec<journal_line::Model>> =
            Default::default();
        for l in tx
            .all(tx.select::<journal_line::Entity>().refine(|q| {
                q.filter(journal_line::Column::EntryId.is_in(ids))
                    .order_by_asc(journal_line::Column::LineNo)
            }))
            .await?
        {
            by_entry.entry(l.entry_id).or_default().push(l);
        }
        for e in page {
            let fail = |problem: &str, e: journal_entry::Model| ChainCheck {
                valid: false,
                checked: expected - 1,
                broken_entry: Some(e),
                problem: Some(problem.to_owned()),
            };
            if e.chain_seq != Some(expected) {
                return Ok(fail(
                    "an entry before this one is missing from the chain",
                    e,
                ));
            }
            if e.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(fail("the entry does not follow the one before it", e));
            }
            let lines = by_entry.remove(&e.id).unwrap_or_default();
            let hash = entry_hash(&prev, &e, &lines);
            if e.hash.as_deref() != Some(hash.as_str()) || e.status != "posted" {
                return Ok(fail("the entry's content does not match its hash", e));
            }
            prev = hash;
            expected += 1;
        }
    }
}

/// Reverses a posted entry on `date`: a new posted entry with every debit and credit swapped.
/// Entries of invoices and payments are reversed through their documents (a credit note), not
/// here.
pub async fn reverse(
    tx: &TenantTx,
    actor: Option<Uuid>,
    id: Uuid,
    date: NaiveDate,
    reason: Option<String>,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<journal_entry::Model>> {
    reverse_entry(tx, actor, id, date, reason, may_pass_soft_lock, None).await
}

/// Reverses the posted entry of a document, by the document's own service (a payroll run being
/// cancelled): the entry must belong to that very document, and the reversal belongs to it too.
pub async fn reverse_for_source(
    tx: &TenantTx,
    actor: Option<Uuid>,
    id: Uuid,
    date: NaiveDate,
    reason: Option<String>,
    may_pass_soft_lock: bool,
    source: (&'static str, Uuid),
) -> AppResult<Checked<journal_entry::Model>> {
    reverse_entry(
        tx,
        actor,
        id,
        date,
        reason,
        may_pass_soft_lock,
        Some(source),
    )
    .await
}

async fn reverse_entry(
    tx: &TenantTx,
    actor: Option<Uuid>,
    id: Uuid,
    date: NaiveDate,
    reason: Option<String>,
    may_pass_soft_lock: bool,
    source: Option<(&'static str, Uuid)>,
) -> AppResult<Checked<journal_entry::Model>> {
    let Some(original) = tx.get_for_update::<journal_entry::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such journal entry"));
    };
    if original.status != "posted" {
        return Ok(refuse(
            "id",
            E::NotPosted,
            "only a posted entry is reversed; discard a draft",
        ));
    }
    let owner = original.source_type.as_deref().zip(original.source_id);
    if owner.is_some() && owner != source {
        return Ok(refuse(
            "id",
            E::InUse,
            "the entry belongs to a document; credit the invoice instead",
        ));
    }
    let done = tx
        .count(
            tx.select::<journal_entry::Entity>()
                .refine(|q| q.filter(journal_entry::Column::ReversalOfId.eq(id))),
        )
        .await?;
    if done > 0 {
        return Ok(refuse(
            "id",
            E::AlreadyReversed,
            "the entry was reversed already",
        ));
    }
    let input = EntryIn {
        journal: original.journal_id,
        date,
        kind: "reversal",
        reference: original.number.clone(),
        narration: reason,
        lines: lines(tx, id)
            .await?
            .into_iter()
            .map(|l| LineIn {
                account: l.account_id,
                party: l.party_id,
                cost_centre: l.cost_centre_id,
                description: l.description,
                debit: l.credit,
                credit: l.debit,
                currency: Some(l.currency),
                amount_currency: Some(l.amount_currency.abs()),
                tax_rate: l.tax_rate_id,
                tax_base: l.tax_base.map(|b| -b),
            })
            .collect(),
        reversal_of: Some(id),
        source,
        closing: original.kind == "closing",
    };
    record(tx, actor, &input, may_pass_soft_lock).await
}

/// Discards a draft entry (archives it; it never had a number).
pub async fn discard(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<journal_entry::Model>> {
    let Some(entry) = tx.get_for_update::<journal_entry::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such journal entry"));
    };
    crate::services::access::check_version(entry.version, expected_version)?;
    if entry.status != "draft" || entry.archived_at.is_some() {
        return Ok(refuse(
            "id",
            E::NotDraft,
            "only a draft is discarded; reverse a posted entry",
        ));
    }
    if entry.source_type.is_some() {
        return Ok(refuse("id", E::InUse, "the entry belongs to a document"));
    }
    let mut am = entry.clone().into_active_model();
    am.archived_at = Set(Some(Utc::now()));
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        entry.version,
        actor,
    );
    Ok(Ok(tx
        .update_as::<journal_entry::Entity, _>(am, "discarded")
        .await?))
}

/// Closes a fiscal year: moves every income and expense balance of the year into retained
/// earnings with a closing entry on its last day, marks it closed and locks the books up to its
/// end.
pub async fn close_year(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<fiscal_year::Model>> {
    let settings = lock_books(tx).await?;
    let Some(fy) = tx.get_for_update::<fiscal_year::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such fiscal year"));
    };
    crate::services::access::check_version(fy.version, expected_version)?;
    if fy.status == "closed" {
        return Ok(refuse("id", E::PeriodLocked, "the year is closed already"));
    }
    if fy.archived_at.is_some() {
        return Ok(refuse("id", E::Archived, "the year is archived"));
    }
    let Some(retained) = settings.retained_earnings_account_id else {
        return Ok(refuse(
            "id",
            E::Required,
            "set the retained earnings account in the ledger settings first",
        ));
    };
    let drafts = tx
        .count(tx.select::<journal_entry::Entity>().refine(|q| {
            q.filter(journal_entry::Column::Status.eq("draft"))
                .filter(journal_entry::Column::ArchivedAt.is_null())
                .filter(journal_entry::Column::Date.between(fy.starts_on, fy.ends_on))
        }))
        .await?;
    if drafts > 0 {
        return Ok(refuse(
            "id",
            E::InUse,
            format!("{drafts} draft entries are dated in the year; post or discard them"),
        ));
    }
    let balances = super::reports::balances(tx, Some(fy.starts_on), fy.ends_on, false).await?;
    let accounts = super::chart::accounts_by_id(tx).await?;
    let mut lines = Vec::new();
    let mut net = Decimal::ZERO;
    for b in balances {
        let Some(a) = accounts.get(&b.account_id) else {
            continue;
        };
        if !matches!(a.account_type.as_str(), "income" | "expense") {
            continue;
        }
        let balance = b.debit - b.credit;
        if balance.is_zero() {
            continue;
        }
        net += balance;
        let mut l = if balance > Decimal::ZERO {
            LineIn::new(a.id, Decimal::ZERO, balance)
        } else {
            LineIn::new(a.id, -balance, Decimal::ZERO)
        };
        l.description = Some(format!("Close {}", fy.name));
        lines.push(l);
    }
    let mut closing_entry = None;
    if !lines.is_empty() {
        let mut re = if net > Decimal::ZERO {
            LineIn::new(retained, net, Decimal::ZERO)
        } else {
            LineIn::new(retained, Decimal::ZERO, -net)
        };
        re.description = Some(format!("Result of {}", fy.name));
        if !net.is_zero() {
            lines.push(re);
        }
        let Some(journal) = super::chart::journal_of_type(tx, "general").await? else {
            return Ok(refuse(
                "id",
                E::NotFound,
                "the tenant has no general journal",
            ));
        };
        let input = EntryIn {
            journal: journal.id,
            date: fy.ends_on,
            kind: "closing",
            reference: Some(fy.name.clone()),
            narration: Some(format!("Closing of {}", fy.name)),
            lines,
            reversal_of: None,
            source: None,
            closing: true,
        };
        match record(tx, Some(actor), &input, true).await? {
            Ok(e) => closing_entry = Some(e.id),
            Err(e) => return Ok(Err(e)),
        }
    }
    let mut am = fy.clone().into_active_model();
    am.status = Set("closed".into());
    am.closing_entry_id = Set(closing_entry);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        fy.version,
        actor,
    );
    let closed = tx.update_as::<fiscal_year::Entity, _>(am, "closed").await?;
    if settings.lock_date.is_none_or(|d| d < fy.ends_on) {
        let mut s = settings.clone().into_active_model();
        s.lock_date = Set(Some(fy.ends_on));
        crate::services::stamp(
            &mut s.version,
            &mut s.updated_at,
            &mut s.updated_by,
            settings.version,
            actor,
        );
        tx.update::<ledger_settings::Entity, _>(s).await?;
    }
    Ok(Ok(closed))
}
