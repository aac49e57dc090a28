//! A year of believable books for the demo tenant: opening balances, monthly sales invoices at
//! both consumption-tax rates, rent, utilities and purchase bills, salaries and their
//! withholdings, payments (some late, some partial, some not yet), a credit note, a reversed
//! accrual, a bank statement reconciled against the payments, and the previous fiscal year
//! closed. Everything goes through the same services as the API, so every invariant holds.

use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::{account, fiscal_year, tax_rate};
use entity::org::party;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ledger::{self, EntryIn, LineIn};
use super::{chart, invoices, payments};
use crate::error::{AppError, AppResult};
use crate::graphql::accounting::{InvoiceInput, InvoiceKind, InvoiceLineInput};
use crate::graphql::core::GlobalId;
use crate::graphql::scalars::Decimal as Dec;

fn fail<E: std::fmt::Debug>(what: &str) -> impl FnOnce(E) -> AppError + '_ {
    move |e| AppError::internal(anyhow::anyhow!("demo books: {what}: {e:?}"))
}

fn yen(n: i64) -> Decimal {
    Decimal::from(n)
}

/// The books, from twelve months ago to yesterday.
pub async fn books(tx: &TenantTx, admin: Uuid) -> AppResult<()> {
    let today = Utc::now().date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(12)))
        .unwrap_or(today);
    let settings = super::settings(tx).await?;
    // The fiscal years the year spans (the current one came with the tenant).
    let start_month = entity::platform::find_tenant(tx.connection(), tx.tenant().uuid())
        .await?
        .map(|t| t.fiscal_year_start_month as u32)
        .unwrap_or(4);
    let (prev_start, prev_end) = chart::fiscal_year_around(first, start_month);
    let mut previous = None;
    if ledger::fiscal_year_of(tx, first).await?.is_none() {
        let mut am = fiscal_year::ActiveModel {
            name: Set(chart::fiscal_year_name(prev_start)),
            starts_on: Set(prev_start),
            ends_on: Set(prev_end),
            status: Set("open".into()),
            closing_entry_id: Set(None),
            archived_at: Set(None),
            ..Default::default()
        };
        crate::graphql::resource::stamp_new::<fiscal_year::Entity>(&mut am, Some(admin))?;
        previous = Some(tx.insert::<fiscal_year::Entity, _>(am).await?);
    }
    {
        use sea_orm::IntoActiveModel;
        let mut s = settings.clone().into_active_model();
        s.registration_number = Set(Some("T8010001000101".into()));
        crate::services::stamp(
            &mut s.version,
            &mut s.updated_at,
            &mut s.updated_by,
            settings.version,
            admin,
        );
        tx.update::<entity::accounting::ledger_settings::Entity, _>(s)
            .await?;
    }
    let accounts: std::collections::HashMap<String, Uuid> = tx
        .all(tx.select::<account::Entity>())
        .await?
        .into_iter()
        .map(|a| (a.code, a.id))
        .collect();
    let acc = |code: &str| accounts.get(code).copied().unwrap_or_default();
    let taxes: std::collections::HashMap<String, Uuid> = tx
        .all(tx.select::<tax_rate::Entity>())
        .await?
        .into_iter()
        .map(|t| (t.code, t.id))
        .collect();
    let tax = |code: &str| {
        taxes
            .get(code)
            .map(|id| GlobalId::of::<tax_rate::Entity>(*id))
    };
    let general = chart::journal_of_type(tx, "general")
        .await?
        .ok_or_else(|| fail::<()>("no general journal")(()))?;
    let bank = chart::journal_of_type(tx, "bank")
        .await?
        .ok_or_else(|| fail::<()>("no bank journal")(()))?;
    let parties = tx
        .all(
            tx.select::<party::Entity>()
                .refine(|q| q.order_by_asc(party::Column::Code)),
        )
        .await?;
    let customers: Vec<&party::Model> = parties.iter().filter(|p| p.is_customer).collect();
    let suppliers: Vec<&party::Model> = parties
        .iter()
        .filter(|p| p.is_supplier && !p.is_customer)
        .collect();
    if customers.is_empty() || suppliers.is_empty() {
        return Ok(());
    }

    let entry = async |date: NaiveDate, narration: &str, lines: Vec<LineIn>| -> AppResult<Uuid> {
        let input = EntryIn {
            journal: general.id,
            date,
            kind: "entry",
            reference: None,
            narration: Some(narration.into()),
            lines,
            reversal_of: None,
            source: None,
            closing: false,
        };
        ledger::record(tx, Some(admin), &input, true)
            .await?
            .map_err(fail(narration))
            .map(|e| e.id)
    };
    entry(
        first,
        "Opening balances",
        vec![
            LineIn::new(acc("1020"), yen(30_000_000), Decimal::ZERO),
            LineIn::new(acc("1500"), yen(5_000_000), Decimal::ZERO),
            LineIn::new(acc("3010"), Decimal::ZERO, yen(10_000_000)),
            LineIn::new(acc("3100"), Decimal::ZERO, yen(20_000_000)),
            LineIn::new(acc("2300"), Decimal::ZERO, yen(5_000_000)),
        ],
    )
    .await?;

    let document = async |kind: InvoiceKind,
                          party: &party::Model,
                          date: NaiveDate,
                          lines: Vec<(&str, Option<Uuid>, i64, i64, &str)>|
           -> AppResult<entity::accounting::invoice::Model> {
        let input = InvoiceInput {
            kind,
            party_id: GlobalId::of::<party::Entity>(party.id),
            issue_date: date,
            due_date: None,
            received_on: (kind == InvoiceKind::SupplierBill).then_some(date + Duration::days(2)),
            currency: None,
            exchange_rate: None,
            supplier_reference: (kind == InvoiceKind::SupplierBill)
                .then(|| format!("{}-{}", party.code, date.format("%Y%m"))),
            notes: None,
            lines: lines
                .into_iter()
                .map(|(d, account, qty, price, t)| InvoiceLineInput {
                    description: d.into(),
                    account_id: account.map(GlobalId::of::<account::Entity>),
                    quantity: Dec(qty.into()),
                    unit_price: Dec(price.into()),
                    tax_rate_id: tax(t),
                    cost_centre_id: None,
                })
                .collect(),
        };
        let draft = invoices::create(tx, Some(admin), &input)
            .await?
            .map_err(fail("invoice"))?;
        invoices::post(tx, Some(admin), draft.id, None, true)
            .await?
            .map_err(fail("posting an invoice"))
    };
    let pay = async |inbound: bool,
                     inv: &entity::accounting::invoice::Model,
                     date: NaiveDate,
                     amount: Decimal|
           -> AppResult<()> {
        let new = payments::NewPayment {
            inbound,
            party: inv.party_id,
            journal: bank.id,
            date,
            amount,
            currency: None,
            rate: None,
            reference: inv.number.clone(),
            allocations: vec![(0, inv.id, amount)],
        };
        payments::record(tx, admin, &new, true)
            .await?
            .map_err(fail("payment"))?;
        Ok(())
    };

    let mut month = first;
    let mut n: i64 = 0;
    let mut credited = false;
    while month < today {
        let day = |d: u32| {
            month
                .with_day(d)
                .unwrap_or(month)
                .min(today - Duration::days(1))
        };
        // Sales: two invoices per customer, consulting at 10% and, now and then, catering at
        // the reduced 8%.
        for (i, c) in customers.iter().enumerate() {
            for k in 0..2i64 {
                n += 1;
                let date = day(3 + (i as u32 * 5 + k as u32 * 11) % 24);
                let hours = 40 + (n * 37) % 80;
                let mut lines = vec![("Consulting hours", None, hours, 25_000, "S10")];
                if n % 3 == 0 {
                    lines.push((
                        "Catering for the workshop (food, reduced rate)",
                        None,
                        12 + n % 20,
                        1_080,
                        "S8",
                    ));
                }
                if n % 4 == 0 {
                    lines.push((
                        "Licence fee",
                        Some(acc("4020")),
                        1,
                        300_000 + (n % 5) * 50_000,
                        "S10",
                    ));
                }
                let inv = document(InvoiceKind::CustomerInvoice, c, date, lines).await?;
                let total = inv.amount_total;
                if !credited && n == 7 {
                    // One invoice sent to the wrong customer, credited a week later.
                    invoices::credit(
                        tx,
                        admin,
                        inv.id,
                        inv.version,
                        date + Duration::days(7).min(today - date),
                        Some("Sent to the wrong customer".into()),
                        true,
                    )
                    .await?
                    .map_err(fail("credit note"))?;
                    credited = true;
                    continue;
                }
                let due = inv.due_date;
                let yesterday = today - Duration::days(1);
                if n % 23 == 0 || due >= today {
                    continue; // disputed and never paid, or not yet due
                }
                if n % 9 == 0 {
                    // Paid six weeks late, once that day has come.
                    let late = due + Duration::days(42);
                    if late < today {
                        pay(true, &inv, late, total).await?;
                    }
                } else if n % 5 == 0 {
                    // Half on the due date, the rest a month later.
                    let half = (total / Decimal::TWO).round();
                    pay(true, &inv, due, half).await?;
                    if due + Duration::days(30) < today {
                        pay(true, &inv, due + Duration::days(30), total - half).await?;
                    }
                } else {
                    pay(
                        true,
                        &inv,
                        (due + Duration::days(n % 4)).min(yesterday),
                        total,
                    )
                    .await?;
                }
            }
        }
        // Purchases: rent, utilities and supplies.
        let rent = document(
            InvoiceKind::SupplierBill,
            suppliers[0],
            day(1),
            vec![("Office rent", Some(acc("6020")), 1, 1_200_000, "P10")],
        )
        .await?;
        let utilities = document(
            InvoiceKind::SupplierBill,
            suppliers[1 % suppliers.len()],
            day(20),
            vec![(
                "Electricity and water",
                Some(acc("6030")),
                1,
                140_000 + (n % 7) * 9_000,
                "P10",
            )],
        )
        .await?;
        let supplies = document(
            InvoiceKind::SupplierBill,
            suppliers[2 % suppliers.len()],
            day(12),
            vec![
                (
                    "Office supplies",
                    Some(acc("6060")),
                    20 + n % 15,
                    2_400,
                    "P10",
                ),
                (
                    "Coffee and tea (reduced rate)",
                    Some(acc("6060")),
                    30,
                    980,
                    "P8",
                ),
            ],
        )
        .await?;
        for bill in [&rent, &utilities, &supplies] {
            if bill.due_date < today {
                pay(false, bill, bill.due_date, bill.amount_total).await?;
            }
        }
        // Salaries on the 25th, withholdings paid over on the 10th of the next month; the last
        // two complete months come from payroll runs instead (below).
        let payday = day(25);
        if payday < today && month < crate::services::hr::demo::months_ago(2) {
            entry(
                payday,
                &format!("Salaries {}", month.format("%Y-%m")),
                vec![
                    LineIn::new(acc("6010"), yen(18_000_000), Decimal::ZERO),
                    LineIn::new(acc("1020"), Decimal::ZERO, yen(15_300_000)),
                    LineIn::new(acc("2200"), Decimal::ZERO, yen(2_700_000)),
                ],
            )
            .await?;
            let remit = payday + Duration::days(16);
            if remit < today {
                entry(
                    remit,
                    "Withholdings paid to the tax office",
                    vec![
                        LineIn::new(acc("2200"), yen(2_700_000), Decimal::ZERO),
                        LineIn::new(acc("1020"), Decimal::ZERO, yen(2_700_000)),
                    ],
                )
                .await?;
            }
        }
        // Depreciation of the equipment, straight line over five years.
        let last = month
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(month)
            .min(today - Duration::days(1));
        entry(
            last,
            "Depreciation of equipment",
            vec![
                LineIn::new(acc("6070"), yen(83_333), Decimal::ZERO),
                LineIn::new(acc("1510"), Decimal::ZERO, yen(83_333)),
            ],
        )
        .await?;
        month = month.checked_add_months(Months::new(1)).unwrap_or(today);
    }
    // An accrual booked twice and reversed.
    let dup = entry(
        today - Duration::days(20),
        "Accrued advertising (booked twice by mistake)",
        vec![
            LineIn::new(acc("6090"), yen(450_000), Decimal::ZERO),
            LineIn::new(acc("2020"), Decimal::ZERO, yen(450_000)),
        ],
    )
    .await?;
    ledger::reverse(
        tx,
        Some(admin),
        dup,
        today - Duration::days(19),
        Some("Booked twice".into()),
        true,
    )
    .await?
    .map_err(fail("reversal"))?;

    // Last month's bank statement, imported and reconciled.
    let since = today - Duration::days(30);
    let recent = tx
        .all(
            tx.select::<entity::accounting::payment::Entity>()
                .refine(|q| {
                    q.filter(entity::accounting::payment::Column::Date.gte(since))
                        .order_by_asc(entity::accounting::payment::Column::Date)
                }),
        )
        .await?;
    let mut csv = String::from("date,amount,description,reference\n");
    for p in &recent {
        csv.push_str(&format!(
            "{},{},{},{}\n",
            p.date,
            payments::signed(p),
            if p.kind == "inbound" {
                "Furikomi received"
            } else {
                "Furikomi sent"
            },
            p.reference.clone().unwrap_or_default()
        ));
    }
    csv.push_str(&format!(
        "{},-770,Bank transfer fee,\n",
        today - Duration::days(3)
    ));
    payments::import(tx, admin, bank.id, &csv)
        .await?
        .map_err(fail("bank statement"))?;
    payments::auto_reconcile(tx, admin, bank.id).await?;

    // Payroll for the last two complete months (before a year closes, so the runs land in open
    // periods): net pay from the bank on the pay date, withholdings paid over on the 10th.
    for run in crate::services::hr::demo::payroll(tx, admin).await? {
        entry(
            run.pay_date,
            &format!("Net pay of {}", run.number),
            vec![
                LineIn::new(acc("2020"), run.net_total, Decimal::ZERO),
                LineIn::new(acc("1020"), Decimal::ZERO, run.net_total),
            ],
        )
        .await?;
        let remit = run.pay_date + Duration::days(16);
        if remit < today {
            entry(
                remit,
                &format!("Withholdings of {} paid over", run.number),
                vec![
                    LineIn::new(acc("2200"), run.deductions_total, Decimal::ZERO),
                    LineIn::new(acc("1020"), Decimal::ZERO, run.deductions_total),
                ],
            )
            .await?;
        }
    }

    // The previous fiscal year, closed.
    if let Some(fy) = previous
        && fy.ends_on < today
    {
        ledger::close_year(tx, admin, fy.id, fy.version)
            .await?
            .map_err(fail("closing the year"))?;
    }
    Ok(())
}
