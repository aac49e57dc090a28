//! Financial statements and KPIs, aggregated in SQL over posted journal lines (one table:
//! each line carries its entry's date and posted state) and over invoices and allocations.
//!
//! Amounts are in the base currency, rounded to its minor unit (on the embedded SQLite store
//! sums come back as binary floats; rounding to the column's two decimals makes them exact).

use crate::graphql::list::List;
use std::collections::{BTreeMap, HashMap};

use async_graphql::SimpleObject;
use chrono::NaiveDate;
use entity::TenantTx;
use entity::accounting::{account, invoice, journal_entry, journal_line, payment_allocation};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::error::AppResult;
use crate::graphql::accounting::{Account, JournalEntry, TaxRate};
use crate::graphql::org::Party;
use crate::graphql::scalars::Decimal as Dec;

/// Debits and credits of one account.
#[derive(FromQueryResult, Clone, Debug)]
pub struct Balance {
    /// The account.
    pub account_id: Uuid,
    /// The sum of its debits.
    pub debit: Decimal,
    /// The sum of its credits.
    pub credit: Decimal,
}

fn exact(d: Decimal) -> Decimal {
    d.round_dp(2)
}

/// Posted debits and credits per account dated `from..=to` (from the beginning when `from` is
/// `None`), optionally without the year-end closing entries.
pub async fn balances(
    tx: &TenantTx,
    from: Option<NaiveDate>,
    to: NaiveDate,
    without_closing: bool,
) -> AppResult<Vec<Balance>> {
    use journal_line::Column as L;
    let rows: Vec<Balance> = tx
        .rows(tx.select::<journal_line::Entity>().refine(|q| {
            let q = q
                .select_only()
                .column(L::AccountId)
                .column_as(L::Debit.sum(), "debit")
                .column_as(L::Credit.sum(), "credit")
                .filter(L::Posted.eq(true))
                .filter(L::Date.lte(to));
            let q = match from {
                Some(f) => q.filter(L::Date.gte(f)),
                None => q,
            };
            let q = if without_closing {
                q.filter(L::Closing.eq(false))
            } else {
                q
            };
            q.group_by(L::AccountId)
        }))
        .await?;
    Ok(rows
        .into_iter()
        .map(|b| Balance {
            account_id: b.account_id,
            debit: exact(b.debit),
            credit: exact(b.credit),
        })
        .collect())
}

struct Books {
    accounts: HashMap<Uuid, account::Model>,
    currency: String,
}

impl Books {
    async fn load(tx: &TenantTx) -> AppResult<Self> {
        Ok(Self {
            accounts: super::chart::accounts_by_id(tx).await?,
            currency: super::base_currency(tx).await?,
        })
    }

    fn money(&self, d: Decimal) -> Dec {
        Dec(super::shown_money(d, &self.currency))
    }

    fn node(&self, id: Uuid) -> Option<Account> {
        self.accounts.get(&id).cloned().map(Account)
    }

    fn kind(&self, id: Uuid) -> &str {
        self.accounts
            .get(&id)
            .map(|a| a.account_type.as_str())
            .unwrap_or("")
    }

    fn code(&self, id: Uuid) -> String {
        self.accounts
            .get(&id)
            .map(|a| a.code.clone())
            .unwrap_or_default()
    }
}

/// One account's line of the trial balance.
#[derive(SimpleObject)]
pub struct TrialBalanceRow {
    /// The account.
    pub account: Option<Account>,
    /// Its balance before the period (debit positive).
    pub opening: Dec,
    /// Debits in the period.
    pub debit: Dec,
    /// Credits in the period.
    pub credit: Dec,
    /// Its balance at the end of the period (debit positive).
    pub closing: Dec,
}

/// The trial balance: every account with a balance or movement, in code order.
#[derive(SimpleObject)]
pub struct TrialBalance {
    /// The first day of the period.
    pub from: NaiveDate,
    /// The last day of the period.
    pub to: NaiveDate,
    /// The base currency of every amount.
    pub currency: String,
    /// One row per account.
    pub rows: crate::graphql::list::List<TrialBalanceRow>,
    /// The sum of the period's debits.
    pub total_debit: Dec,
    /// The sum of the period's credits (equal to the debits).
    pub total_credit: Dec,
    /// The sum of the closing balances (zero in balanced books).
    pub total_closing: Dec,
}

/// The trial balance of `from..=to`.
pub async fn trial_balance(
    tx: &TenantTx,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<TrialBalance> {
    let books = Books::load(tx).await?;
    let mut per: BTreeMap<String, (Uuid, Decimal, Decimal, Decimal)> = BTreeMap::new();
    if let Some(before) = from.pred_opt() {
        for b in balances(tx, None, before, false).await? {
            per.entry(books.code(b.account_id))
                .or_insert((b.account_id, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO))
                .1 += b.debit - b.credit;
        }
    }
    for b in balances(tx, Some(from), to, false).await? {
        let row = per.entry(books.code(b.account_id)).or_insert((
            b.account_id,
            Decimal::ZERO,
            Decimal::ZERO,
            Decimal::ZERO,
        ));
        row.2 += b.debit;
        row.3 += b.credit;
    }
    let (mut td, mut tc, mut tb) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let rows = per
        .into_values()
        .filter(|(_, o, d, c)| !(o.is_zero() && d.is_zero() && c.is_zero()))
        .map(|(id, o, d, c)| {
            td += d;
            tc += c;
            tb += o + d - c;
            TrialBalanceRow {
                account: books.node(id),
                opening: books.money(o),
                debit: books.money(d),
                credit: books.money(c),
                closing: books.money(o + d - c),
            }
        })
        .collect();
    Ok(TrialBalance {
        from,
        to,
        currency: books.currency.clone(),
        rows,
        total_debit: books.money(td),
        total_credit: books.money(tc),
        total_closing: books.money(tb),
    })
}

/// One posted line in the general ledger.
#[derive(SimpleObject)]
pub struct LedgerLine {
    /// The accounting date.
    pub date: NaiveDate,
    /// The entry.
    pub entry: Option<JournalEntry>,
    /// The line's description, or the entry's narration.
    pub description: Option<String>,
    /// The party.
    pub party_id: Option<async_graphql::ID>,
    /// The debit.
    pub debit: Dec,
    /// The credit.
    pub credit: Dec,
    /// The running balance after the line (debit positive).
    pub balance: Dec,
}

/// One account's movements over a period.
#[derive(SimpleObject)]
pub struct GeneralLedger {
    /// The account.
    pub account: Option<Account>,
    /// The balance before the period.
    pub opening: Dec,
    /// The period's lines in date order (at most 2,000; see `truncated`).
    pub lines: crate::graphql::list::List<LedgerLine>,
    /// Whether the period had more lines than were returned (narrow the period).
    pub truncated: bool,
    /// The balance at the end of the period (all lines counted, even when truncated).
    pub closing: Dec,
}

/// The general ledger of one account.
pub async fn general_ledger(
    tx: &TenantTx,
    account_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<GeneralLedger> {
    use journal_line::Column as L;
    const MAX: u64 = 2000;
    let books = Books::load(tx).await?;
    let sum = |rows: Vec<Balance>| {
        rows.into_iter()
            .filter(|b| b.account_id == account_id)
            .map(|b| b.debit - b.credit)
            .sum::<Decimal>()
    };
    let opening = match from.pred_opt() {
        Some(before) => sum(balances(tx, None, before, false).await?),
        None => Decimal::ZERO,
    };
    let closing = opening + sum(balances(tx, Some(from), to, false).await?);
    let rows = tx
        .all(tx.select::<journal_line::Entity>().refine(|q| {
            q.filter(L::AccountId.eq(account_id))
                .filter(L::Posted.eq(true))
                .filter(L::Date.between(from, to))
                .order_by_asc(L::Date)
                .order_by_asc(L::EntryId)
                .order_by_asc(L::LineNo)
                .limit(MAX + 1)
        }))
        .await?;
    let truncated = rows.len() as u64 > MAX;
    let ids: Vec<Uuid> = rows.iter().map(|l| l.entry_id).collect();
    let entries: HashMap<Uuid, journal_entry::Model> =
        tx.get_map::<journal_entry::Entity>(&ids).await?;
    let mut running = opening;
    let lines = rows
        .into_iter()
        .take(MAX as usize)
        .map(|l| {
            running += l.debit - l.credit;
            let entry = entries.get(&l.entry_id).cloned();
            LedgerLine {
                date: l.date,
                description: l
                    .description
                    .clone()
                    .or_else(|| entry.as_ref().and_then(|e| e.narration.clone())),
                entry: entry.map(JournalEntry),
                party_id: l
                    .party_id
                    .map(crate::graphql::core::GlobalId::of::<entity::org::party::Entity>),
                debit: books.money(l.debit),
                credit: books.money(l.credit),
                balance: books.money(running),
            }
        })
        .collect();
    Ok(GeneralLedger {
        account: books.node(account_id),
        opening: books.money(opening),
        lines,
        truncated,
        closing: books.money(closing),
    })
}

/// An account and its amount in a statement.
#[derive(SimpleObject)]
pub struct StatementRow {
    /// The account.
    pub account: Option<Account>,
    /// The amount, positive in the section's natural direction (income and liabilities as
    /// credits, expenses and assets as debits).
    pub amount: Dec,
}

fn section(
    books: &Books,
    rows: &[Balance],
    kind: &str,
    credit_normal: bool,
) -> (Vec<StatementRow>, Decimal) {
    let mut out: Vec<(String, StatementRow)> = Vec::new();
    let mut total = Decimal::ZERO;
    for b in rows.iter().filter(|b| books.kind(b.account_id) == kind) {
        let amount = if credit_normal {
            b.credit - b.debit
        } else {
            b.debit - b.credit
        };
        if amount.is_zero() {
            continue;
        }
        total += amount;
        out.push((
            books.code(b.account_id),
            StatementRow {
                account: books.node(b.account_id),
                amount: books.money(amount),
            },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    (out.into_iter().map(|(_, r)| r).collect(), total)
}

/// Profit and loss over a period.
#[derive(SimpleObject)]
pub struct ProfitAndLoss {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// The base currency.
    pub currency: String,
    /// Income by account.
    pub income: crate::graphql::list::List<StatementRow>,
    /// Total income.
    pub total_income: Dec,
    /// Expenses by account.
    pub expenses: crate::graphql::list::List<StatementRow>,
    /// Total expenses.
    pub total_expenses: Dec,
    /// Income less expenses.
    pub net_profit: Dec,
}

/// Profit and loss of `from..=to` (closing entries left out, so a closed year still shows its
/// result).
pub async fn profit_and_loss(
    tx: &TenantTx,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<ProfitAndLoss> {
    let books = Books::load(tx).await?;
    let rows = balances(tx, Some(from), to, true).await?;
    let (income, ti) = section(&books, &rows, "income", true);
    let (expenses, te) = section(&books, &rows, "expense", false);
    Ok(ProfitAndLoss {
        from,
        to,
        currency: books.currency.clone(),
        income: List(income),
        total_income: books.money(ti),
        expenses: List(expenses),
        total_expenses: books.money(te),
        net_profit: books.money(ti - te),
    })
}

/// The balance sheet at a date.
#[derive(SimpleObject)]
pub struct BalanceSheet {
    /// The date.
    pub at: NaiveDate,
    /// The base currency.
    pub currency: String,
    /// Assets by account (debit balances positive).
    pub assets: crate::graphql::list::List<StatementRow>,
    /// Total assets.
    pub total_assets: Dec,
    /// Liabilities by account (credit balances positive).
    pub liabilities: crate::graphql::list::List<StatementRow>,
    /// Total liabilities.
    pub total_liabilities: Dec,
    /// Equity by account.
    pub equity: crate::graphql::list::List<StatementRow>,
    /// Profit not yet closed into retained earnings (income less expenses to date).
    pub current_earnings: Dec,
    /// Total equity, current earnings included.
    pub total_equity: Dec,
    /// Whether assets equal liabilities plus equity (always, in books kept by this ledger).
    pub balanced: bool,
}

/// The balance sheet at `at`.
pub async fn balance_sheet(tx: &TenantTx, at: NaiveDate) -> AppResult<BalanceSheet> {
    let books = Books::load(tx).await?;
    let rows = balances(tx, None, at, false).await?;
    let (assets, ta) = section(&books, &rows, "asset", false);
    let (liabilities, tl) = section(&books, &rows, "liability", true);
    let (equity, teq) = section(&books, &rows, "equity", true);
    let earnings: Decimal = rows
        .iter()
        .filter(|b| matches!(books.kind(b.account_id), "income" | "expense"))
        .map(|b| b.credit - b.debit)
        .sum();
    Ok(BalanceSheet {
        at,
        currency: books.currency.clone(),
        assets: List(assets),
        total_assets: books.money(ta),
        liabilities: List(liabilities),
        total_liabilities: books.money(tl),
        equity: List(equity),
        current_earnings: books.money(earnings),
        total_equity: books.money(teq + earnings),
        balanced: ta == tl + teq + earnings,
    })
}

/// A line of the cash-flow statement.
#[derive(SimpleObject)]
pub struct CashFlowLine {
    /// What the cash came from or went to.
    pub category: String,
    /// Net cash in (negative: out).
    pub amount: Dec,
}

/// The cash-flow statement (direct method): the period's cash movements by what was on the other
/// side of each entry.
#[derive(SimpleObject)]
pub struct CashFlow {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// The base currency.
    pub currency: String,
    /// Cash and bank balances before the period.
    pub opening_cash: Dec,
    /// Operating activities: customers, suppliers, taxes, income and expenses.
    pub operating: crate::graphql::list::List<CashFlowLine>,
    /// Net cash from operating activities.
    pub net_operating: Dec,
    /// Investing activities: other assets.
    pub investing: Dec,
    /// Financing activities: loans, other liabilities and equity.
    pub financing: Dec,
    /// Net change in cash.
    pub net_change: Dec,
    /// Cash and bank balances at the end of the period (opening plus net change).
    pub closing_cash: Dec,
}

/// The cash-flow statement of `from..=to`.
pub async fn cash_flow(tx: &TenantTx, from: NaiveDate, to: NaiveDate) -> AppResult<CashFlow> {
    use journal_line::Column as L;
    use sea_orm::ExprTrait;
    let books = Books::load(tx).await?;
    let cash: Vec<Uuid> = books
        .accounts
        .values()
        .filter(|a| matches!(a.sub_type.as_deref(), Some("cash" | "bank")))
        .map(|a| a.id)
        .collect();
    let cash_sum = |rows: &[Balance]| {
        rows.iter()
            .filter(|b| cash.contains(&b.account_id))
            .map(|b| b.debit - b.credit)
            .sum::<Decimal>()
    };
    let opening = match from.pred_opt() {
        Some(before) => cash_sum(&balances(tx, None, before, false).await?),
        None => Decimal::ZERO,
    };
    // The other side of every entry with a cash line in the period.
    let tenant = tx.tenant().uuid();
    let with_cash = Query::select()
        .column(L::EntryId)
        .from(journal_line::Entity)
        .and_where(Expr::col(L::TenantId).eq(tenant))
        .and_where(Expr::col(L::Posted).eq(true))
        .and_where(Expr::col(L::AccountId).is_in(cash.clone()))
        .and_where(Expr::col(L::Date).between(from, to))
        .to_owned();
    let others: Vec<Balance> = tx
        .rows(tx.select::<journal_line::Entity>().refine(|q| {
            q.select_only()
                .column(L::AccountId)
                .column_as(L::Debit.sum(), "debit")
                .column_as(L::Credit.sum(), "credit")
                .filter(L::Posted.eq(true))
                .filter(L::EntryId.in_subquery(with_cash))
                .filter(L::AccountId.is_not_in(cash.clone()))
                .group_by(L::AccountId)
        }))
        .await?;
    let mut ops: BTreeMap<&'static str, Decimal> = BTreeMap::new();
    let (mut investing, mut financing) = (Decimal::ZERO, Decimal::ZERO);
    for b in &others {
        let inflow = exact(b.credit) - exact(b.debit);
        let a = books.accounts.get(&b.account_id);
        let category = match (
            a.map(|a| a.account_type.as_str()),
            a.and_then(|a| a.sub_type.as_deref()),
        ) {
            (_, Some("receivable")) => Some("Receipts from customers"),
            (_, Some("payable")) => Some("Payments to suppliers"),
            (_, Some("tax")) => Some("Taxes"),
            (Some("income"), _) => Some("Other income received"),
            (Some("expense"), _) => Some("Expenses paid"),
            (Some("asset"), _) => {
                investing += inflow;
                None
            }
            _ => {
                financing += inflow;
                None
            }
        };
        if let Some(c) = category {
            *ops.entry(c).or_default() += inflow;
        }
    }
    let net_operating: Decimal = ops.values().copied().sum();
    let net = net_operating + investing + financing;
    Ok(CashFlow {
        from,
        to,
        currency: books.currency.clone(),
        opening_cash: books.money(opening),
        operating: ops
            .into_iter()
            .map(|(c, a)| CashFlowLine {
                category: c.into(),
                amount: books.money(a),
            })
            .collect(),
        net_operating: books.money(net_operating),
        investing: books.money(investing),
        financing: books.money(financing),
        net_change: books.money(net),
        closing_cash: books.money(opening + net),
    })
}

/// A party's open amounts by age.
#[derive(SimpleObject)]
pub struct AgedRow {
    /// The customer or supplier.
    pub party: Option<Party>,
    /// Not yet due.
    pub not_due: Dec,
    /// 1 to 30 days overdue.
    pub days_1_to_30: Dec,
    /// 31 to 60 days overdue.
    pub days_31_to_60: Dec,
    /// 61 to 90 days overdue.
    pub days_61_to_90: Dec,
    /// More than 90 days overdue.
    pub over_90_days: Dec,
    /// Everything open.
    pub total: Dec,
}

/// Aged receivables or payables at a date.
#[derive(SimpleObject)]
pub struct AgedBalances {
    /// The date the ages are counted to.
    pub at: NaiveDate,
    /// The base currency.
    pub currency: String,
    /// One row per party with something open, largest first.
    pub rows: crate::graphql::list::List<AgedRow>,
    /// The totals.
    pub total: AgedRow,
}

#[derive(FromQueryResult)]
struct Allocated {
    invoice_id: Uuid,
    amount: Decimal,
}

/// What each posted invoice of `kinds` issued by `at` still owed at `at`, in the base currency,
/// with its party and due date.
async fn open_items(
    tx: &TenantTx,
    kinds: &[&str],
    at: NaiveDate,
    base: &str,
) -> AppResult<Vec<(invoice::Model, Decimal)>> {
    let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    let invoices = tx
        .all(tx.select::<invoice::Entity>().refine(|q| {
            q.filter(invoice::Column::Kind.is_in(kinds))
                .filter(invoice::Column::Status.eq("posted"))
                .filter(invoice::Column::IssueDate.lte(at))
        }))
        .await?;
    let paid: HashMap<Uuid, Decimal> = tx
        .rows::<payment_allocation::Entity, Allocated>(
            tx.select::<payment_allocation::Entity>().refine(|q| {
                q.select_only()
                    .column(payment_allocation::Column::InvoiceId)
                    .column_as(payment_allocation::Column::Amount.sum(), "amount")
                    .filter(payment_allocation::Column::Date.lte(at))
                    .group_by(payment_allocation::Column::InvoiceId)
            }),
        )
        .await?
        .into_iter()
        .map(|a| (a.invoice_id, exact(a.amount)))
        .collect();
    Ok(invoices
        .into_iter()
        .filter_map(|i| {
            let open = i.amount_total - paid.get(&i.id).copied().unwrap_or_default();
            let base = super::round_money(open * i.rate, base);
            (!open.is_zero()).then_some((i, base))
        })
        .collect())
}

/// Aged receivables (`receivable`) or payables at `at`.
pub async fn aged(tx: &TenantTx, receivable: bool, at: NaiveDate) -> AppResult<AgedBalances> {
    let books = Books::load(tx).await?;
    let kinds: &[&str] = if receivable {
        &["customer_invoice"]
    } else {
        &["supplier_bill"]
    };
    let items = open_items(tx, kinds, at, &books.currency).await?;
    let mut per: HashMap<Uuid, [Decimal; 5]> = HashMap::new();
    for (inv, open) in &items {
        let overdue = (at - inv.due_date).num_days();
        let bucket = match overdue {
            d if d <= 0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        per.entry(inv.party_id).or_default()[bucket] += *open;
    }
    let parties: HashMap<Uuid, entity::org::party::Model> = tx
        .get_many::<entity::org::party::Entity>(&per.keys().copied().collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let row = |party: Option<Party>, b: &[Decimal; 5]| AgedRow {
        party,
        not_due: books.money(b[0]),
        days_1_to_30: books.money(b[1]),
        days_31_to_60: books.money(b[2]),
        days_61_to_90: books.money(b[3]),
        over_90_days: books.money(b[4]),
        total: books.money(b.iter().copied().sum()),
    };
    let mut totals = [Decimal::ZERO; 5];
    let mut sorted: Vec<(Uuid, [Decimal; 5])> = per.into_iter().collect();
    sorted.sort_by(|a, b| {
        b.1.iter()
            .sum::<Decimal>()
            .cmp(&a.1.iter().sum::<Decimal>())
            .then(a.0.cmp(&b.0))
    });
    let rows = sorted
        .iter()
        .map(|(id, b)| {
            for (t, v) in totals.iter_mut().zip(b) {
                *t += *v;
            }
            row(parties.get(id).cloned().map(Party), b)
        })
        .collect();
    Ok(AgedBalances {
        at,
        currency: books.currency.clone(),
        rows,
        total: row(None, &totals),
    })
}

/// One tax rate's totals over a period.
#[derive(SimpleObject)]
pub struct TaxSummaryRow {
    /// The rate.
    pub tax_rate: Option<TaxRate>,
    /// The amount taxed (net of credit notes).
    pub taxable: Dec,
    /// The tax (net of credit notes).
    pub tax: Dec,
}

/// Consumption tax by rate over a period, for the return.
#[derive(SimpleObject)]
pub struct TaxSummary {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// The base currency.
    pub currency: String,
    /// Tax on sales, by rate.
    pub sales: crate::graphql::list::List<TaxSummaryRow>,
    /// Tax on purchases, by rate.
    pub purchases: crate::graphql::list::List<TaxSummaryRow>,
    /// Tax collected on sales.
    pub output_tax: Dec,
    /// Tax paid on purchases.
    pub input_tax: Dec,
    /// Output less input tax: what is owed (negative: refundable).
    pub net_payable: Dec,
}

#[derive(FromQueryResult)]
struct TaxTotals {
    tax_rate_id: Uuid,
    debit: Decimal,
    credit: Decimal,
    base: Option<Decimal>,
}

/// The tax summary of `from..=to`.
pub async fn tax_summary(tx: &TenantTx, from: NaiveDate, to: NaiveDate) -> AppResult<TaxSummary> {
    use journal_line::Column as L;
    let books = Books::load(tx).await?;
    let rows: Vec<TaxTotals> = tx
        .rows(tx.select::<journal_line::Entity>().refine(|q| {
            q.select_only()
                .column(L::TaxRateId)
                .column_as(L::Debit.sum(), "debit")
                .column_as(L::Credit.sum(), "credit")
                .column_as(L::TaxBase.sum(), "base")
                .filter(L::Posted.eq(true))
                .filter(L::TaxRateId.is_not_null())
                .filter(L::Date.between(from, to))
                .group_by(L::TaxRateId)
        }))
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.tax_rate_id).collect();
    let rates: HashMap<Uuid, entity::accounting::tax_rate::Model> = tx
        .get_map::<entity::accounting::tax_rate::Entity>(&ids)
        .await?;
    let (mut sales, mut purchases) = (Vec::new(), Vec::new());
    let (mut output, mut input) = (Decimal::ZERO, Decimal::ZERO);
    let mut sorted: Vec<&TaxTotals> = rows.iter().collect();
    sorted.sort_by_key(|r| rates.get(&r.tax_rate_id).map(|t| t.code.clone()));
    for r in sorted {
        let Some(rate) = rates.get(&r.tax_rate_id) else {
            continue;
        };
        let base = exact(r.base.unwrap_or_default());
        if rate.scope == "sale" {
            let tax = exact(r.credit) - exact(r.debit);
            output += tax;
            sales.push(TaxSummaryRow {
                tax_rate: Some(TaxRate(rate.clone())),
                taxable: books.money(base),
                tax: books.money(tax),
            });
        } else {
            let tax = exact(r.debit) - exact(r.credit);
            input += tax;
            purchases.push(TaxSummaryRow {
                tax_rate: Some(TaxRate(rate.clone())),
                taxable: books.money(base),
                tax: books.money(tax),
            });
        }
    }
    Ok(TaxSummary {
        from,
        to,
        currency: books.currency.clone(),
        sales: List(sales),
        purchases: List(purchases),
        output_tax: books.money(output),
        input_tax: books.money(input),
        net_payable: books.money(output - input),
    })
}

/// Finance KPIs over a period.
#[derive(SimpleObject)]
pub struct FinanceKpis {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// Days sales outstanding: receivables at the end ÷ credit sales of the period × its days.
    /// `null` without sales.
    pub dso: Option<Dec>,
    /// Days payable outstanding: payables at the end ÷ purchases of the period × its days.
    /// `null` without purchases.
    pub dpo: Option<Dec>,
    /// Credit sales of the period (invoices less credit notes, base currency, tax included).
    pub credit_sales: Dec,
    /// Purchases on credit of the period (bills less credit notes).
    pub purchases: Dec,
    /// Average days from receiving a supplier bill to posting it (bills posted in the period).
    pub invoice_processing_days: Option<Dec>,
    /// Invoices, bills and manual journal entries posted in the period.
    pub documents_posted: i64,
    /// Of those, how many were later credited or reversed.
    pub documents_corrected: i64,
    /// The share corrected, in percent (the error rate).
    pub error_rate_percent: Option<Dec>,
}

/// The KPIs of `from..=to`.
pub async fn finance_kpis(tx: &TenantTx, from: NaiveDate, to: NaiveDate) -> AppResult<FinanceKpis> {
    let books = Books::load(tx).await?;
    let days = Decimal::from((to - from).num_days() + 1);
    let end = balances(tx, None, to, false).await?;
    let role_balance = |role: &str| -> Decimal {
        end.iter()
            .filter(|b| {
                books
                    .accounts
                    .get(&b.account_id)
                    .and_then(|a| a.sub_type.as_deref())
                    == Some(role)
            })
            .map(|b| b.debit - b.credit)
            .sum()
    };
    let receivables = role_balance("receivable");
    let payables = -role_balance("payable");
    let docs = tx
        .all(tx.select::<invoice::Entity>().refine(|q| {
            q.filter(invoice::Column::Status.eq("posted"))
                .filter(invoice::Column::IssueDate.between(from, to))
        }))
        .await?;
    let base_total =
        |i: &invoice::Model| super::round_money(i.amount_total * i.rate, &books.currency);
    let sum_kind = |kind: &str| {
        docs.iter()
            .filter(|i| i.kind == kind)
            .map(base_total)
            .sum::<Decimal>()
    };
    let credit_sales = sum_kind("customer_invoice") - sum_kind("customer_credit_note");
    let purchases = sum_kind("supplier_bill") - sum_kind("supplier_credit_note");
    let ratio = |num: Decimal, den: Decimal| {
        (den > Decimal::ZERO).then(|| Dec((num / den * days).round_dp(1)))
    };
    let bills: Vec<&invoice::Model> = tx_filter_bills(&docs);
    let processing: Vec<i64> = bills
        .iter()
        .filter_map(|b| {
            b.posted_at.map(|p| {
                (p.date_naive() - b.received_on.unwrap_or(b.issue_date))
                    .num_days()
                    .max(0)
            })
        })
        .collect();
    let processing_days = (!processing.is_empty()).then(|| {
        Dec((Decimal::from(processing.iter().sum::<i64>())
            / Decimal::from(processing.len() as i64))
        .round_dp(1))
    });
    let originals: Vec<&invoice::Model> = docs
        .iter()
        .filter(|i| matches!(i.kind.as_str(), "customer_invoice" | "supplier_bill"))
        .collect();
    let original_ids: Vec<Uuid> = originals.iter().map(|i| i.id).collect();
    let credited = if original_ids.is_empty() {
        0
    } else {
        tx.count(tx.select::<invoice::Entity>().refine(|q| {
            q.filter(invoice::Column::CreditedInvoiceId.is_in(original_ids))
                .filter(invoice::Column::Status.eq("posted"))
        }))
        .await? as i64
    };
    let manual = tx
        .all(tx.select::<journal_entry::Entity>().refine(|q| {
            q.filter(journal_entry::Column::Status.eq("posted"))
                .filter(journal_entry::Column::Kind.eq("entry"))
                .filter(journal_entry::Column::Date.between(from, to))
        }))
        .await?;
    let manual_ids: Vec<Uuid> = manual.iter().map(|e| e.id).collect();
    let reversed = if manual_ids.is_empty() {
        0
    } else {
        tx.count(
            tx.select::<journal_entry::Entity>()
                .refine(|q| q.filter(journal_entry::Column::ReversalOfId.is_in(manual_ids))),
        )
        .await? as i64
    };
    let posted = originals.len() as i64 + manual.len() as i64;
    let corrected = credited + reversed;
    Ok(FinanceKpis {
        from,
        to,
        dso: ratio(receivables, credit_sales),
        dpo: ratio(payables, purchases),
        credit_sales: books.money(credit_sales),
        purchases: books.money(purchases),
        invoice_processing_days: processing_days,
        documents_posted: posted,
        documents_corrected: corrected,
        error_rate_percent: (posted > 0)
            .then(|| Dec((Decimal::from(corrected * 100) / Decimal::from(posted)).round_dp(1))),
    })
}

fn tx_filter_bills(docs: &[invoice::Model]) -> Vec<&invoice::Model> {
    docs.iter().filter(|i| i.kind == "supplier_bill").collect()
}
