//! Per-tenant gapless document numbers such as `INV-2026-000123`.
//!
//! A format is text with tokens: `{YYYY}` (year), `{YY}`, `{MM}` (month) and exactly one `{SEQ}`
//! or `{SEQ:n}` (the counter, zero-padded to `n` digits). The counter restarts when the period
//! the format shows changes: yearly with `{YYYY}`, monthly with `{MM}` too, never without either.
//! Numbers are taken inside the caller's transaction (`TenantTx::next_number`), so they are
//! unique, in order, and without gaps even under concurrent inserts and rollbacks.

use async_graphql::Enum;
use chrono::{Datelike, NaiveDate, Utc};
use entity::TenantTx;
use entity::kernel::number_format;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::error::{AppResult, InputError};
use crate::services::stamp;
use crate::services::tenants::PlatformErrorCode;

/// The documents that get numbers. Domains add theirs here.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum DocumentType {
    /// Customer invoices.
    Invoice,
    /// Supplier bills.
    Bill,
    /// Credit notes.
    CreditNote,
    /// Journal entries.
    JournalEntry,
    /// Payments in and out.
    Payment,
    /// Expense claims.
    ExpenseClaim,
    /// Purchase requests.
    PurchaseRequest,
    /// Purchase orders.
    PurchaseOrder,
    /// Helpdesk tickets.
    Ticket,
    /// Contracts.
    Contract,
    /// Employment contracts.
    EmploymentContract,
    /// Leave requests.
    LeaveRequest,
    /// Payroll runs.
    PayrollRun,
    /// Job requisitions.
    JobRequisition,
}

impl DocumentType {
    /// Every document type.
    pub const ALL: [DocumentType; 14] = [
        DocumentType::Invoice,
        DocumentType::Bill,
        DocumentType::CreditNote,
        DocumentType::JournalEntry,
        DocumentType::Payment,
        DocumentType::ExpenseClaim,
        DocumentType::PurchaseRequest,
        DocumentType::PurchaseOrder,
        DocumentType::Ticket,
        DocumentType::Contract,
        DocumentType::EmploymentContract,
        DocumentType::LeaveRequest,
        DocumentType::PayrollRun,
        DocumentType::JobRequisition,
    ];

    /// The stored key (`invoice`, `journal_entry`, ...).
    pub fn key(self) -> &'static str {
        match self {
            DocumentType::Invoice => "invoice",
            DocumentType::Bill => "bill",
            DocumentType::CreditNote => "credit_note",
            DocumentType::JournalEntry => "journal_entry",
            DocumentType::Payment => "payment",
            DocumentType::ExpenseClaim => "expense_claim",
            DocumentType::PurchaseRequest => "purchase_request",
            DocumentType::PurchaseOrder => "purchase_order",
            DocumentType::Ticket => "ticket",
            DocumentType::Contract => "contract",
            DocumentType::EmploymentContract => "employment_contract",
            DocumentType::LeaveRequest => "leave_request",
            DocumentType::PayrollRun => "payroll_run",
            DocumentType::JobRequisition => "job_requisition",
        }
    }

    /// The format used until the tenant sets its own.
    pub fn default_format(self) -> &'static str {
        match self {
            DocumentType::Invoice => "INV-{YYYY}-{SEQ:6}",
            DocumentType::Bill => "BILL-{YYYY}-{SEQ:6}",
            DocumentType::CreditNote => "CN-{YYYY}-{SEQ:6}",
            DocumentType::JournalEntry => "JE-{YYYY}-{SEQ:6}",
            DocumentType::Payment => "PAY-{YYYY}-{SEQ:6}",
            DocumentType::ExpenseClaim => "EXP-{YYYY}-{SEQ:6}",
            DocumentType::PurchaseRequest => "PR-{YYYY}-{SEQ:6}",
            DocumentType::PurchaseOrder => "PO-{YYYY}-{SEQ:6}",
            DocumentType::Ticket => "TKT-{SEQ:7}",
            DocumentType::Contract => "CTR-{YYYY}-{SEQ:4}",
            DocumentType::EmploymentContract => "EC-{YYYY}-{SEQ:5}",
            DocumentType::LeaveRequest => "LV-{YYYY}-{SEQ:6}",
            DocumentType::PayrollRun => "PRL-{YYYY}-{SEQ:4}",
            DocumentType::JobRequisition => "REQ-{YYYY}-{SEQ:5}",
        }
    }
}

/// One piece of a parsed format.
enum Piece<'a> {
    Text(&'a str),
    Year4,
    Year2,
    Month,
    Seq(usize),
}

/// Parses a format; the error says what is wrong.
fn parse(format: &str) -> Result<Vec<Piece<'_>>, String> {
    if format.is_empty() || format.chars().count() > 60 {
        return Err("the format must be 1-60 characters".into());
    }
    let mut pieces = Vec::new();
    let mut rest = format;
    let mut seqs = 0;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let close = rest[open..]
            .find('}')
            .ok_or("an opening brace is never closed")?
            + open;
        let token = &rest[open + 1..close];
        pieces.push(match token {
            "YYYY" => Piece::Year4,
            "YY" => Piece::Year2,
            "MM" => Piece::Month,
            "SEQ" => Piece::Seq(1),
            t if t.starts_with("SEQ:") => {
                let width: usize = t[4..]
                    .parse()
                    .map_err(|_| format!("`{{{t}}}` needs a width such as {{SEQ:6}}"))?;
                if !(1..=12).contains(&width) {
                    return Err("the sequence width must be 1-12".into());
                }
                Piece::Seq(width)
            }
            t => {
                return Err(format!(
                    "unknown token `{{{t}}}`; use YYYY, YY, MM, SEQ or SEQ:n"
                ));
            }
        });
        if matches!(pieces.last(), Some(Piece::Seq(_))) {
            seqs += 1;
        }
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        if rest.contains('}') {
            return Err("a closing brace has no opening one".into());
        }
        pieces.push(Piece::Text(rest));
    }
    if seqs != 1 {
        return Err("the format needs exactly one {SEQ} or {SEQ:n}".into());
    }
    let text_ok = pieces.iter().all(|p| match p {
        Piece::Text(t) => t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/.#".contains(c)),
        _ => true,
    });
    if !text_ok {
        return Err("literal text may hold letters, digits and - _ / . # only".into());
    }
    Ok(pieces)
}

/// Checks a format; `None` when acceptable.
pub fn format_problem(format: &str) -> Option<String> {
    parse(format).err()
}

/// The counter's period for a date: what the format shows of it.
pub fn period(format: &str, date: NaiveDate) -> String {
    let pieces = parse(format).unwrap_or_default();
    let year = pieces
        .iter()
        .any(|p| matches!(p, Piece::Year4 | Piece::Year2));
    let month = pieces.iter().any(|p| matches!(p, Piece::Month));
    match (year, month) {
        (_, true) => format!("{:04}-{:02}", date.year(), date.month()),
        (true, false) => format!("{:04}", date.year()),
        (false, false) => String::new(),
    }
}

/// Renders a number.
pub fn render(format: &str, date: NaiveDate, seq: i64) -> String {
    parse(format)
        .unwrap_or_default()
        .iter()
        .map(|p| match p {
            Piece::Text(t) => (*t).to_owned(),
            Piece::Year4 => format!("{:04}", date.year()),
            Piece::Year2 => format!("{:02}", date.year() % 100),
            Piece::Month => format!("{:02}", date.month()),
            Piece::Seq(w) => format!("{seq:0w$}", w = *w),
        })
        .collect()
}

/// The tenant's format for a document type (its own or the default).
pub async fn format_of(tx: &TenantTx, doc: DocumentType) -> AppResult<String> {
    Ok(find(tx, doc)
        .await?
        .map_or_else(|| doc.default_format().to_owned(), |f| f.format))
}

/// Takes the next number for a document dated `date`, inside the caller's transaction.
pub async fn allocate(tx: &TenantTx, doc: DocumentType, date: NaiveDate) -> AppResult<String> {
    let format = format_of(tx, doc).await?;
    let seq = tx.next_number(doc.key(), &period(&format, date)).await?;
    Ok(render(&format, date, seq))
}

/// Sets the tenant's format for a document type.
pub async fn set_format(
    tx: &TenantTx,
    actor: Uuid,
    doc: DocumentType,
    format: &str,
) -> AppResult<Result<String, Vec<InputError<PlatformErrorCode>>>> {
    if let Some(problem) = format_problem(format) {
        return Ok(Err(vec![InputError::new(
            "format",
            PlatformErrorCode::Invalid,
            problem,
        )]));
    }
    let now = Utc::now();
    match find(tx, doc).await? {
        Some(existing) => {
            let version = existing.version;
            let mut am = existing.into_active_model();
            am.format = Set(format.to_owned());
            stamp(
                &mut am.version,
                &mut am.updated_at,
                &mut am.updated_by,
                version,
                actor,
            );
            tx.update(am).await?;
        }
        None => {
            tx.insert(number_format::ActiveModel {
                tenant_id: Set(tx.tenant().uuid()),
                id: Set(Uuid::now_v7()),
                document_type: Set(doc.key().to_owned()),
                format: Set(format.to_owned()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                created_by: Set(Some(actor)),
                updated_by: Set(Some(actor)),
                archived_at: Set(None),
            })
            .await?;
        }
    }
    Ok(Ok(format.to_owned()))
}

async fn find(tx: &TenantTx, doc: DocumentType) -> AppResult<Option<number_format::Model>> {
    Ok(tx
        .one(
            tx.select::<number_format::Entity>()
                .refine(|q| q.filter(number_format::Column::DocumentType.eq(doc.key()))),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_render_and_reset_by_period() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 9).expect("date");
        assert_eq!(render("INV-{YYYY}-{SEQ:6}", d, 123), "INV-2026-000123");
        assert_eq!(render("{YY}{MM}/{SEQ}", d, 7), "2604/7");
        assert_eq!(period("INV-{YYYY}-{SEQ:6}", d), "2026");
        assert_eq!(period("{YYYY}{MM}-{SEQ:4}", d), "2026-04");
        assert_eq!(period("TKT-{SEQ:7}", d), "");
        for bad in [
            "INV",
            "{SEQ}{SEQ}",
            "{SEQ:0}",
            "{DAY}-{SEQ}",
            "A B {SEQ}",
            "{SEQ",
            "SEQ}",
        ] {
            assert!(format_problem(bad).is_some(), "{bad}");
        }
    }
}
