//! The chart of accounts, journals, tax rates and fiscal years: what makes each valid, and the
//! default books a new tenant starts with (a Japanese small-company chart, consumption tax at
//! 10% and the reduced 8%, and the fiscal year that contains today).

use chrono::{Datelike, NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::{account, fiscal_year, journal, journal_line, ledger_settings, tax_rate};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::{AccountingErrorCode as E, P};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::accounting::{
    Account, AccountFilter, AccountOrder, AccountPatch, AccountSubType, AccountType,
    CreateAccountInput, CreateFiscalYearInput, CreateJournalInput, CreateTaxRateInput, FiscalYear,
    FiscalYearFilter, FiscalYearOrder, FiscalYearPatch, Journal, JournalFilter, JournalOrder,
    JournalPatch, JournalType, TaxRate, TaxRateFilter, TaxRateOrder, TaxRatePatch,
};
use crate::graphql::listing::DbEnum;
use crate::graphql::resource::{Editable, Problems, Resource, stamp_new};

impl Resource for account::Entity {
    type Node = Account;
    type Filter = AccountFilter;
    type Order = AccountOrder;
    const VIEW: Permission = Permission::ViewLedger;
}

impl Resource for journal::Entity {
    type Node = Journal;
    type Filter = JournalFilter;
    type Order = JournalOrder;
    const VIEW: Permission = Permission::ViewLedger;
}

impl Resource for tax_rate::Entity {
    type Node = TaxRate;
    type Filter = TaxRateFilter;
    type Order = TaxRateOrder;
    const VIEW: Permission = Permission::ViewLedger;
}

impl Resource for fiscal_year::Entity {
    type Node = FiscalYear;
    type Filter = FiscalYearFilter;
    type Order = FiscalYearOrder;
    const VIEW: Permission = Permission::ViewLedger;
}

/// Whether any posted line uses the account (then its code, type and role are history).
async fn account_used(tx: &TenantTx, id: Uuid) -> AppResult<bool> {
    Ok(tx
        .count(
            tx.select::<journal_line::Entity>()
                .refine(|q| q.filter(journal_line::Column::AccountId.eq(id))),
        )
        .await?
        > 0)
}

/// A parent must be a live group account of the same type.
async fn parent(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    id: Option<Uuid>,
    account_type: &str,
    own: Option<Uuid>,
) -> AppResult<()> {
    let Some(id) = id else { return Ok(()) };
    match tx.get::<account::Entity>(id).await? {
        Some(a) if Some(a.id) == own => {
            p.row(path, E::Invalid, "an account cannot be its own parent")
        }
        Some(a) if !a.is_group => p.row(path, E::Invalid, "the parent must be a group account"),
        Some(a) if a.account_type != account_type => {
            p.row(path, E::Invalid, "the parent must have the same type")
        }
        Some(_) => {}
        None => p.row(path, E::NotFound, "no such account"),
    }
    Ok(())
}

fn sub_type_fits(p: &mut P, path: &str, t: AccountType, s: Option<AccountSubType>) {
    use AccountSubType as S;
    let ok = match s {
        None => true,
        Some(S::Receivable | S::Bank | S::Cash) => t == AccountType::Asset,
        Some(S::Payable) => t == AccountType::Liability,
        Some(S::Tax) => matches!(t, AccountType::Asset | AccountType::Liability),
    };
    if !ok {
        p.row(
            path,
            E::Invalid,
            "receivable, bank and cash accounts are assets, payable ones liabilities, tax ones either",
        );
    }
}

impl Editable for account::Entity {
    type Create = CreateAccountInput;
    type Patch = AccountPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageLedger;

    async fn create(
        tx: &TenantTx,
        input: &CreateAccountInput,
        p: &mut P,
    ) -> AppResult<account::ActiveModel> {
        super::settings(tx).await?;
        let code = p.required_text("code", &input.code, 20);
        p.unique::<account::Entity>(tx, "code", account::Column::Code, &code, None)
            .await?;
        let parent_id = p
            .reference::<account::Entity>(tx, "parentId", input.parent_id.as_ref())
            .await?;
        parent(tx, p, "parentId", parent_id, input.account_type.db(), None).await?;
        sub_type_fits(p, "subType", input.account_type, input.sub_type);
        if input.is_group.unwrap_or(false) && input.sub_type.is_some() {
            p.row("subType", E::Invalid, "a group account has no role");
        }
        Ok(account::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            account_type: Set(input.account_type.db().into()),
            sub_type: Set(input.sub_type.map(|s| s.db().into())),
            parent_id: Set(parent_id),
            is_group: Set(input.is_group.unwrap_or(false)),
            frozen: Set(false),
            deprecated: Set(false),
            description: Set(p.optional_text("description", input.description.as_deref(), 1000)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &account::Model,
        patch: &AccountPatch,
        p: &mut P,
    ) -> AppResult<account::ActiveModel> {
        let mut am = row.clone().into_active_model();
        let used = account_used(tx, row.id).await?;
        if let Some(code) = &patch.code {
            let code = p.required_text("patch.code", code, 20);
            if code != row.code && used {
                p.row(
                    "patch.code",
                    E::InUse,
                    "the account has postings; its code is history",
                );
            }
            p.unique::<account::Entity>(
                tx,
                "patch.code",
                account::Column::Code,
                &code,
                Some(row.id),
            )
            .await?;
            am.code = Set(code);
        }
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        let sub_type = match &patch.sub_type {
            async_graphql::MaybeUndefined::Undefined => {
                row.sub_type.as_deref().map(AccountSubType::from_db)
            }
            async_graphql::MaybeUndefined::Null => None,
            async_graphql::MaybeUndefined::Value(s) => Some(*s),
        };
        let account_type = AccountType::from_db(&row.account_type);
        if sub_type.map(|s| s.db()) != row.sub_type.as_deref() {
            if used {
                p.row(
                    "patch.subType",
                    E::InUse,
                    "the account has postings; its role is history",
                );
            }
            sub_type_fits(p, "patch.subType", account_type, sub_type);
            am.sub_type = Set(sub_type.map(|s| s.db().into()));
        }
        if let Some(parent_id) = p
            .reference_patch::<account::Entity>(tx, "patch.parentId", &patch.parent_id)
            .await?
        {
            parent(
                tx,
                p,
                "patch.parentId",
                parent_id,
                &row.account_type,
                Some(row.id),
            )
            .await?;
            am.parent_id = Set(parent_id);
        }
        if let Some(f) = patch.frozen {
            am.frozen = Set(f);
        }
        if let Some(d) = patch.deprecated {
            am.deprecated = Set(d);
        }
        if let Some(d) = crate::services::org::optional_patch(&patch.description) {
            am.description = Set(p.optional_text("patch.description", d, 1000));
        }
        Ok(am)
    }

    async fn check_archive(
        tx: &TenantTx,
        row: &account::Model,
        p: &mut Problems<E>,
    ) -> AppResult<()> {
        if account_used(tx, row.id).await? {
            p.row(
                "id",
                E::InUse,
                "the account has postings; deprecate it instead",
            );
        }
        let children = tx
            .count(tx.select::<account::Entity>().refine(|q| {
                q.filter(account::Column::ParentId.eq(row.id))
                    .filter(account::Column::ArchivedAt.is_null())
            }))
            .await?;
        if children > 0 {
            p.row("id", E::InUse, "the group still has accounts");
        }
        Ok(())
    }
}

/// A journal's default account must be a postable account of the tenant.
async fn default_account(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    id: Option<&async_graphql::ID>,
) -> AppResult<Option<Uuid>> {
    let id = p.reference::<account::Entity>(tx, path, id).await?;
    if let Some(id) = id
        && let Some(a) = tx.get::<account::Entity>(id).await?
        && a.is_group
    {
        p.row(
            path,
            E::AccountNotPostable,
            "a group account takes no postings",
        );
    }
    Ok(id)
}

impl Editable for journal::Entity {
    type Create = CreateJournalInput;
    type Patch = JournalPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageLedger;

    async fn create(
        tx: &TenantTx,
        input: &CreateJournalInput,
        p: &mut P,
    ) -> AppResult<journal::ActiveModel> {
        super::settings(tx).await?;
        let code = p
            .required_text("code", &input.code, 10)
            .to_ascii_uppercase();
        if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            p.row(
                "code",
                E::Invalid,
                "letters and digits only (it starts every entry number)",
            );
        }
        p.unique::<journal::Entity>(tx, "code", journal::Column::Code, &code, None)
            .await?;
        let default_account_id =
            default_account(tx, p, "defaultAccountId", input.default_account_id.as_ref()).await?;
        if matches!(input.journal_type, JournalType::Bank | JournalType::Cash)
            && default_account_id.is_none()
        {
            p.row(
                "defaultAccountId",
                E::Required,
                "a bank or cash journal needs its account",
            );
        }
        Ok(journal::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            journal_type: Set(input.journal_type.db().into()),
            default_account_id: Set(default_account_id),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &journal::Model,
        patch: &JournalPatch,
        p: &mut P,
    ) -> AppResult<journal::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        if let Some(id) = &patch.default_account_id {
            am.default_account_id =
                Set(default_account(tx, p, "patch.defaultAccountId", Some(id)).await?);
        }
        Ok(am)
    }
}

impl Editable for tax_rate::Entity {
    type Create = CreateTaxRateInput;
    type Patch = TaxRatePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageLedger;

    async fn create(
        tx: &TenantTx,
        input: &CreateTaxRateInput,
        p: &mut P,
    ) -> AppResult<tax_rate::ActiveModel> {
        super::settings(tx).await?;
        let code = p.required_text("code", &input.code, 20);
        p.unique::<tax_rate::Entity>(tx, "code", tax_rate::Column::Code, &code, None)
            .await?;
        let rate = input.rate.0;
        if rate < Decimal::ZERO || rate > Decimal::from(100) || rate.normalize().scale() > 4 {
            p.row(
                "rate",
                E::Invalid,
                "a percent from 0 to 100, at most 4 decimals",
            );
        }
        let account_id = default_account(tx, p, "accountId", Some(&input.account_id)).await?;
        if account_id.is_none() && p.is_empty() {
            p.row("accountId", E::Required, "the account the tax is posted to");
        }
        Ok(tax_rate::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            rate: Set(rate),
            scope: Set(input.scope.db().into()),
            inclusive: Set(input.inclusive.unwrap_or(false)),
            account_id: Set(account_id.unwrap_or_default()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &tax_rate::Model,
        patch: &TaxRatePatch,
        p: &mut P,
    ) -> AppResult<tax_rate::ActiveModel> {
        // The rate and the account are the tax's identity on past documents (which keep their
        // own copy of the percent); a new rate is a new tax rate.
        let mut am = row.clone().into_active_model();
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        Ok(am)
    }
}

/// Whether a fiscal year overlaps another (archived ones aside).
async fn overlaps(
    tx: &TenantTx,
    starts: NaiveDate,
    ends: NaiveDate,
    except: Option<Uuid>,
) -> AppResult<bool> {
    let found = tx
        .count(tx.select::<fiscal_year::Entity>().refine(|q| {
            let q = q
                .filter(fiscal_year::Column::StartsOn.lte(ends))
                .filter(fiscal_year::Column::EndsOn.gte(starts))
                .filter(fiscal_year::Column::ArchivedAt.is_null());
            match except {
                Some(id) => q.filter(fiscal_year::Column::Id.ne(id)),
                None => q,
            }
        }))
        .await?;
    Ok(found > 0)
}

impl Editable for fiscal_year::Entity {
    type Create = CreateFiscalYearInput;
    type Patch = FiscalYearPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ClosePeriods;

    async fn create(
        tx: &TenantTx,
        input: &CreateFiscalYearInput,
        p: &mut P,
    ) -> AppResult<fiscal_year::ActiveModel> {
        super::settings(tx).await?;
        let (s, e) = (input.starts_on, input.ends_on);
        if e <= s {
            p.row("endsOn", E::Invalid, "must be after the start");
        } else if (e - s).num_days() > 550 {
            p.row("endsOn", E::Invalid, "a fiscal year is at most 18 months");
        } else if overlaps(tx, s, e, None).await? {
            p.row("startsOn", E::Overlap, "overlaps another fiscal year");
        }
        Ok(fiscal_year::ActiveModel {
            name: Set(p.required_text("name", &input.name, 60)),
            starts_on: Set(s),
            ends_on: Set(e),
            status: Set("open".into()),
            closing_entry_id: Set(None),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &fiscal_year::Model,
        patch: &FiscalYearPatch,
        p: &mut P,
    ) -> AppResult<fiscal_year::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 60));
        }
        Ok(am)
    }

    async fn check_archive(
        tx: &TenantTx,
        row: &fiscal_year::Model,
        p: &mut Problems<E>,
    ) -> AppResult<()> {
        let posted = tx
            .count(tx.select::<journal_line::Entity>().refine(|q| {
                q.filter(journal_line::Column::Date.between(row.starts_on, row.ends_on))
            }))
            .await?;
        if posted > 0 || row.status == "closed" {
            p.row("id", E::InUse, "the year has entries");
        }
        Ok(())
    }

    async fn check_restore(
        tx: &TenantTx,
        row: &fiscal_year::Model,
        p: &mut Problems<E>,
    ) -> AppResult<()> {
        if overlaps(tx, row.starts_on, row.ends_on, Some(row.id)).await? {
            p.row("id", E::Overlap, "overlaps another fiscal year");
        }
        Ok(())
    }
}

/// The fiscal year (by the tenant's start month) that contains `day`.
pub fn fiscal_year_around(day: NaiveDate, start_month: u32) -> (NaiveDate, NaiveDate) {
    let start_month = start_month.clamp(1, 12);
    let year = if day.month() >= start_month {
        day.year()
    } else {
        day.year() - 1
    };
    let starts = NaiveDate::from_ymd_opt(year, start_month, 1).unwrap_or(day);
    let next = NaiveDate::from_ymd_opt(year + 1, start_month, 1).unwrap_or(day);
    (starts, next.pred_opt().unwrap_or(next))
}

/// The name of a fiscal year: `FY2026` for one starting in 2026.
pub fn fiscal_year_name(starts: NaiveDate) -> String {
    format!("FY{}", starts.year())
}

async fn insert<Ent>(tx: &TenantTx, mut am: Ent::ActiveModel) -> AppResult<Ent::Model>
where
    Ent: entity::TenantScoped<Model: IntoActiveModel<Ent::ActiveModel>>,
    Ent::ActiveModel: sea_orm::ActiveModelBehavior + Send,
{
    stamp_new::<Ent>(&mut am, None)?;
    Ok(tx.insert::<Ent, _>(am).await?)
}

/// The default chart: code, name, type, role, group.
const CHART: &[(&str, &str, &str, Option<&str>, bool)] = &[
    ("1000", "Assets", "asset", None, true),
    ("1010", "Cash on hand", "asset", Some("cash"), false),
    (
        "1020",
        "Bank: ordinary deposit",
        "asset",
        Some("bank"),
        false,
    ),
    (
        "1100",
        "Accounts receivable",
        "asset",
        Some("receivable"),
        false,
    ),
    ("1200", "Inventory", "asset", None, false),
    ("1300", "Prepaid expenses", "asset", None, false),
    ("1400", "Consumption tax paid", "asset", Some("tax"), false),
    ("1500", "Equipment", "asset", None, false),
    ("1510", "Accumulated depreciation", "asset", None, false),
    ("1600", "Advances to employees", "asset", None, false),
    ("2000", "Liabilities", "liability", None, true),
    (
        "2010",
        "Accounts payable",
        "liability",
        Some("payable"),
        false,
    ),
    ("2020", "Accrued expenses", "liability", None, false),
    (
        "2100",
        "Consumption tax received",
        "liability",
        Some("tax"),
        false,
    ),
    ("2200", "Withholdings", "liability", None, false),
    ("2300", "Loans", "liability", None, false),
    ("3000", "Equity", "equity", None, true),
    ("3010", "Share capital", "equity", None, false),
    ("3100", "Retained earnings", "equity", None, false),
    ("4000", "Income", "income", None, true),
    ("4010", "Sales", "income", None, false),
    ("4020", "Service revenue", "income", None, false),
    ("4900", "Other income", "income", None, false),
    ("5000", "Expenses", "expense", None, true),
    ("5010", "Purchases", "expense", None, false),
    ("6010", "Salaries", "expense", None, false),
    ("6020", "Rent", "expense", None, false),
    ("6030", "Utilities", "expense", None, false),
    ("6040", "Travel", "expense", None, false),
    ("6050", "Communication", "expense", None, false),
    ("6060", "Supplies", "expense", None, false),
    ("6070", "Depreciation", "expense", None, false),
    ("6080", "Fees and commissions", "expense", None, false),
    ("6090", "Advertising", "expense", None, false),
];

/// Creates the default books: the chart above, the five journals, the four consumption-tax
/// rates, the ledger settings and the fiscal year containing today. Called when a tenant is
/// created (and lazily for a tenant from before accounting).
pub async fn seed_defaults(tx: &TenantTx) -> AppResult<()> {
    let start_month = entity::platform::find_tenant(tx.connection(), tx.tenant().uuid())
        .await?
        .map(|t| t.fiscal_year_start_month as u32)
        .unwrap_or(4);
    let mut ids = std::collections::HashMap::new();
    let mut group = None;
    for (code, name, kind, sub, is_group) in CHART {
        let row = insert::<account::Entity>(
            tx,
            account::ActiveModel {
                code: Set((*code).into()),
                name: Set((*name).into()),
                account_type: Set((*kind).into()),
                sub_type: Set(sub.map(Into::into)),
                parent_id: Set(if *is_group { None } else { group }),
                is_group: Set(*is_group),
                frozen: Set(false),
                deprecated: Set(false),
                description: Set(None),
                archived_at: Set(None),
                ..Default::default()
            },
        )
        .await?;
        if *is_group {
            group = Some(row.id);
        }
        ids.insert(*code, row.id);
    }
    let id = |code: &str| ids.get(code).copied();
    for (code, name, kind, account) in [
        ("SAL", "Sales", "sale", "4010"),
        ("PUR", "Purchases", "purchase", "5010"),
        ("BNK", "Bank", "bank", "1020"),
        ("CSH", "Cash", "cash", "1010"),
        ("GEN", "General", "general", ""),
    ] {
        insert::<journal::Entity>(
            tx,
            journal::ActiveModel {
                code: Set(code.into()),
                name: Set(name.into()),
                journal_type: Set(kind.into()),
                default_account_id: Set(id(account)),
                archived_at: Set(None),
                ..Default::default()
            },
        )
        .await?;
    }
    for (code, name, rate, scope, account) in [
        ("S10", "Sales 10%", 10, "sale", "2100"),
        ("S8", "Sales 8% (reduced)", 8, "sale", "2100"),
        ("P10", "Purchases 10%", 10, "purchase", "1400"),
        ("P8", "Purchases 8% (reduced)", 8, "purchase", "1400"),
    ] {
        insert::<tax_rate::Entity>(
            tx,
            tax_rate::ActiveModel {
                code: Set(code.into()),
                name: Set(name.into()),
                rate: Set(Decimal::from(rate)),
                scope: Set(scope.into()),
                inclusive: Set(false),
                account_id: Set(id(account).unwrap_or_default()),
                archived_at: Set(None),
                ..Default::default()
            },
        )
        .await?;
    }
    insert::<ledger_settings::Entity>(
        tx,
        ledger_settings::ActiveModel {
            lock_date: Set(None),
            soft_lock_date: Set(None),
            retained_earnings_account_id: Set(id("3100")),
            tax_rounding: Set("floor".into()),
            registration_number: Set(None),
            archived_at: Set(None),
            ..Default::default()
        },
    )
    .await?;
    let (starts, ends) = fiscal_year_around(Utc::now().date_naive(), start_month);
    insert::<fiscal_year::Entity>(
        tx,
        fiscal_year::ActiveModel {
            name: Set(fiscal_year_name(starts)),
            starts_on: Set(starts),
            ends_on: Set(ends),
            status: Set("open".into()),
            closing_entry_id: Set(None),
            archived_at: Set(None),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// The first live account with a role (`receivable`, `payable`, ...), for documents that post to
/// it.
pub async fn account_with_role(tx: &TenantTx, role: &str) -> AppResult<Option<account::Model>> {
    let role = role.to_owned();
    Ok(tx
        .one(tx.select::<account::Entity>().refine(|q| {
            use sea_orm::QueryOrder;
            q.filter(account::Column::SubType.eq(role))
                .filter(account::Column::IsGroup.eq(false))
                .filter(account::Column::Deprecated.eq(false))
                .filter(account::Column::ArchivedAt.is_null())
                .order_by_asc(account::Column::Code)
        }))
        .await?)
}

/// The first live journal of a type.
pub async fn journal_of_type(tx: &TenantTx, kind: &str) -> AppResult<Option<journal::Model>> {
    let kind = kind.to_owned();
    Ok(tx
        .one(tx.select::<journal::Entity>().refine(|q| {
            use sea_orm::QueryOrder;
            q.filter(journal::Column::JournalType.eq(kind))
                .filter(journal::Column::ArchivedAt.is_null())
                .order_by_asc(journal::Column::Code)
        }))
        .await?)
}

/// The tenant's accounts by id (the chart is small: a few hundred rows at most).
pub async fn accounts_by_id(
    tx: &TenantTx,
) -> AppResult<std::collections::HashMap<Uuid, account::Model>> {
    Ok(tx
        .all(tx.select::<account::Entity>())
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}
