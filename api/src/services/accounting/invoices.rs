//! Customer invoices, supplier bills and credit notes.
//!
//! Invariants:
//! - only a draft changes; posting numbers it (gapless per document type) and writes its journal
//!   entry through the ledger, so every ledger check (lock dates, fiscal year, accounts) holds;
//! - consumption tax is computed once per rate per document and rounded once (the qualified
//!   invoice rule), in the tenant's rounding mode; lines keep the percent they were written with;
//! - a credit note reverses a whole unpaid invoice: it is posted with the invoice's lines on the
//!   other side and settles the invoice, which becomes `reversed`;
//! - what is paid is the sum of the allocations, kept on the invoice in the allocating
//!   transaction (the invoice row is locked), and never exceeds the total.

use chrono::{Duration, NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::{
    account, invoice, invoice_line, journal_entry, ledger_settings, payment_allocation, tax_rate,
};
use entity::org::{cost_centre, party};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ledger::{self, EntryIn, LineIn};
use super::{AccountingErrorCode as E, Checked, P, refuse};
use crate::auth::Permission;
use crate::error::{AppError, AppResult};
use crate::graphql::accounting::{Invoice, InvoiceFilter, InvoiceInput, InvoiceKind, InvoiceOrder};
use crate::graphql::core::GlobalId;
use crate::graphql::resource::{Resource, stamp_new};
use crate::services::numbering::{self, DocumentType};

impl Resource for invoice::Entity {
    type Node = Invoice;
    type Filter = InvoiceFilter;
    type Order = InvoiceOrder;
    const VIEW: Permission = Permission::ViewInvoices;
}

/// Whether the kind is a customer document (sales side).
pub fn is_sales(kind: &str) -> bool {
    kind.starts_with("customer")
}

/// Whether the kind is a credit note.
pub fn is_credit_note(kind: &str) -> bool {
    kind.ends_with("credit_note")
}

/// One rate's share of a document: what is taxed and the tax, rounded once.
#[derive(Clone, Debug)]
pub struct RateTotal {
    /// The tax rate (`None`: lines without tax).
    pub tax_rate_id: Option<Uuid>,
    /// Its percent.
    pub percent: Decimal,
    /// Whether the lines' amounts include the tax.
    pub inclusive: bool,
    /// The taxable amount, tax excluded.
    pub base: Decimal,
    /// The tax.
    pub tax: Decimal,
    /// The lines of the group (their indexes) and each line's net amount.
    pub nets: Vec<(usize, Decimal)>,
}

/// A document's totals.
#[derive(Clone, Debug)]
pub struct Totals {
    /// Tax excluded.
    pub untaxed: Decimal,
    /// The tax.
    pub tax: Decimal,
    /// Tax included.
    pub total: Decimal,
    /// Per rate, in the order first used.
    pub per_rate: Vec<RateTotal>,
}

/// Rounds a tax amount to the currency in the tenant's mode (`floor` truncates, as most Japanese
/// businesses do; `half_up`; `ceiling`).
pub fn round_tax(amount: Decimal, currency: &str, mode: &str) -> Decimal {
    let strategy = match mode {
        "half_up" => RoundingStrategy::MidpointAwayFromZero,
        "ceiling" => RoundingStrategy::AwayFromZero,
        _ => RoundingStrategy::ToZero,
    };
    amount.round_dp_with_strategy(super::currency_decimals(currency), strategy)
}

/// The totals of a document's lines: per rate, the lines' amounts are added up and the tax is
/// computed and rounded once; an inclusive rate's tax is taken out of the sum. Each line's net
/// share is its amount less its part of the group's tax (the last line takes the remainder), so
/// the revenue or expense lines add up exactly.
pub fn totals(lines: &[invoice_line::Model], currency: &str, rounding: &str) -> Totals {
    let mut groups: Vec<RateTotal> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let key = l.tax_rate_id;
        let at = match groups.iter().position(|g| g.tax_rate_id == key) {
            Some(at) => at,
            None => {
                groups.push(RateTotal {
                    tax_rate_id: key,
                    percent: l.tax_percent.unwrap_or_default(),
                    inclusive: l.tax_inclusive,
                    base: Decimal::ZERO,
                    tax: Decimal::ZERO,
                    nets: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[at];
        g.base += l.amount;
        g.nets.push((i, l.amount));
    }
    for g in &mut groups {
        let gross = g.base;
        if g.percent.is_zero() {
            continue;
        }
        if g.inclusive {
            g.tax = round_tax(
                gross * g.percent / (Decimal::ONE_HUNDRED + g.percent),
                currency,
                rounding,
            );
            g.base = gross - g.tax;
            // Spread the tax over the lines in proportion; the last takes what rounding left.
            let mut left = g.tax;
            let n = g.nets.len();
            for (k, (_, net)) in g.nets.iter_mut().enumerate() {
                let share = if k + 1 == n || gross.is_zero() {
                    left
                } else {
                    super::round_money(g.tax * *net / gross, currency)
                };
                left -= share;
                *net -= share;
            }
        } else {
            g.tax = round_tax(gross * g.percent / Decimal::ONE_HUNDRED, currency, rounding);
        }
    }
    let untaxed: Decimal = groups.iter().map(|g| g.base).sum();
    let tax: Decimal = groups.iter().map(|g| g.tax).sum();
    Totals {
        untaxed,
        tax,
        total: untaxed + tax,
        per_rate: groups,
    }
}

/// The lines of an invoice, in order.
pub async fn lines(tx: &TenantTx, invoice: Uuid) -> AppResult<Vec<invoice_line::Model>> {
    Ok(tx
        .all(tx.select::<invoice_line::Entity>().refine(|q| {
            q.filter(invoice_line::Column::InvoiceId.eq(invoice))
                .order_by_asc(invoice_line::Column::LineNo)
        }))
        .await?)
}

/// Validates an invoice input into the document and its lines (not yet stored).
async fn validate(
    tx: &TenantTx,
    input: &InvoiceInput,
    settings: &ledger_settings::Model,
    p: &mut P,
) -> AppResult<(invoice::ActiveModel, Vec<invoice_line::ActiveModel>, Totals)> {
    let kind = match input.kind {
        InvoiceKind::CustomerInvoice => "customer_invoice",
        InvoiceKind::SupplierBill => "supplier_bill",
        InvoiceKind::CustomerCreditNote | InvoiceKind::SupplierCreditNote => {
            p.row(
                "kind",
                E::Invalid,
                "credit notes are made with creditInvoice",
            );
            "customer_invoice"
        }
    };
    let sales = is_sales(kind);
    let base = super::base_currency(tx).await?;
    let party_id = p
        .reference::<party::Entity>(tx, "partyId", Some(&input.party_id))
        .await?;
    let party = match party_id {
        Some(id) => tx.get::<party::Entity>(id).await?,
        None => {
            if p.is_empty() {
                p.row("partyId", E::NotFound, "no such party");
            }
            None
        }
    };
    if let Some(pt) = &party {
        if sales && !pt.is_customer {
            p.row(
                "partyId",
                E::PartyMismatch,
                "invoices go to customers; mark the party as one",
            );
        }
        if !sales && !pt.is_supplier {
            p.row(
                "partyId",
                E::PartyMismatch,
                "bills come from suppliers; mark the party as one",
            );
        }
    }
    let currency = match &input.currency {
        Some(c) => super::currency_code(p, "currency", c),
        None => base.clone(),
    };
    let rate = if currency == base {
        Decimal::ONE
    } else {
        match input.exchange_rate {
            Some(r) if r.0 > Decimal::ZERO && r.0.normalize().scale() <= 8 => r.0,
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
    let terms = party
        .as_ref()
        .and_then(|pt| pt.payment_terms_days)
        .unwrap_or(30);
    let due = input
        .due_date
        .unwrap_or(input.issue_date + Duration::days(terms.into()));
    if due < input.issue_date {
        p.row("dueDate", E::Invalid, "cannot be before the issue date");
    }
    if input.lines.is_empty() {
        p.row("lines", E::Required, "an invoice has at least one line");
    }
    if input.lines.len() > 200 {
        p.row("lines", E::Invalid, "at most 200 lines");
    }
    let default_account =
        super::chart::journal_of_type(tx, if sales { "sale" } else { "purchase" })
            .await?
            .and_then(|j| j.default_account_id);
    let mut rows = Vec::new();
    let mut models = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let at = |f: &str| format!("lines.{i}.{f}");
        let description = p.required_text(&at("description"), &l.description, 500);
        let qty = l.quantity.0;
        if qty.is_zero() || qty.normalize().scale() > 4 {
            p.row(&at("quantity"), E::Invalid, "not zero, at most 4 decimals");
        }
        if l.unit_price.0.normalize().scale() > 4 {
            p.row(&at("unitPrice"), E::Invalid, "at most 4 decimals");
        }
        let amount = super::round_money(qty * l.unit_price.0, &currency);
        let account_id = match &l.account_id {
            Some(id) => {
                p.reference::<account::Entity>(tx, &at("accountId"), Some(id))
                    .await?
            }
            None => default_account,
        };
        match account_id {
            None => p.row(
                &at("accountId"),
                E::Required,
                "the account the line posts to",
            ),
            Some(id) => match tx.get::<account::Entity>(id).await? {
                Some(a) if a.is_group || a.frozen || a.deprecated => p.row(
                    &at("accountId"),
                    E::AccountNotPostable,
                    format!("{} takes no postings", a.code),
                ),
                Some(a) if sales && a.account_type != "income" => p.row(
                    &at("accountId"),
                    E::Invalid,
                    "a sales line posts to an income account",
                ),
                Some(a) if !sales && !matches!(a.account_type.as_str(), "expense" | "asset") => p
                    .row(
                        &at("accountId"),
                        E::Invalid,
                        "a bill line posts to an expense or asset account",
                    ),
                _ => {}
            },
        }
        let tax = match &l.tax_rate_id {
            None => None,
            Some(id) => match p
                .reference::<tax_rate::Entity>(tx, &at("taxRateId"), Some(id))
                .await?
            {
                None => None,
                Some(tid) => {
                    let t = tx.get::<tax_rate::Entity>(tid).await?;
                    match t {
                        Some(t) if (t.scope == "sale") != sales => {
                            p.row(
                                &at("taxRateId"),
                                E::Invalid,
                                format!("{} is a {} tax", t.code, t.scope),
                            );
                            None
                        }
                        other => other,
                    }
                }
            },
        };
        let cost_centre = p
            .reference::<cost_centre::Entity>(tx, &at("costCentreId"), l.cost_centre_id.as_ref())
            .await?;
        let model = invoice_line::Model {
            tenant_id: tx.tenant().uuid(),
            id: Uuid::nil(),
            invoice_id: Uuid::nil(),
            line_no: i as i32 + 1,
            description,
            account_id: account_id.unwrap_or_default(),
            quantity: qty,
            unit_price: l.unit_price.0,
            amount,
            tax_rate_id: tax.as_ref().map(|t| t.id),
            tax_percent: tax.as_ref().map(|t| t.rate),
            tax_inclusive: tax.as_ref().is_some_and(|t| t.inclusive),
            cost_centre_id: cost_centre,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            created_by: None,
            updated_by: None,
            archived_at: None,
        };
        rows.push(model.clone().into_active_model());
        models.push(model);
    }
    let totals = totals(&models, &currency, &settings.tax_rounding);
    if p.is_empty() && totals.total <= Decimal::ZERO {
        p.row("lines", E::Invalid, "the total must be more than zero");
    }
    super::money_in(p, "lines", totals.total, &currency);
    let registration = if sales {
        settings.registration_number.clone()
    } else {
        party
            .as_ref()
            .and_then(|pt| pt.tax_registration_number.clone())
    };
    let doc = invoice::ActiveModel {
        kind: Set(kind.into()),
        number: Set(None),
        party_id: Set(party_id.unwrap_or_default()),
        issue_date: Set(input.issue_date),
        due_date: Set(due),
        received_on: Set(if sales {
            None
        } else {
            Some(input.received_on.unwrap_or_else(|| Utc::now().date_naive()))
        }),
        currency: Set(currency),
        rate: Set(rate),
        supplier_reference: Set(p.optional_text(
            "supplierReference",
            input.supplier_reference.as_deref(),
            100,
        )),
        registration_number: Set(registration),
        notes: Set(p.optional_text("notes", input.notes.as_deref(), 2000)),
        status: Set("draft".into()),
        entry_id: Set(None),
        credited_invoice_id: Set(None),
        amount_untaxed: Set(totals.untaxed),
        amount_tax: Set(totals.tax),
        amount_total: Set(totals.total),
        amount_paid: Set(Decimal::ZERO),
        posted_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    Ok((doc, rows, totals))
}

async fn insert_lines(
    tx: &TenantTx,
    actor: Option<Uuid>,
    invoice: Uuid,
    rows: Vec<invoice_line::ActiveModel>,
) -> AppResult<()> {
    for mut l in rows {
        stamp_new::<invoice_line::Entity>(&mut l, actor)?;
        l.invoice_id = Set(invoice);
        tx.insert::<invoice_line::Entity, _>(l).await?;
    }
    Ok(())
}

/// Creates a draft invoice or bill.
pub async fn create(
    tx: &TenantTx,
    actor: Option<Uuid>,
    input: &InvoiceInput,
) -> AppResult<Checked<invoice::Model>> {
    let settings = super::settings(tx).await?;
    let mut p = P::default();
    let (mut doc, rows, _) = validate(tx, input, &settings, &mut p).await?;
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    stamp_new::<invoice::Entity>(&mut doc, actor)?;
    let row = tx.insert::<invoice::Entity, _>(doc).await?;
    insert_lines(tx, actor, row.id, rows).await?;
    Ok(Ok(row))
}

/// Replaces a draft's content.
pub async fn update(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    input: &InvoiceInput,
) -> AppResult<Checked<invoice::Model>> {
    let Some(row) = tx.get_for_update::<invoice::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such invoice"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.status != "draft" {
        return Ok(refuse(
            "id",
            E::NotDraft,
            "only a draft changes; credit a posted invoice",
        ));
    }
    let settings = super::settings(tx).await?;
    let mut p = P::default();
    let (mut doc, rows, _) = validate(tx, input, &settings, &mut p).await?;
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    tx.delete_where::<invoice_line::Entity>(
        Condition::all().add(invoice_line::Column::InvoiceId.eq(id)),
    )
    .await?;
    insert_lines(tx, Some(actor), id, rows).await?;
    doc.id = Set(row.id);
    doc.tenant_id = Set(row.tenant_id);
    doc.created_at = Set(row.created_at);
    doc.created_by = Set(row.created_by);
    crate::services::stamp(
        &mut doc.version,
        &mut doc.updated_at,
        &mut doc.updated_by,
        row.version,
        actor,
    );
    Ok(Ok(tx.update::<invoice::Entity, _>(doc).await?))
}

/// Cancels a draft (it never had a number).
pub async fn cancel(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<invoice::Model>> {
    let Some(row) = tx.get_for_update::<invoice::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such invoice"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.status != "draft" {
        return Ok(refuse(
            "id",
            E::NotDraft,
            "only a draft is cancelled; credit a posted invoice",
        ));
    }
    let mut am = row.clone().into_active_model();
    am.status = Set("cancelled".into());
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        row.version,
        actor,
    );
    Ok(Ok(tx
        .update_as::<invoice::Entity, _>(am, "cancelled")
        .await?))
}

/// The journal entry lines of a document: the party's receivable or payable for the total, the
/// income or expense lines net of tax, one tax line per rate. Sides follow the kind (a credit
/// note takes the other side of its invoice). Amounts are converted to the base currency line by
/// line, and the party line takes the sum of the others, so the entry balances exactly.
fn entry_lines(
    doc: &invoice::Model,
    lines: &[invoice_line::Model],
    totals: &Totals,
    taxes: &std::collections::HashMap<Uuid, tax_rate::Model>,
    party_account: Uuid,
    base: &str,
) -> Vec<LineIn> {
    // Sales documents credit income; a credit note flips its side.
    let credit_side = is_sales(&doc.kind) != is_credit_note(&doc.kind);
    let foreign = doc.currency != base;
    let line = |account: Uuid, amount: Decimal, base_amount: Decimal| {
        let (debit, credit) = if credit_side == (base_amount >= Decimal::ZERO) {
            (Decimal::ZERO, base_amount.abs())
        } else {
            (base_amount.abs(), Decimal::ZERO)
        };
        let mut l = LineIn::new(account, debit, credit);
        if foreign {
            l.currency = Some(doc.currency.clone());
            l.amount_currency = Some(amount.abs());
        }
        l
    };
    let mut out = Vec::new();
    let mut sum_base = Decimal::ZERO;
    for g in &totals.per_rate {
        for (i, net) in &g.nets {
            let l = &lines[*i];
            let b = super::round_money(*net * doc.rate, base);
            sum_base += b;
            let mut entry = line(l.account_id, *net, b);
            entry.description = Some(l.description.clone());
            entry.cost_centre = l.cost_centre_id;
            out.push(entry);
        }
        if let Some(id) = g.tax_rate_id
            && !g.tax.is_zero()
        {
            let b = super::round_money(g.tax * doc.rate, base);
            sum_base += b;
            let account = taxes.get(&id).map(|t| t.account_id).unwrap_or_default();
            let mut entry = line(account, g.tax, b);
            entry.tax_rate = Some(id);
            let sign = if is_credit_note(&doc.kind) {
                -Decimal::ONE
            } else {
                Decimal::ONE
            };
            entry.tax_base = Some(super::round_money(g.base * doc.rate, base) * sign);
            entry.description = Some(format!("Consumption tax {}%", g.percent.normalize()));
            out.push(entry);
        }
    }
    let mut party = line(party_account, totals.total, sum_base);
    // The party line is on the other side.
    std::mem::swap(&mut party.debit, &mut party.credit);
    party.party = Some(doc.party_id);
    party.description = doc.number.clone();
    out.insert(0, party);
    out
}

/// Posts a draft: numbers it, writes and posts its journal entry.
pub async fn post(
    tx: &TenantTx,
    actor: Option<Uuid>,
    id: Uuid,
    expected_version: Option<i32>,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<invoice::Model>> {
    let Some(row) = tx.get_for_update::<invoice::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such invoice"));
    };
    if let Some(v) = expected_version {
        crate::services::access::check_version(row.version, v)?;
    }
    if row.status != "draft" {
        return Ok(refuse("id", E::NotDraft, "only a draft is posted"));
    }
    let settings = super::settings(tx).await?;
    let base = super::base_currency(tx).await?;
    let lines = lines(tx, id).await?;
    let totals = totals(&lines, &row.currency, &settings.tax_rounding);
    let sales = is_sales(&row.kind);
    let Some(party_account) =
        super::chart::account_with_role(tx, if sales { "receivable" } else { "payable" }).await?
    else {
        return Ok(refuse(
            "id",
            E::NotFound,
            "the chart has no receivable or payable account",
        ));
    };
    let Some(journal) =
        super::chart::journal_of_type(tx, if sales { "sale" } else { "purchase" }).await?
    else {
        return Ok(refuse(
            "id",
            E::NotFound,
            "the tenant has no sales or purchase journal",
        ));
    };
    let doc_type = match (sales, is_credit_note(&row.kind)) {
        (_, true) => DocumentType::CreditNote,
        (true, false) => DocumentType::Invoice,
        (false, false) => DocumentType::Bill,
    };
    let mut numbered = row.clone();
    numbered.number = Some(numbering::allocate(tx, doc_type, row.issue_date).await?);
    let ids: Vec<Uuid> = lines.iter().filter_map(|l| l.tax_rate_id).collect();
    let taxes = tx.get_map::<tax_rate::Entity>(&ids).await?;
    let kind = match (sales, is_credit_note(&row.kind)) {
        (_, true) => "credit_note",
        (true, false) => "invoice",
        (false, false) => "bill",
    };
    let input = EntryIn {
        journal: journal.id,
        date: row.issue_date,
        kind,
        reference: numbered.number.clone(),
        narration: Some(format!(
            "{} {}",
            kind.replace('_', " "),
            numbered.number.clone().unwrap_or_default()
        )),
        lines: entry_lines(&numbered, &lines, &totals, &taxes, party_account.id, &base),
        reversal_of: None,
        source: Some(("Invoice", row.id)),
        closing: false,
    };
    let entry = match ledger::record(tx, actor, &input, may_pass_soft_lock).await? {
        Ok(e) => e,
        Err(mut errors) => {
            // The ledger speaks of the entry's date; the document's is its issue date.
            for e in &mut errors {
                if *e.field == ["date"] {
                    e.field = vec!["issueDate".into()].into();
                }
            }
            return Ok(Err(errors));
        }
    };
    let mut am = row.clone().into_active_model();
    am.status = Set("posted".into());
    am.number = Set(numbered.number);
    am.entry_id = Set(Some(entry.id));
    am.posted_at = Set(Some(Utc::now()));
    am.amount_untaxed = Set(totals.untaxed);
    am.amount_tax = Set(totals.tax);
    am.amount_total = Set(totals.total);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        row.version,
        actor.unwrap_or_default(),
    );
    if actor.is_none() {
        am.updated_by = Set(None);
    }
    Ok(Ok(tx.update_as::<invoice::Entity, _>(am, "posted").await?))
}

/// Credits a whole unpaid invoice or bill on `date`: a posted credit note with its lines, set
/// against it, which leaves it `reversed`. Returns the credit note.
pub async fn credit(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    date: NaiveDate,
    reason: Option<String>,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<invoice::Model>> {
    let Some(original) = tx.get_for_update::<invoice::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such invoice"));
    };
    crate::services::access::check_version(original.version, expected_version)?;
    if original.status == "reversed" {
        return Ok(refuse(
            "id",
            E::AlreadyReversed,
            "the invoice was credited already",
        ));
    }
    if original.status != "posted" {
        return Ok(refuse(
            "id",
            E::NotPosted,
            "only a posted invoice is credited; cancel a draft",
        ));
    }
    if is_credit_note(&original.kind) {
        return Ok(refuse("id", E::Invalid, "a credit note is not credited"));
    }
    if !original.amount_paid.is_zero() {
        return Ok(refuse(
            "id",
            E::InUse,
            "the invoice has payments; a credit note covers an unpaid invoice",
        ));
    }
    if date < original.issue_date {
        return Ok(refuse(
            "date",
            E::Invalid,
            "a credit note is dated on or after its invoice",
        ));
    }
    let kind = if is_sales(&original.kind) {
        "customer_credit_note"
    } else {
        "supplier_credit_note"
    };
    let mut note = original.clone().into_active_model();
    note.kind = Set(kind.into());
    note.number = Set(None);
    note.issue_date = Set(date);
    note.due_date = Set(date);
    note.received_on = Set(original.received_on.map(|_| date));
    note.notes = Set(reason);
    note.status = Set("draft".into());
    note.entry_id = Set(None);
    note.credited_invoice_id = Set(Some(original.id));
    note.amount_paid = Set(Decimal::ZERO);
    note.posted_at = Set(None);
    stamp_new::<invoice::Entity>(&mut note, Some(actor))?;
    let note = tx.insert::<invoice::Entity, _>(note).await?;
    let copies = lines(tx, original.id)
        .await?
        .into_iter()
        .map(|l| {
            let mut am = l.into_active_model();
            am.invoice_id = Set(note.id);
            am
        })
        .collect();
    insert_lines(tx, Some(actor), note.id, copies).await?;
    let note = match post(tx, Some(actor), note.id, None, may_pass_soft_lock).await? {
        Ok(n) => n,
        Err(mut errors) => {
            for e in &mut errors {
                if *e.field == ["issueDate"] {
                    e.field = vec!["date".into()].into();
                }
            }
            return Ok(Err(errors));
        }
    };
    let mut alloc = payment_allocation::ActiveModel {
        invoice_id: Set(original.id),
        payment_id: Set(None),
        credit_note_id: Set(Some(note.id)),
        date: Set(date),
        amount: Set(original.amount_total),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<payment_allocation::Entity>(&mut alloc, Some(actor))?;
    tx.insert::<payment_allocation::Entity, _>(alloc).await?;
    let mut am = original.clone().into_active_model();
    am.status = Set("reversed".into());
    am.amount_paid = Set(original.amount_total);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        original.version,
        actor,
    );
    tx.update_as::<invoice::Entity, _>(am, "credited").await?;
    let mut n = note.clone().into_active_model();
    n.amount_paid = Set(note.amount_total);
    crate::services::stamp(
        &mut n.version,
        &mut n.updated_at,
        &mut n.updated_by,
        note.version,
        actor,
    );
    Ok(Ok(tx.update::<invoice::Entity, _>(n).await?))
}

/// Where an invoice stands on payment (derived, never stored).
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum PaymentStatus {
    /// Nothing paid, not yet due.
    Unpaid,
    /// Partly paid, not yet due.
    Partial,
    /// Fully paid (or, for a credit note, fully applied).
    Paid,
    /// Past its due date with something still owed.
    Overdue,
    /// Credited in full by a credit note.
    Reversed,
}

/// The payment status of a posted document on `today`; `None` for drafts and cancelled ones.
pub fn payment_status(row: &invoice::Model, today: NaiveDate) -> Option<PaymentStatus> {
    match row.status.as_str() {
        "reversed" => Some(PaymentStatus::Reversed),
        "posted" => Some(if row.amount_paid >= row.amount_total {
            PaymentStatus::Paid
        } else if row.due_date < today {
            PaymentStatus::Overdue
        } else if row.amount_paid > Decimal::ZERO {
            PaymentStatus::Partial
        } else {
            PaymentStatus::Unpaid
        }),
        _ => None,
    }
}

/// The global id of an invoice, for messages.
pub fn gid(id: Uuid) -> async_graphql::ID {
    GlobalId::of::<invoice::Entity>(id)
}

/// Checks that a credit note or invoice exists for an entry (used by reports).
pub async fn entry_of(
    tx: &TenantTx,
    row: &invoice::Model,
) -> AppResult<Option<journal_entry::Model>> {
    match row.entry_id {
        Some(id) => Ok(tx.get::<journal_entry::Entity>(id).await?),
        None => Ok(None),
    }
}

#[allow(clippy::too_many_arguments)] // One call site per payment path; a struct would only rename them.
/// Sets amounts against posted invoices, locking each: the allocation is refused when it is
/// more than the invoice still owes. `inbound` payments settle customer invoices, outbound ones
/// supplier bills, of the same party and currency.
pub async fn allocate(
    tx: &TenantTx,
    actor: Uuid,
    party: Uuid,
    currency: &str,
    inbound: bool,
    payment: Uuid,
    date: NaiveDate,
    allocations: &[(usize, Uuid, Decimal)],
    p: &mut P,
) -> AppResult<Decimal> {
    let mut total = Decimal::ZERO;
    let mut seen = std::collections::HashSet::new();
    for (i, invoice_id, amount) in allocations {
        let at = |f: &str| format!("allocations.{i}.{f}");
        if !seen.insert(*invoice_id) {
            p.row(
                &at("invoiceId"),
                E::Duplicate,
                "the invoice is listed twice",
            );
            continue;
        }
        if *amount <= Decimal::ZERO {
            p.row(&at("amount"), E::Invalid, "must be more than zero");
            continue;
        }
        super::money_in(p, &at("amount"), *amount, currency);
        let Some(inv) = tx.get_for_update::<invoice::Entity>(*invoice_id).await? else {
            p.row(&at("invoiceId"), E::NotFound, "no such invoice");
            continue;
        };
        let wanted = if inbound {
            "customer_invoice"
        } else {
            "supplier_bill"
        };
        if inv.status == "reversed" {
            p.row(
                &at("invoiceId"),
                E::AlreadyReversed,
                "the invoice was credited",
            );
        } else if inv.status != "posted" {
            p.row(
                &at("invoiceId"),
                E::NotPosted,
                "only a posted invoice is paid",
            );
        } else if inv.kind != wanted {
            p.row(
                &at("invoiceId"),
                E::PartyMismatch,
                format!(
                    "a {} payment settles a {}",
                    if inbound { "received" } else { "sent" },
                    wanted.replace('_', " ")
                ),
            );
        } else if inv.party_id != party {
            p.row(
                &at("invoiceId"),
                E::PartyMismatch,
                "the invoice is another party's",
            );
        } else if inv.currency != currency {
            p.row(
                &at("invoiceId"),
                E::CurrencyMismatch,
                format!("the invoice is in {}", inv.currency),
            );
        } else if *amount > inv.amount_total - inv.amount_paid {
            p.row(
                &at("amount"),
                E::Overpayment,
                format!(
                    "the invoice still owes {} {}",
                    inv.amount_total - inv.amount_paid,
                    inv.currency
                ),
            );
        } else if p.is_empty() {
            let mut alloc = payment_allocation::ActiveModel {
                invoice_id: Set(inv.id),
                payment_id: Set(Some(payment)),
                credit_note_id: Set(None),
                date: Set(date),
                amount: Set(*amount),
                archived_at: Set(None),
                ..Default::default()
            };
            stamp_new::<payment_allocation::Entity>(&mut alloc, Some(actor))?;
            tx.insert::<payment_allocation::Entity, _>(alloc).await?;
            let mut am = inv.clone().into_active_model();
            am.amount_paid = Set(inv.amount_paid + *amount);
            crate::services::stamp(
                &mut am.version,
                &mut am.updated_at,
                &mut am.updated_by,
                inv.version,
                actor,
            );
            tx.update_as::<invoice::Entity, _>(am, "paid").await?;
        }
        total += *amount;
    }
    Ok(total)
}

/// The allocations against an invoice, oldest first.
pub async fn allocations_of(
    tx: &TenantTx,
    invoice: Uuid,
) -> AppResult<Vec<payment_allocation::Model>> {
    Ok(tx
        .all(tx.select::<payment_allocation::Entity>().refine(|q| {
            q.filter(payment_allocation::Column::InvoiceId.eq(invoice))
                .order_by_asc(payment_allocation::Column::Date)
        }))
        .await?)
}

/// An internal error for a document whose parts vanished mid-transaction.
pub fn vanished(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("{what} vanished"))
}

/// One currency's totals of a kind of document (see [`document_totals`]).
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct DocumentTotals {
    /// ISO 4217 code.
    pub currency: String,
    /// How many documents.
    pub documents: i64,
    /// Sum of the lines' quantity times unit price (net of tax).
    pub untaxed: Option<Decimal>,
    /// Sum of the tax.
    pub tax: Option<Decimal>,
    /// Sum of the totals.
    pub total: Option<Decimal>,
    /// Sum of what was settled.
    pub paid: Option<Decimal>,
}

/// Totals of the posted documents of `kind` (credited ones included: they were issued), per
/// currency, over issue dates `from..=to` (either end open). Posting stores each document's
/// totals in the same transaction that writes its lines, and they never change afterwards, so
/// this reads one index range of `invoices` instead of every line.
pub async fn document_totals(
    tx: &TenantTx,
    kind: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<Vec<DocumentTotals>> {
    use invoice::Column as C;
    use sea_orm::QuerySelect;
    let mut rows = tx
        .rows::<invoice::Entity, DocumentTotals>(tx.select::<invoice::Entity>().refine(|q| {
            let mut q = q
                .select_only()
                .column(C::Currency)
                // Counting a column the covering index holds keeps the scan index-only (`id` is
                // not in it).
                .column_as(C::AmountTotal.count(), "documents")
                .column_as(C::AmountUntaxed.sum(), "untaxed")
                .column_as(C::AmountTax.sum(), "tax")
                .column_as(C::AmountTotal.sum(), "total")
                .column_as(C::AmountPaid.sum(), "paid")
                .filter(C::Kind.eq(kind))
                .filter(C::Status.is_in(["posted", "reversed"]))
                .group_by(C::Currency);
            if let Some(from) = from {
                q = q.filter(C::IssueDate.gte(from));
            }
            if let Some(to) = to {
                q = q.filter(C::IssueDate.lte(to));
            }
            q
        }))
        .await?;
    rows.sort_by(|a, b| a.currency.cmp(&b.currency));
    Ok(rows)
}
