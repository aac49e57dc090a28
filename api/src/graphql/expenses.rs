//! Expense claims in the schema: the claimant's draft and transitions (`SUBMIT_REQUESTS`),
//! approval through the generic `approve`/`reject`, and finance's posting and reimbursement.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::accounting::{account, expense_claim, expense_claim_line, journal, journal_entry};
use entity::org::cost_centre;

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::accounting::{Account, JournalEntry};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::listing::{DateTimeFilter, DecimalFilter, IdFilter, TextFilter};
use crate::graphql::org::CostCentre;
use crate::graphql::scalars::Decimal;
use crate::services::accounting::AccountingErrorCode;
use crate::services::accounting::expenses::{self, ExpenseClaimAction, ExpenseClaimState, state};
use crate::services::approvals::ApprovalErrorCode;
use crate::services::workflow::StateMachine;
use crate::{enum_filter, filter_input, list_query, node_object, order_field};

/// A line of an expense claim.
#[derive(SimpleObject)]
pub struct ExpenseClaimLine {
    /// 1 for the first line.
    pub line_no: i32,
    /// When the money was spent.
    pub date: NaiveDate,
    /// What for.
    pub description: String,
    /// The expense account.
    pub account: Option<Account>,
    /// Tax included.
    pub amount: Decimal,
}

node_object! {
    /// An employee's claim for what they spent for the company. Finance (`VIEW_EXPENSES`) reads
    /// every claim; a claimant reads their own; approvers read the ones they are asked about.
    /// Receipts are attachments on the claim.
    ExpenseClaim(expense_claim) {
        /// Gapless per tenant, e.g. `EXP-2026-000001`.
        async fn number(&self) -> &str {
            &self.0.number
        }
        /// The claimant (their user id).
        async fn claimant_user_id(&self) -> uuid::Uuid {
            self.0.claimant_user_id
        }
        /// What the claim is about.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// The currency (the base currency).
        async fn currency(&self) -> &str {
            &self.0.currency
        }
        /// The sum of the lines.
        async fn total(&self) -> Decimal {
            Decimal(self.0.total)
        }
        /// An advance the claimant had already received, netted when posted.
        async fn advance(&self) -> Decimal {
            Decimal(self.0.advance)
        }
        /// What is paid back: the total less the advance.
        async fn amount_owed(&self) -> Decimal {
            Decimal(self.0.total - self.0.advance)
        }
        /// The cost centre charged.
        async fn cost_centre(&self, ctx: &Context<'_>) -> GqlResult<Option<CostCentre>> {
            Ok(load_one::<cost_centre::Entity>(ctx, self.0.cost_centre_id).await?.map(CostCentre))
        }
        /// Where it is in its workflow.
        async fn status(&self) -> ExpenseClaimState {
            state(&self.0)
        }
        /// The transitions allowed from the current status (to whoever may make them).
        async fn allowed_actions(&self) -> List<ExpenseClaimAction> {
            List(state(&self.0).allowed())
        }
        /// When it was last submitted.
        async fn submitted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.submitted_at
        }
        /// Its journal entry once posted (needs `VIEW_LEDGER`).
        async fn journal_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            if !ctx.session()?.principal.can(Permission::ViewLedger) {
                return Ok(None);
            }
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.entry_id).await?.map(JournalEntry))
        }
        /// The reimbursement's journal entry (needs `VIEW_LEDGER`).
        async fn payment_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            if !ctx.session()?.principal.can(Permission::ViewLedger) {
                return Ok(None);
            }
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.payment_entry_id).await?.map(JournalEntry))
        }
        /// The lines, in order.
        async fn lines(&self, ctx: &Context<'_>) -> GqlResult<List<ExpenseClaimLine>> {
            let id = self.0.id;
            let rows: Vec<expense_claim_line::Model> = ctx
                .session()?
                .db
                .read(async |tx| expenses::lines(tx, id).await.map_err(crate::graphql::core::db_err))
                .await?;
            let mut out = Vec::new();
            for l in rows {
                out.push(ExpenseClaimLine {
                    line_no: l.line_no,
                    date: l.date,
                    description: l.description,
                    account: load_one::<account::Entity>(ctx, Some(l.account_id)).await?.map(Account),
                    amount: Decimal(l.amount),
                });
            }
            Ok(List(out))
        }
    }
}

enum_filter!(ExpenseClaimState);

filter_input! {
    /// Conditions on expense claims.
    ExpenseClaimFilter for expense_claim {
        /// The number.
        number: TextFilter => Number,
        /// The title.
        title: TextFilter => Title,
        /// The status.
        status: ExpenseClaimStateFilter => Status,
        /// The total.
        total: DecimalFilter => Total,
        /// The cost centre.
        cost_centre: IdFilter => CostCentreId ref cost_centre::Entity,
        /// When it was created.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What expense claims can be sorted by.
    ExpenseClaim for expense_claim {
        /// The number.
        Number => Number,
        /// The total.
        Total => Total,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

list_query! {
    entity: expense_claim::Entity, node: ExpenseClaim, many: expense_claims,
    what: "expense claim", needs: [ "`VIEW_EXPENSES` (or `SUBMIT_REQUESTS` for one's own)" ],
    query: ExpenseClaimListQuery,
}

/// A line of a new expense claim.
#[derive(InputObject)]
pub struct ExpenseClaimLineInput {
    /// When the money was spent (not in the future).
    pub date: NaiveDate,
    /// What for, at most 500 characters.
    pub description: String,
    /// A postable expense account (default: the purchase journal's account).
    pub account_id: Option<ID>,
    /// Tax included, more than zero.
    pub amount: Decimal,
}

/// A new expense claim (a draft of the caller's).
#[derive(InputObject)]
pub struct CreateExpenseClaimInput {
    /// What it is about, at most 200 characters.
    pub title: String,
    /// The cost centre to charge.
    pub cost_centre_id: Option<ID>,
    /// An advance already received, netted (at most the total).
    pub advance: Option<Decimal>,
    /// One to a hundred lines; receipts go on the claim as attachments.
    pub lines: Vec<ExpenseClaimLineInput>,
}

/// Which claim to move, at which version.
#[derive(InputObject)]
pub struct ExpenseClaimTransitionInput {
    /// The claim.
    pub id: ID,
    /// The version read; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// Why (kept with a cancellation).
    pub reason: Option<String>,
}

/// Posting or reimbursing a claim.
#[derive(InputObject)]
pub struct SettleExpenseClaimInput {
    /// The claim.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// The accounting date (default today).
    pub date: Option<NaiveDate>,
    /// The bank or cash journal paying it back (reimbursement only; default the first bank
    /// journal).
    pub journal_id: Option<ID>,
}

/// The result of a claimant's mutation.
#[derive(SimpleObject)]
pub struct ExpenseClaimPayload {
    /// The claim; `null` when there are errors.
    pub expense_claim: Option<ExpenseClaim>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<ApprovalErrorCode>>,
}

/// The result of finance's posting or reimbursement.
#[derive(SimpleObject)]
pub struct ExpenseClaimPostingPayload {
    /// The claim; `null` when there are errors.
    pub expense_claim: Option<ExpenseClaim>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

fn missing<T>() -> Result<T, Vec<InputError<ApprovalErrorCode>>> {
    Err(vec![InputError::new(
        "id",
        ApprovalErrorCode::NotFound,
        "no such expense claim",
    )])
}

/// Expense claim mutations.
#[derive(Default)]
pub struct ExpenseClaimMutation;

#[Object]
impl ExpenseClaimMutation {
    /// Writes a draft claim of the caller's. Needs `SUBMIT_REQUESTS`.
    async fn create_expense_claim(
        &self,
        ctx: &Context<'_>,
        input: CreateExpenseClaimInput,
    ) -> GqlResult<ExpenseClaimPayload> {
        let session = ctx.authorize(Permission::SubmitRequests)?;
        let tx = session.begin_write(ctx).await?;
        let out = expenses::create(&tx, &input).await?;
        let (row, errors) = settle(tx, out).await?;
        Ok(ExpenseClaimPayload {
            expense_claim: row.map(ExpenseClaim),
            errors: List(errors),
        })
    }

    /// Submits a draft for approval (the claimant only); the tenant's approval rules for
    /// `ExpenseClaim` pick the approvers, never the claimant. Needs `SUBMIT_REQUESTS`.
    async fn submit_expense_claim(
        &self,
        ctx: &Context<'_>,
        input: ExpenseClaimTransitionInput,
    ) -> GqlResult<ExpenseClaimPayload> {
        claimant(ctx, input, ExpenseClaimAction::Submit).await
    }

    /// Withdraws a claim not yet posted (the claimant only). Needs `SUBMIT_REQUESTS`.
    async fn cancel_expense_claim(
        &self,
        ctx: &Context<'_>,
        input: ExpenseClaimTransitionInput,
    ) -> GqlResult<ExpenseClaimPayload> {
        claimant(ctx, input, ExpenseClaimAction::Cancel).await
    }

    /// Takes a rejected or cancelled claim back into draft (the claimant only). Needs
    /// `SUBMIT_REQUESTS`.
    async fn reopen_expense_claim(
        &self,
        ctx: &Context<'_>,
        input: ExpenseClaimTransitionInput,
    ) -> GqlResult<ExpenseClaimPayload> {
        claimant(ctx, input, ExpenseClaimAction::Reopen).await
    }

    /// Posts an approved claim to the ledger (expenses against the advance and what is owed).
    /// Needs `POST_JOURNAL_ENTRIES`.
    async fn post_expense_claim(
        &self,
        ctx: &Context<'_>,
        input: SettleExpenseClaimInput,
    ) -> GqlResult<ExpenseClaimPostingPayload> {
        let session = ctx.authorize(Permission::PostJournalEntries)?;
        let privileged = crate::graphql::accounting::finance_manager(ctx);
        let tx = session.begin_write(ctx).await?;
        let date = input
            .date
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let out = match GlobalId::decode_for::<expense_claim::Entity>(&input.id) {
            None => crate::services::accounting::refuse(
                "id",
                AccountingErrorCode::NotFound,
                "no such expense claim",
            ),
            Some(id) => {
                expenses::post(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    date,
                    privileged,
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(ExpenseClaimPostingPayload {
            expense_claim: row.map(ExpenseClaim),
            errors: List(errors),
        })
    }

    /// Pays a posted claim back from a bank or cash journal. Needs `MANAGE_PAYMENTS`.
    async fn reimburse_expense_claim(
        &self,
        ctx: &Context<'_>,
        input: SettleExpenseClaimInput,
    ) -> GqlResult<ExpenseClaimPostingPayload> {
        let session = ctx.authorize(Permission::ManagePayments)?;
        let privileged = crate::graphql::accounting::finance_manager(ctx);
        let tx = session.begin_write(ctx).await?;
        let date = input
            .date
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let journal = match &input.journal_id {
            Some(id) => GlobalId::decode_for::<journal::Entity>(id),
            None => crate::services::accounting::chart::journal_of_type(&tx, "bank")
                .await?
                .map(|j| j.id),
        };
        let out = match GlobalId::decode_for::<expense_claim::Entity>(&input.id) {
            None => crate::services::accounting::refuse(
                "id",
                AccountingErrorCode::NotFound,
                "no such expense claim",
            ),
            Some(id) => {
                expenses::reimburse(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    journal.unwrap_or_default(),
                    date,
                    privileged,
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(ExpenseClaimPostingPayload {
            expense_claim: row.map(ExpenseClaim),
            errors: List(errors),
        })
    }
}

async fn claimant(
    ctx: &Context<'_>,
    input: ExpenseClaimTransitionInput,
    action: ExpenseClaimAction,
) -> GqlResult<ExpenseClaimPayload> {
    let session = ctx.authorize(Permission::SubmitRequests)?;
    let tx = session.begin_write(ctx).await?;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let out = match GlobalId::decode_for::<expense_claim::Entity>(&input.id) {
        None => missing(),
        Some(_) if reason.is_some_and(|r| r.chars().count() > 1000) => Err(vec![InputError::new(
            "reason",
            ApprovalErrorCode::TooLong,
            "at most 1000 characters",
        )]),
        Some(id) => {
            expenses::claimant_transition(
                &tx,
                session.principal.actor_id,
                id,
                input.expected_version,
                action,
                reason,
            )
            .await?
        }
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(ExpenseClaimPayload {
        expense_claim: row.map(ExpenseClaim),
        errors: List(errors),
    })
}

/// One expense claim by id. Needs `VIEW_EXPENSES`, or to be its claimant.
#[derive(Default)]
pub struct ExpenseClaimOneQuery;

#[Object]
impl ExpenseClaimOneQuery {
    /// One expense claim by id (finance, or its claimant).
    async fn expense_claim(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<ExpenseClaim>> {
        Ok(crate::graphql::resource::get::<expense_claim::Entity>(ctx, &id).await?)
    }
}
