//! Fixed assets: the register, monthly depreciation through the ledger, and disposal.
//!
//! Invariants:
//! - an asset's cost stands on a postable asset account, its depreciation is credited to a
//!   separate postable asset (contra) account and debited to a postable expense account;
//! - the cost is positive and the salvage value is from zero to less than the cost, both in the
//!   base currency's precision; the useful life is 1 to 600 months;
//! - the schedule starts with the month of the in-use date, has one amount per month end, never
//!   takes the book value below the salvage value, and ends exactly on it;
//! - a depreciation run posts one entry per asset and month (debit expense, credit accumulated
//!   depreciation) through the ledger, so every ledger check holds; any refusal changes nothing;
//! - what the schedule says is posted is what the register says: `accumulated` and
//!   `depreciated_until` move in the transaction that posts the entries;
//! - disposal depreciates up to the month before, then takes cost and accumulated depreciation
//!   out of the books with the proceeds and the gain or loss in one entry.
//!
//! Registering an asset does not post its purchase: that came in through a supplier bill or a
//! manual entry to the asset account.

use chrono::{Datelike, Months, NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::{account, fixed_asset, journal_entry};
use entity::org::cost_centre;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ledger::{self, EntryIn, LineIn};
use super::{AccountingErrorCode as E, Checked, P, refuse};
use crate::auth::Permission;
use crate::error::{AppResult, InputError};
use crate::graphql::assets::{
    CreateFixedAssetInput, DepreciationMethod, FixedAsset, FixedAssetFilter, FixedAssetOrder,
    FixedAssetPatch,
};
use crate::graphql::core::GlobalId;
use crate::graphql::listing::DbEnum;
use crate::graphql::resource::{Editable, Resource};

/// The source type of the entries an asset produces (its GraphQL type name).
const SOURCE: &str = "FixedAsset";

/// The code of the income account a gain on disposal is credited to (the default chart's
/// "Other income").
const GAIN_ACCOUNT_CODE: &str = "4900";

/// The longest useful life the register takes: fifty years.
const MAX_LIFE_MONTHS: i32 = 600;

impl Resource for fixed_asset::Entity {
    type Node = FixedAsset;
    type Filter = FixedAssetFilter;
    type Order = FixedAssetOrder;
    const VIEW: Permission = Permission::ViewFixedAssets;
}

/// One month of a depreciation schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleLine {
    /// The month end the month's depreciation is posted on.
    pub date: NaiveDate,
    /// The month's depreciation.
    pub amount: Decimal,
    /// The depreciation up to and including this month.
    pub accumulated: Decimal,
    /// The cost less the accumulated depreciation after this month.
    pub book_value: Decimal,
}

/// The last day of the month `months` after the month of `day` (0: the month of `day`).
pub fn month_end(day: NaiveDate, months: u32) -> Option<NaiveDate> {
    day.with_day(1)?
        .checked_add_months(Months::new(months.checked_add(1)?))?
        .pred_opt()
}

/// The percent per year a declining-balance asset is written down by: the one given, else
/// double the straight-line rate (200% divided by the years of life).
pub fn effective_rate(asset: &fixed_asset::Model) -> Decimal {
    match asset.declining_rate {
        Some(r) => r,
        None if asset.useful_life_months > 0 => {
            Decimal::from(2400) / Decimal::from(asset.useful_life_months)
        }
        None => Decimal::ZERO,
    }
}

/// The asset's depreciation, month by month from the month of its in-use date, rounded to
/// `currency` (the base currency). Straight line spreads cost less salvage evenly, the last
/// month taking the rounding remainder; declining balance writes the book value down by the
/// yearly rate a twelfth at a time, never below the salvage value, and down to it in the last
/// month of the life. The schedule stops at the month the book value reaches the salvage value.
pub fn schedule(asset: &fixed_asset::Model, currency: &str) -> Vec<ScheduleLine> {
    let life = u32::try_from(asset.useful_life_months).unwrap_or(0);
    let depreciable = asset.cost - asset.salvage_value;
    if life == 0 || depreciable <= Decimal::ZERO {
        return Vec::new();
    }
    let straight = super::round_money(depreciable / Decimal::from(life), currency);
    let monthly_rate = effective_rate(asset) / Decimal::from(1200);
    let declining = asset.method == DepreciationMethod::DecliningBalance.db();
    let mut out = Vec::with_capacity(life as usize);
    let mut accumulated = Decimal::ZERO;
    for i in 0..life {
        let Some(date) = month_end(asset.in_use_date, i) else {
            break;
        };
        let remaining = depreciable - accumulated;
        let amount = if i + 1 == life {
            remaining
        } else if declining {
            super::round_money((asset.cost - accumulated) * monthly_rate, currency).min(remaining)
        } else {
            straight.min(remaining)
        };
        let amount = amount.max(Decimal::ZERO);
        accumulated += amount;
        out.push(ScheduleLine {
            date,
            amount,
            accumulated,
            book_value: asset.cost - accumulated,
        });
        if accumulated >= depreciable {
            break;
        }
    }
    out
}

/// A postable account of the given type, for one of the asset's account fields.
async fn postable(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    id: &async_graphql::ID,
    account_type: &str,
) -> AppResult<Option<account::Model>> {
    let found = match GlobalId::decode_for::<account::Entity>(id) {
        Some(uuid) => tx.get::<account::Entity>(uuid).await?,
        None => None,
    };
    // Every problem here is a row problem: the asset cannot be saved without its accounts.
    match found {
        None => p.row(path, E::NotFound, "no such account"),
        Some(a) if a.archived_at.is_some() => p.row(path, E::Archived, "the account is archived"),
        Some(a) if a.is_group || a.deprecated => p.row(
            path,
            E::AccountNotPostable,
            format!("{} takes no postings", a.code),
        ),
        Some(a) if a.account_type != account_type => p.row(
            path,
            E::Invalid,
            format!("{} is not an {account_type} account", a.code),
        ),
        Some(a) => return Ok(Some(a)),
    }
    Ok(None)
}

impl Editable for fixed_asset::Entity {
    type Create = CreateFixedAssetInput;
    type Patch = FixedAssetPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageFixedAssets;

    async fn create(
        tx: &TenantTx,
        input: &CreateFixedAssetInput,
        p: &mut P,
    ) -> AppResult<fixed_asset::ActiveModel> {
        let settings = super::settings(tx).await?;
        let base = super::base_currency(tx).await?;
        let code = p.required_text("code", &input.code, 30);
        p.unique::<fixed_asset::Entity>(tx, "code", fixed_asset::Column::Code, &code, None)
            .await?;
        let name = p.required_text("name", &input.name, 200);
        let asset_account =
            postable(tx, p, "assetAccountId", &input.asset_account_id, "asset").await?;
        let accumulated_account = postable(
            tx,
            p,
            "accumulatedAccountId",
            &input.accumulated_account_id,
            "asset",
        )
        .await?;
        let expense_account = postable(
            tx,
            p,
            "expenseAccountId",
            &input.expense_account_id,
            "expense",
        )
        .await?;
        if let (Some(a), Some(c)) = (&asset_account, &accumulated_account)
            && a.id == c.id
        {
            p.row(
                "accumulatedAccountId",
                E::Invalid,
                "depreciation goes to a contra account of its own, not the asset account",
            );
        }
        let cost = input.cost.0;
        if cost <= Decimal::ZERO {
            p.row("cost", E::Invalid, "must be more than zero");
        }
        super::money_in(p, "cost", cost, &base);
        let salvage = input.salvage_value.map(|s| s.0).unwrap_or_default();
        if salvage < Decimal::ZERO || salvage >= cost {
            p.row(
                "salvageValue",
                E::Invalid,
                "from zero to less than the cost (asset residual < gross)",
            );
        }
        super::money_in(p, "salvageValue", salvage, &base);
        if !(1..=MAX_LIFE_MONTHS).contains(&input.useful_life_months) {
            p.row(
                "usefulLifeMonths",
                E::Invalid,
                format!("from 1 to {MAX_LIFE_MONTHS} months"),
            );
        }
        let declining_rate = match (input.method, input.declining_rate) {
            (_, None) => None,
            (DepreciationMethod::StraightLine, Some(_)) => {
                p.row(
                    "decliningRate",
                    E::Invalid,
                    "only a declining-balance asset has a rate",
                );
                None
            }
            (DepreciationMethod::DecliningBalance, Some(r)) => {
                if r.0 <= Decimal::ZERO || r.0 > Decimal::ONE_HUNDRED || r.0.normalize().scale() > 4
                {
                    p.row(
                        "decliningRate",
                        E::Invalid,
                        "a percent per year above 0 and at most 100, at most 4 decimals",
                    );
                }
                Some(r.0)
            }
        };
        // Depreciation starts with the in-use month: were that month locked, no run could ever
        // post it, and every later run would stop at this asset.
        if let Some(lock) = settings.lock_date
            && let Some(first) = month_end(input.in_use_date, 0)
            && first <= lock
        {
            p.row(
                "inUseDate",
                E::PeriodLocked,
                format!(
                    "the books are locked up to {lock}; its first depreciation could not be posted"
                ),
            );
        }
        let cost_centre_id = p
            .reference::<cost_centre::Entity>(tx, "costCentreId", input.cost_centre_id.as_ref())
            .await?;
        Ok(fixed_asset::ActiveModel {
            code: Set(code),
            name: Set(name),
            asset_account_id: Set(asset_account.map(|a| a.id).unwrap_or_default()),
            accumulated_account_id: Set(accumulated_account.map(|a| a.id).unwrap_or_default()),
            expense_account_id: Set(expense_account.map(|a| a.id).unwrap_or_default()),
            cost: Set(cost),
            salvage_value: Set(salvage),
            in_use_date: Set(input.in_use_date),
            method: Set(input.method.db().into()),
            useful_life_months: Set(input.useful_life_months),
            declining_rate: Set(declining_rate),
            depreciated_until: Set(None),
            accumulated: Set(Decimal::ZERO),
            // Registering an asset is putting it in use: depreciation runs from its in-use date.
            status: Set("in_use".into()),
            disposed_on: Set(None),
            disposal_entry_id: Set(None),
            cost_centre_id: Set(cost_centre_id),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &fixed_asset::Model,
        patch: &FixedAssetPatch,
        p: &mut P,
    ) -> AppResult<fixed_asset::ActiveModel> {
        // Cost, salvage value, life and method decide the schedule, and the months posted are
        // history; a mistake there is archived and registered again before anything is posted.
        let mut am = row.clone().into_active_model();
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        if let Some(cc) = p
            .reference_patch::<cost_centre::Entity>(tx, "patch.costCentreId", &patch.cost_centre_id)
            .await?
        {
            am.cost_centre_id = Set(cc);
        }
        Ok(am)
    }

    async fn check_archive(_tx: &TenantTx, row: &fixed_asset::Model, p: &mut P) -> AppResult<()> {
        // Archiving is for an asset registered by mistake; one with postings stays in the
        // register, where its entries point, and leaves the books by disposal.
        if row.accumulated > Decimal::ZERO
            || row.depreciated_until.is_some()
            || row.disposal_entry_id.is_some()
        {
            p.row(
                "id",
                E::InUse,
                "the asset has postings; dispose of or scrap it instead",
            );
        }
        Ok(())
    }
}

/// Prefixes the ledger's problems with the asset and month they are about, since one run posts
/// for many assets.
fn about(
    asset: &fixed_asset::Model,
    month: &str,
    mut errors: Vec<InputError<E>>,
) -> Vec<InputError<E>> {
    for e in &mut errors {
        e.message = format!("{} {month}: {}", asset.code, e.message);
    }
    errors
}

/// Posts the asset's depreciation for every scheduled month end after `depreciated_until` up to
/// `up_to`, one entry per month, and records it on the (locked) asset. Returns the asset as
/// updated and the entries posted.
async fn catch_up(
    tx: &TenantTx,
    actor: Uuid,
    asset: &fixed_asset::Model,
    up_to: NaiveDate,
    journal: Uuid,
    base: &str,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<(fixed_asset::Model, Vec<journal_entry::Model>)>> {
    let due: Vec<ScheduleLine> = schedule(asset, base)
        .into_iter()
        .filter(|l| asset.depreciated_until.is_none_or(|d| l.date > d) && l.date <= up_to)
        .collect();
    let Some(last) = due.last().copied() else {
        return Ok(Ok((asset.clone(), Vec::new())));
    };
    let mut entries = Vec::new();
    for line in &due {
        let month = line.date.format("%Y-%m").to_string();
        // A month whose rounded amount is nothing has nothing to post, but it still counts as
        // depreciated.
        if line.amount.is_zero() {
            continue;
        }
        let text = format!("Depreciation {} {month}", asset.code);
        let mut expense = LineIn::new(asset.expense_account_id, line.amount, Decimal::ZERO);
        expense.cost_centre = asset.cost_centre_id;
        expense.description = Some(text.clone());
        let mut contra = LineIn::new(asset.accumulated_account_id, Decimal::ZERO, line.amount);
        contra.description = Some(text.clone());
        let input = EntryIn {
            journal,
            date: line.date,
            kind: "entry",
            reference: Some(asset.code.clone()),
            narration: Some(text),
            lines: vec![expense, contra],
            reversal_of: None,
            source: Some((SOURCE, asset.id)),
            closing: false,
        };
        match ledger::record(tx, Some(actor), &input, may_pass_soft_lock).await? {
            Ok(entry) => entries.push(entry),
            Err(errors) => return Ok(Err(about(asset, &month, errors))),
        }
    }
    let accumulated = asset.accumulated + due.iter().map(|l| l.amount).sum::<Decimal>();
    let mut am = asset.clone().into_active_model();
    am.depreciated_until = Set(Some(last.date));
    am.accumulated = Set(accumulated);
    if asset.cost - accumulated <= asset.salvage_value {
        am.status = Set("fully_depreciated".into());
    }
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        asset.version,
        actor,
    );
    let updated = tx
        .update_as::<fixed_asset::Entity, _>(am, "depreciated")
        .await?;
    Ok(Ok((updated, entries)))
}

/// Posts the depreciation of every asset in use for every month end up to `up_to` that is not
/// posted yet: one entry per asset and month in the general journal. Any refusal (a locked
/// period, a month without a fiscal year, a frozen account) is returned with the asset and month
/// it is about; the caller drops the transaction, so nothing is posted.
pub async fn depreciate(
    tx: &TenantTx,
    actor: Uuid,
    up_to: NaiveDate,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<Vec<journal_entry::Model>>> {
    if let Some(end) = month_end(Utc::now().date_naive(), 0)
        && up_to > end
    {
        return Ok(refuse(
            "upTo",
            E::Invalid,
            "depreciation is not posted ahead: at most the end of this month",
        ));
    }
    let Some(journal) = super::chart::journal_of_type(tx, "general").await? else {
        return Ok(refuse(
            "upTo",
            E::NotFound,
            "the tenant has no general journal",
        ));
    };
    let base = super::base_currency(tx).await?;
    let ids: Vec<Uuid> = tx
        .all(tx.select::<fixed_asset::Entity>().refine(|q| {
            q.filter(fixed_asset::Column::Status.eq("in_use"))
                .filter(fixed_asset::Column::ArchivedAt.is_null())
                .filter(fixed_asset::Column::InUseDate.lte(up_to))
                .filter(
                    Condition::any()
                        .add(fixed_asset::Column::DepreciatedUntil.is_null())
                        .add(fixed_asset::Column::DepreciatedUntil.lt(up_to)),
                )
                .order_by_asc(fixed_asset::Column::Code)
        }))
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut entries = Vec::new();
    for id in ids {
        // Locked and read again: a disposal or another run may have moved it meanwhile.
        let Some(asset) = tx.get_for_update::<fixed_asset::Entity>(id).await? else {
            continue;
        };
        if asset.status != "in_use" || asset.archived_at.is_some() {
            continue;
        }
        match catch_up(
            tx,
            actor,
            &asset,
            up_to,
            journal.id,
            &base,
            may_pass_soft_lock,
        )
        .await?
        {
            Ok((_, posted)) => entries.extend(posted),
            Err(mut errors) => {
                // The ledger speaks of the entry's date; the run's input is its last month end.
                for e in &mut errors {
                    if *e.field == ["date"] {
                        e.field = vec!["upTo".into()].into();
                    }
                }
                return Ok(Err(errors));
            }
        }
    }
    Ok(Ok(entries))
}

/// The account proceeds of a sale are debited to: a postable asset account such as the bank.
async fn proceeds_account(tx: &TenantTx, p: &mut P, id: Option<Uuid>) -> AppResult<Option<Uuid>> {
    const PATH: &str = "proceedsAccountId";
    let Some(id) = id else {
        p.row(
            PATH,
            E::Required,
            "the account the proceeds were received on, e.g. the bank",
        );
        return Ok(None);
    };
    match tx.get::<account::Entity>(id).await? {
        None => p.row(PATH, E::NotFound, "no such account"),
        Some(a) if a.archived_at.is_some() || a.is_group || a.frozen || a.deprecated => p.row(
            PATH,
            E::AccountNotPostable,
            format!("{} takes no postings", a.code),
        ),
        // A receivable line needs a party, which a disposal does not have: a sale on credit is
        // invoiced, and the invoice's payment is what reaches the bank.
        Some(a) if a.account_type != "asset" || a.sub_type.as_deref() == Some("receivable") => {
            let message = format!("{} is not a bank, cash or other asset account", a.code);
            p.row(PATH, E::Invalid, message);
        }
        Some(a) => return Ok(Some(a.id)),
    }
    Ok(None)
}

/// Takes an asset out of the books on `date`: sold for `proceeds` received on
/// `proceeds_account`, or scrapped (no proceeds). Depreciation is first posted up to the end of
/// the month before; then one entry debits the accumulated depreciation and the proceeds,
/// credits the cost, and books the difference as a gain (other income, account 4900) or a loss
/// (the asset's expense account).
#[allow(clippy::too_many_arguments)]
pub async fn dispose(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    date: NaiveDate,
    proceeds: Decimal,
    proceeds_account_id: Option<Uuid>,
    scrap: bool,
    may_pass_soft_lock: bool,
) -> AppResult<Checked<fixed_asset::Model>> {
    let Some(asset) = tx.get_for_update::<fixed_asset::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such fixed asset"));
    };
    crate::services::access::check_version(asset.version, expected_version)?;
    if asset.archived_at.is_some() {
        return Ok(refuse("id", E::Archived, "the asset is archived"));
    }
    if !matches!(asset.status.as_str(), "in_use" | "fully_depreciated") {
        return Ok(refuse(
            "id",
            E::Invalid,
            "only an asset in use or fully depreciated is disposed of",
        ));
    }
    let base = super::base_currency(tx).await?;
    let mut p = P::default();
    if date < asset.in_use_date {
        p.row("date", E::Invalid, "before the asset was put in use");
    }
    // Months after the month of disposal must not have been depreciated already: their
    // depreciation would stay in the books of an asset that was gone.
    if let (Some(done), Some(end)) = (asset.depreciated_until, month_end(date, 0))
        && done > end
    {
        p.row(
            "date",
            E::Invalid,
            format!("depreciation is posted up to {done}; dispose of it after that month"),
        );
    }
    if proceeds < Decimal::ZERO {
        p.row("proceeds", E::Invalid, "must not be negative");
    }
    super::money_in(&mut p, "proceeds", proceeds, &base);
    let proceeds_account = if scrap && proceeds > Decimal::ZERO {
        p.row(
            "proceeds",
            E::Invalid,
            "scrapping brings no proceeds; dispose of it as sold instead",
        );
        None
    } else if proceeds > Decimal::ZERO {
        self::proceeds_account(tx, &mut p, proceeds_account_id).await?
    } else {
        None
    };
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    let Some(journal) = super::chart::journal_of_type(tx, "general").await? else {
        return Ok(refuse(
            "id",
            E::NotFound,
            "the tenant has no general journal",
        ));
    };

    // The month of disposal is not depreciated (the asset leaves during it); every month
    // before it is, so the book value taken out is the one at the start of that month.
    let first = date.with_day(1).unwrap_or(date);
    let until = first.pred_opt().unwrap_or(first);
    let asset = match catch_up(
        tx,
        actor,
        &asset,
        until,
        journal.id,
        &base,
        may_pass_soft_lock,
    )
    .await?
    {
        Ok((asset, _)) => asset,
        Err(errors) => return Ok(Err(errors)),
    };

    let book_value = asset.cost - asset.accumulated;
    let gain = proceeds - book_value;
    let what = if scrap { "Scrapping" } else { "Disposal" };
    let text = format!("{what} {}", asset.code);
    let line = |account: Uuid, debit: Decimal, credit: Decimal| {
        let mut l = LineIn::new(account, debit, credit);
        l.description = Some(text.clone());
        l
    };
    let mut lines = Vec::new();
    if asset.accumulated > Decimal::ZERO {
        lines.push(line(
            asset.accumulated_account_id,
            asset.accumulated,
            Decimal::ZERO,
        ));
    }
    if let Some(account) = proceeds_account {
        lines.push(line(account, proceeds, Decimal::ZERO));
    }
    if gain < Decimal::ZERO {
        let mut loss = line(asset.expense_account_id, -gain, Decimal::ZERO);
        loss.cost_centre = asset.cost_centre_id;
        lines.push(loss);
    }
    lines.push(line(asset.asset_account_id, Decimal::ZERO, asset.cost));
    if gain > Decimal::ZERO {
        let gain_account = tx
            .one(tx.select::<account::Entity>().refine(|q| {
                q.filter(account::Column::Code.eq(GAIN_ACCOUNT_CODE))
                    .filter(account::Column::ArchivedAt.is_null())
            }))
            .await?;
        let Some(gain_account) = gain_account else {
            return Ok(refuse(
                "proceeds",
                E::NotFound,
                format!("the chart has no account {GAIN_ACCOUNT_CODE} to book the gain on"),
            ));
        };
        lines.push(line(gain_account.id, Decimal::ZERO, gain));
    }
    let input = EntryIn {
        journal: journal.id,
        date,
        kind: "entry",
        reference: Some(asset.code.clone()),
        narration: Some(text),
        lines,
        reversal_of: None,
        source: Some((SOURCE, asset.id)),
        closing: false,
    };
    let entry = match ledger::record(tx, Some(actor), &input, may_pass_soft_lock).await? {
        Ok(entry) => entry,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut am = asset.clone().into_active_model();
    am.status = Set(if scrap { "scrapped" } else { "disposed" }.into());
    am.disposed_on = Set(Some(date));
    am.disposal_entry_id = Set(Some(entry.id));
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        asset.version,
        actor,
    );
    Ok(Ok(tx
        .update_as::<fixed_asset::Entity, _>(am, if scrap { "scrapped" } else { "disposed" })
        .await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(
        cost: Decimal,
        salvage: Decimal,
        method: DepreciationMethod,
        life: i32,
        rate: Option<Decimal>,
    ) -> fixed_asset::Model {
        let now = Utc::now();
        fixed_asset::Model {
            tenant_id: Uuid::nil(),
            id: Uuid::nil(),
            code: "FA-1".into(),
            name: "Test asset".into(),
            asset_account_id: Uuid::nil(),
            accumulated_account_id: Uuid::nil(),
            expense_account_id: Uuid::nil(),
            cost,
            salvage_value: salvage,
            in_use_date: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            method: method.db().into(),
            useful_life_months: life,
            declining_rate: rate,
            depreciated_until: None,
            accumulated: Decimal::ZERO,
            status: "in_use".into(),
            disposed_on: None,
            disposal_entry_id: None,
            cost_centre_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
            created_by: None,
            updated_by: None,
            archived_at: None,
        }
    }

    fn d(v: i64) -> Decimal {
        Decimal::from(v)
    }

    fn cases() -> Vec<(fixed_asset::Model, &'static str)> {
        use crate::graphql::assets::DepreciationMethod::{
            DecliningBalance as Db, StraightLine as Sl,
        };
        vec![
            (asset(d(1_000_000), d(1), Sl, 60, None), "JPY"),
            (asset(d(100_000), d(0), Sl, 7, None), "JPY"),
            (asset(d(999_999), d(10_000), Sl, 37, None), "JPY"),
            (asset(d(5), d(0), Sl, 600, None), "JPY"),
            (asset(d(1_000), d(0), Sl, 1, None), "JPY"),
            (asset(Decimal::new(100_000, 2), d(0), Sl, 3, None), "USD"),
            (asset(d(1_000_000), d(100_000), Db, 60, None), "JPY"),
            (asset(d(500_000), d(0), Db, 24, Some(d(40))), "JPY"),
            (asset(d(1_000), d(1), Db, 600, None), "JPY"),
            (asset(d(3_000_000), d(1), Db, 12, Some(d(100))), "JPY"),
            (asset(d(100), d(99), Db, 5, None), "JPY"),
            (
                asset(
                    Decimal::new(1_234_567, 2),
                    Decimal::new(1_000, 2),
                    Db,
                    36,
                    None,
                ),
                "USD",
            ),
        ]
    }

    #[test]
    fn straight_line_totals_exactly_cost_less_salvage() {
        for (a, cur) in cases() {
            if a.method != DepreciationMethod::StraightLine.db() {
                continue;
            }
            let s = schedule(&a, cur);
            let total: Decimal = s.iter().map(|l| l.amount).sum();
            assert_eq!(total, a.cost - a.salvage_value, "{a:?}");
            let last = s.last().unwrap();
            assert_eq!(last.book_value, a.salvage_value);
            assert_eq!(last.accumulated, total);
            assert!(s.len() <= a.useful_life_months as usize);
            // No month but the last is more than the first: the last takes the rounding remainder.
            let first = s[0].amount;
            assert!(s[..s.len() - 1].iter().all(|l| l.amount <= first));
        }
    }

    #[test]
    fn straight_line_rounds_to_the_currency() {
        let a = asset(
            Decimal::new(100_000, 2),
            d(0),
            DepreciationMethod::StraightLine,
            3,
            None,
        );
        let amounts: Vec<Decimal> = schedule(&a, "USD").iter().map(|l| l.amount).collect();
        assert_eq!(
            amounts,
            vec![
                Decimal::new(33_333, 2),
                Decimal::new(33_333, 2),
                Decimal::new(33_334, 2)
            ]
        );
        let a = asset(d(100_000), d(0), DepreciationMethod::StraightLine, 7, None);
        for l in schedule(&a, "JPY") {
            assert_eq!(l.amount.normalize().scale(), 0, "no fractions of a yen");
        }
    }

    #[test]
    fn declining_balance_never_goes_below_salvage_and_ends_on_it() {
        for (a, cur) in cases() {
            if a.method != DepreciationMethod::DecliningBalance.db() {
                continue;
            }
            let s = schedule(&a, cur);
            assert!(!s.is_empty());
            for l in &s {
                assert!(l.book_value >= a.salvage_value, "{a:?}: {l:?}");
                assert!(l.amount >= Decimal::ZERO);
            }
            let last = s.last().unwrap();
            assert_eq!(last.book_value, a.salvage_value, "{a:?}");
            let total: Decimal = s.iter().map(|l| l.amount).sum();
            assert_eq!(total, a.cost - a.salvage_value);
            assert!(s.len() <= a.useful_life_months as usize);
        }
    }

    #[test]
    fn declining_balance_first_month_is_the_rate_of_the_cost() {
        // 40% a year: 1,000,000 × 40 / 1200 = 33,333.33…, rounded to the yen.
        let a = asset(
            d(1_000_000),
            d(0),
            DepreciationMethod::DecliningBalance,
            60,
            Some(d(40)),
        );
        let s = schedule(&a, "JPY");
        assert_eq!(s[0].amount, d(33_333));
        // The second month is on the lower book value.
        assert_eq!(s[1].amount, d(32_222));
        // Double-declining by default: 200% / 5 years = 40%.
        let b = asset(
            d(1_000_000),
            d(0),
            DepreciationMethod::DecliningBalance,
            60,
            None,
        );
        assert_eq!(effective_rate(&b), d(40));
        assert_eq!(schedule(&b, "JPY")[0].amount, d(33_333));
    }

    #[test]
    fn book_value_only_goes_down_and_months_follow_each_other() {
        for (a, cur) in cases() {
            let s = schedule(&a, cur);
            let mut book = a.cost;
            let mut date = a.in_use_date;
            for l in &s {
                assert!(l.book_value <= book, "{a:?}: {l:?}");
                assert_eq!(l.book_value, a.cost - l.accumulated);
                assert!(l.date > date);
                assert_eq!(l.date.succ_opt().unwrap().day(), 1, "a month end");
                book = l.book_value;
                date = l.date;
            }
            assert_eq!(s[0].date, NaiveDate::from_ymd_opt(2026, 1, 31).unwrap());
        }
    }

    #[test]
    fn month_ends() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(month_end(day, 0), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(month_end(day, 1), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(month_end(day, 25), NaiveDate::from_ymd_opt(2028, 2, 29));
        assert_eq!(month_end(day, 11), NaiveDate::from_ymd_opt(2026, 12, 31));
    }

    #[test]
    fn no_schedule_without_a_life_or_anything_to_depreciate() {
        let a = asset(d(1_000), d(0), DepreciationMethod::StraightLine, 0, None);
        assert!(schedule(&a, "JPY").is_empty());
        let b = asset(
            d(1_000),
            d(1_000),
            DepreciationMethod::StraightLine,
            12,
            None,
        );
        assert!(schedule(&b, "JPY").is_empty());
    }
}
