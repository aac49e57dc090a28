//! Expense claims: an employee's out-of-pocket expenses.
//!
//! Invariants:
//! - only the claimant writes, submits, cancels or reopens their claim, and only a draft has
//!   its content; the status moves only through the state machine below;
//! - a claim is approved through the workflow kernel: the claimant is never their own approver
//!   (`SELF_APPROVAL`), and with no rule that applies it is approved on submission;
//! - posting (finance, `POST_JOURNAL_ENTRIES`) debits each line's expense account and credits
//!   the advance the claimant already had (account `1600`) and what the company owes them
//!   (account `2020`), through the ledger's checks; the advance is at most the total;
//! - reimbursing (`MANAGE_PAYMENTS`) pays what is owed from a bank or cash journal and ends the
//!   claim; with the advance covering everything, nothing is paid.

use chrono::{NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::{account, expense_claim, expense_claim_line, journal};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ledger::{self, EntryIn, LineIn};
use super::{AccountingErrorCode, Checked as LedgerChecked};
use crate::auth::Permission;
use crate::error::{AppError, AppResult, InputError};
use crate::graphql::core::Session;
use crate::graphql::expenses::{
    CreateExpenseClaimInput, ExpenseClaim, ExpenseClaimFilter, ExpenseClaimOrder,
};
use crate::graphql::resource::{Problems, Resource, stamp_new};
use crate::services::approvals::{self, ApprovalErrorCode, Checked, Facts, Outcome};
use crate::services::workflow::{StateMachine, transition};

crate::state_machine! {
    /// Where an expense claim is in its workflow.
    ExpenseClaimState / ExpenseClaimAction for "expense claim" {
        states {
            /// Being written by the claimant; the only state in which its content changes.
            Draft = "draft",
            /// Submitted and waiting for its approval.
            ToApprove = "to_approve",
            /// Approved; waiting to be posted by finance.
            Approved = "approved",
            /// An approver rejected it.
            Rejected = "rejected",
            /// In the books: the company owes the claimant.
            Posted = "posted",
            /// Reimbursed.
            Paid = "paid",
            /// Withdrawn by the claimant.
            Cancelled = "cancelled",
        }
        transitions {
            /// Send it for approval.
            Submit "submitted": [Draft] => ToApprove,
            /// The last required approval was given.
            Approve "approved": [ToApprove] => Approved,
            /// An approver rejected it.
            Reject "rejected": [ToApprove] => Rejected,
            /// Finance posts it to the ledger.
            Post "posted": [Approved] => Posted,
            /// Finance pays the claimant back.
            Reimburse "reimbursed": [Posted] => Paid,
            /// Withdraw it.
            Cancel "cancelled": [Draft, ToApprove, Rejected, Approved] => Cancelled,
            /// Take a rejected or cancelled claim back into draft.
            Reopen "reopened": [Rejected, Cancelled] => Draft,
        }
    }
}

impl crate::services::workflow::WorkflowCodes for AccountingErrorCode {
    const ILLEGAL_TRANSITION: Self = Self::IllegalTransition;
}

/// The state of a stored claim (an unknown one is treated as the most locked).
pub fn state(row: &expense_claim::Model) -> ExpenseClaimState {
    ExpenseClaimState::from_db(&row.status).unwrap_or(ExpenseClaimState::Cancelled)
}

impl Resource for expense_claim::Entity {
    type Node = ExpenseClaim;
    type Filter = ExpenseClaimFilter;
    type Order = ExpenseClaimOrder;
    const VIEW: Permission = Permission::ViewExpenses;

    /// Finance (`VIEW_EXPENSES`) reads every claim; anyone who may submit requests reads their
    /// own.
    fn authorize<'a>(ctx: &'a async_graphql::Context<'_>) -> AppResult<&'a Session> {
        use crate::graphql::core::ContextExt;
        let session = ctx.session()?;
        if !session.principal.can(Permission::ViewExpenses) {
            session.principal.require(Permission::SubmitRequests)?;
        }
        Ok(session)
    }

    fn visible(session: &Session) -> Option<Condition> {
        (!session.principal.can(Permission::ViewExpenses)).then(|| {
            Condition::all()
                .add(expense_claim::Column::ClaimantUserId.eq(session.principal.actor_id))
        })
    }

    fn may_see(session: &Session, row: &expense_claim::Model) -> bool {
        session.principal.can(Permission::ViewExpenses)
            || row.claimant_user_id == session.principal.actor_id
    }
}

/// The lines of a claim, in order.
pub async fn lines(tx: &TenantTx, claim: Uuid) -> AppResult<Vec<expense_claim_line::Model>> {
    Ok(tx
        .all(tx.select::<expense_claim_line::Entity>().refine(|q| {
            q.filter(expense_claim_line::Column::ClaimId.eq(claim))
                .order_by_asc(expense_claim_line::Column::LineNo)
        }))
        .await?)
}

/// Writes a draft claim of the actor's.
pub async fn create(
    tx: &TenantTx,
    input: &CreateExpenseClaimInput,
) -> AppResult<Checked<expense_claim::Model>> {
    let mut p = Problems::<ApprovalErrorCode>::default();
    let Some(claimant) = tx.actor().id.filter(|_| tx.actor().kind == "user") else {
        return Ok(Err(vec![InputError::new(
            "",
            ApprovalErrorCode::NotRequester,
            "expense claims are made by people, not API keys",
        )]));
    };
    let title = p.required_text("title", &input.title, 200);
    let base = super::base_currency(tx).await?;
    if input.lines.is_empty() || input.lines.len() > 100 {
        p.row(
            "lines",
            ApprovalErrorCode::Required,
            "one to a hundred lines",
        );
    }
    let default_account = super::chart::journal_of_type(tx, "purchase")
        .await?
        .and_then(|j| j.default_account_id);
    let mut rows = Vec::new();
    let mut total = Decimal::ZERO;
    for (i, l) in input.lines.iter().enumerate() {
        let at = |f: &str| format!("lines.{i}.{f}");
        let description = p.required_text(&at("description"), &l.description, 500);
        let amount = l.amount.0;
        if amount <= Decimal::ZERO || amount.normalize().scale() > super::currency_decimals(&base) {
            p.row(
                &at("amount"),
                ApprovalErrorCode::Invalid,
                format!("more than zero, in whole {base} minor units"),
            );
        }
        if l.date > Utc::now().date_naive() {
            p.row(
                &at("date"),
                ApprovalErrorCode::Invalid,
                "an expense is not in the future",
            );
        }
        let account = match &l.account_id {
            Some(id) => {
                p.reference::<account::Entity>(tx, &at("accountId"), Some(id))
                    .await?
            }
            None => default_account,
        };
        if let Some(a) = account
            && let Some(row) = tx.get::<account::Entity>(a).await?
            && (row.is_group || row.account_type != "expense")
        {
            p.row(
                &at("accountId"),
                ApprovalErrorCode::Invalid,
                "an expense line posts to a postable expense account",
            );
        }
        total += amount;
        rows.push(expense_claim_line::ActiveModel {
            line_no: Set(i as i32 + 1),
            date: Set(l.date),
            description: Set(description),
            account_id: Set(account.unwrap_or_default()),
            amount: Set(amount),
            archived_at: Set(None),
            ..Default::default()
        });
    }
    let advance = input.advance.map(|a| a.0).unwrap_or_default();
    if advance < Decimal::ZERO || advance > total {
        p.row(
            "advance",
            ApprovalErrorCode::Invalid,
            "from zero to the claim's total",
        );
    }
    let cost_centre = p
        .reference::<entity::org::cost_centre::Entity>(
            tx,
            "costCentreId",
            input.cost_centre_id.as_ref(),
        )
        .await?;
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    let number = crate::services::numbering::allocate(
        tx,
        crate::services::numbering::DocumentType::ExpenseClaim,
        Utc::now().date_naive(),
    )
    .await?;
    let mut am = expense_claim::ActiveModel {
        number: Set(number),
        claimant_user_id: Set(claimant),
        title: Set(title),
        currency: Set(base),
        total: Set(total),
        advance: Set(advance),
        cost_centre_id: Set(cost_centre),
        status: Set(ExpenseClaimState::Draft.db().into()),
        submitted_at: Set(None),
        entry_id: Set(None),
        payment_entry_id: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<expense_claim::Entity>(&mut am, Some(claimant))?;
    let claim = tx.insert::<expense_claim::Entity, _>(am).await?;
    for mut l in rows {
        l.claim_id = Set(claim.id);
        stamp_new::<expense_claim_line::Entity>(&mut l, Some(claimant))?;
        tx.insert::<expense_claim_line::Entity, _>(l).await?;
    }
    Ok(Ok(claim))
}

async fn apply(
    tx: &TenantTx,
    actor: Uuid,
    row: &expense_claim::Model,
    action: ExpenseClaimAction,
    to: ExpenseClaimState,
    change: impl FnOnce(&mut expense_claim::ActiveModel),
) -> AppResult<expense_claim::Model> {
    crate::services::workflow::advance::<expense_claim::Entity, _>(
        tx,
        Some(actor),
        row,
        ExpenseClaimState::past(action),
        |am| {
            am.status = Set(to.db().into());
            change(am);
        },
    )
    .await
}

/// A claimant's transition: submit, cancel or reopen.
pub async fn claimant_transition(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    action: ExpenseClaimAction,
    reason: Option<&str>,
) -> AppResult<Checked<expense_claim::Model>> {
    let fail = |path: &str, code, msg: &str| Ok(Err(vec![InputError::new(path, code, msg)]));
    let Some(row) = tx.get_for_update::<expense_claim::Entity>(id).await? else {
        return fail("id", ApprovalErrorCode::NotFound, "no such expense claim");
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.claimant_user_id != actor {
        return fail(
            "id",
            ApprovalErrorCode::NotRequester,
            "only the claimant submits, cancels or reopens a claim",
        );
    }
    let next = match transition(state(&row), action) {
        Ok(n) => n,
        Err(e) => return Ok(Err(vec![e])),
    };
    match action {
        ExpenseClaimAction::Submit => {
            let facts = Facts {
                document_type: "ExpenseClaim",
                document_id: row.id,
                document_number: Some(row.number.clone()),
                requester: row.claimant_user_id,
                amount: row.total,
                currency: row.currency.clone(),
                cost_centre_id: row.cost_centre_id,
                org_unit_id: None,
                category: None,
                due_on: None,
            };
            let (_, outcome) = match approvals::submit(tx, &facts).await? {
                Ok(done) => done,
                Err(e) => return Ok(Err(e)),
            };
            let submitted = apply(tx, actor, &row, action, next, |am| {
                am.submitted_at = Set(Some(Utc::now()))
            })
            .await?;
            if outcome == Outcome::Approved {
                return Ok(Ok(apply(
                    tx,
                    actor,
                    &submitted,
                    ExpenseClaimAction::Approve,
                    ExpenseClaimState::Approved,
                    |_| {},
                )
                .await?));
            }
            Ok(Ok(submitted))
        }
        ExpenseClaimAction::Cancel => {
            approvals::withdraw(tx, actor, "ExpenseClaim", row.id, reason).await?;
            Ok(Ok(apply(tx, actor, &row, action, next, |_| {}).await?))
        }
        _ => Ok(Ok(apply(tx, actor, &row, action, next, |_| {}).await?)),
    }
}

/// Moves a claim on when its approval completes (called by `approvals::decide_document`).
pub async fn on_decided(tx: &TenantTx, actor: Uuid, id: Uuid, outcome: Outcome) -> AppResult<()> {
    let action = match outcome {
        Outcome::Pending => return Ok(()),
        Outcome::Approved => ExpenseClaimAction::Approve,
        Outcome::Rejected => ExpenseClaimAction::Reject,
    };
    let row = tx
        .get_for_update::<expense_claim::Entity>(id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a decided expense claim vanished")))?;
    let next = transition::<_, ApprovalErrorCode>(state(&row), action)
        .map_err(|e| AppError::internal(anyhow::anyhow!("{}", e.message)))?;
    apply(tx, actor, &row, action, next, |_| {}).await?;
    Ok(())
}

fn refuse<T>(path: &str, code: AccountingErrorCode, msg: impl Into<String>) -> LedgerChecked<T> {
    super::refuse(path, code, msg)
}

/// Posts an approved claim on `date`: each line's expense against the advance and what is owed
/// to the claimant.
pub async fn post(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    date: NaiveDate,
    privileged: bool,
) -> AppResult<LedgerChecked<expense_claim::Model>> {
    let Some(row) = tx.get_for_update::<expense_claim::Entity>(id).await? else {
        return Ok(refuse(
            "id",
            AccountingErrorCode::NotFound,
            "no such expense claim",
        ));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    let next = match transition(state(&row), ExpenseClaimAction::Post) {
        Ok(n) => n,
        Err(e) => return Ok(Err(vec![e])),
    };
    let (Some(advances), Some(owed), Some(journal)) = (
        account_by_code(tx, "1600").await?,
        account_by_code(tx, "2020").await?,
        super::chart::journal_of_type(tx, "general").await?,
    ) else {
        return Ok(refuse(
            "id",
            AccountingErrorCode::NotFound,
            "the chart needs accounts 1600 and 2020 and a general journal",
        ));
    };
    let mut entry_lines: Vec<LineIn> = lines(tx, id)
        .await?
        .into_iter()
        .map(|l| {
            let mut line = LineIn::new(l.account_id, l.amount, Decimal::ZERO);
            line.description = Some(l.description);
            line.cost_centre = row.cost_centre_id;
            line
        })
        .collect();
    if row.advance > Decimal::ZERO {
        let mut l = LineIn::new(advances, Decimal::ZERO, row.advance);
        l.description = Some(format!("Advance netted on {}", row.number));
        entry_lines.push(l);
    }
    if row.total > row.advance {
        let mut l = LineIn::new(owed, Decimal::ZERO, row.total - row.advance);
        l.description = Some(format!("Owed to the claimant of {}", row.number));
        entry_lines.push(l);
    }
    let input = EntryIn {
        journal: journal.id,
        date,
        kind: "entry",
        reference: Some(row.number.clone()),
        narration: Some(format!("Expense claim {}: {}", row.number, row.title)),
        lines: entry_lines,
        reversal_of: None,
        source: Some(("ExpenseClaim", row.id)),
        closing: false,
    };
    let entry = match ledger::record(tx, Some(actor), &input, privileged).await? {
        Ok(e) => e,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(apply(
        tx,
        actor,
        &row,
        ExpenseClaimAction::Post,
        next,
        |am| am.entry_id = Set(Some(entry.id)),
    )
    .await?))
}

/// Reimburses a posted claim from a bank or cash journal on `date`.
pub async fn reimburse(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    journal_id: Uuid,
    date: NaiveDate,
    privileged: bool,
) -> AppResult<LedgerChecked<expense_claim::Model>> {
    let Some(row) = tx.get_for_update::<expense_claim::Entity>(id).await? else {
        return Ok(refuse(
            "id",
            AccountingErrorCode::NotFound,
            "no such expense claim",
        ));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    let next = match transition(state(&row), ExpenseClaimAction::Reimburse) {
        Ok(n) => n,
        Err(e) => return Ok(Err(vec![e])),
    };
    let owed = row.total - row.advance;
    let mut payment_entry = None;
    if owed > Decimal::ZERO {
        let bank = match tx.get::<journal::Entity>(journal_id).await? {
            Some(j)
                if matches!(j.journal_type.as_str(), "bank" | "cash")
                    && j.default_account_id.is_some() =>
            {
                j
            }
            _ => {
                return Ok(refuse(
                    "journalId",
                    AccountingErrorCode::Invalid,
                    "a bank or cash journal with its account",
                ));
            }
        };
        let Some(owed_account) = account_by_code(tx, "2020").await? else {
            return Ok(refuse(
                "id",
                AccountingErrorCode::NotFound,
                "the chart needs account 2020",
            ));
        };
        let input = EntryIn {
            journal: bank.id,
            date,
            kind: "payment",
            reference: Some(row.number.clone()),
            narration: Some(format!("Reimbursement of {}", row.number)),
            lines: vec![
                LineIn::new(owed_account, owed, Decimal::ZERO),
                LineIn::new(
                    bank.default_account_id.unwrap_or_default(),
                    Decimal::ZERO,
                    owed,
                ),
            ],
            reversal_of: None,
            source: Some(("ExpenseClaim", row.id)),
            closing: false,
        };
        match ledger::record(tx, Some(actor), &input, privileged).await? {
            Ok(e) => payment_entry = Some(e.id),
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(apply(
        tx,
        actor,
        &row,
        ExpenseClaimAction::Reimburse,
        next,
        |am| am.payment_entry_id = Set(payment_entry),
    )
    .await?))
}

async fn account_by_code(tx: &TenantTx, code: &str) -> AppResult<Option<Uuid>> {
    let code = code.to_owned();
    Ok(tx
        .one(
            tx.select::<account::Entity>()
                .refine(|q| q.filter(account::Column::Code.eq(code))),
        )
        .await?
        .map(|a| a.id))
}
