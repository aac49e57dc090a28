//! The organisation core's rules: what makes a unit, an employee, a cost centre, a location, a
//! party and a tag valid, and when one may be archived.

use async_graphql::MaybeUndefined;
use entity::TenantTx;
use entity::org::{cost_centre, employee, location, org_unit, party, tag};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::listing::DbEnum;
use crate::graphql::org::{
    AddressInput, CostCentrePatch, EmployeePatch, LocationKind, LocationPatch, OrgUnitPatch,
    PartyKind, PartyPatch, TagPatch,
};
use crate::graphql::org::{
    CostCentre, CostCentreFilter, CostCentreOrder, CreateCostCentreInput, CreateEmployeeInput,
    CreateLocationInput, CreateOrgUnitInput, CreatePartyInput, CreateTagInput, Employee,
    EmployeeFilter, EmployeeOrder, Location, LocationFilter, LocationOrder, OrgUnit, OrgUnitFilter,
    OrgUnitOrder, Party, PartyFilter, PartyOrder, Tag, TagFilter, TagOrder,
};
use crate::graphql::resource::{Editable, Problems, Resource};

crate::error_codes! {
    /// What can be wrong with organisation data.
    OrgErrorCode {
        /// The change would make a unit its own ancestor or an employee their own manager.
        Cycle,
        /// Live records depend on this one, so it cannot be archived.
        InUse,
    }
}

type P = Problems<OrgErrorCode>;

/// A short code: letters, digits, `-` and `_`, at most 20, kept as given.
fn code(p: &mut P, path: &str, value: &str) -> String {
    let value = p.required_text(path, value, 20);
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        p.row(
            path,
            OrgErrorCode::Invalid,
            "letters, digits, `-` and `_` only",
        );
    }
    value
}

/// Whether a (trimmed, lower-cased) text is an email address: one `@`, something on both
/// sides, a dot in the domain, no spaces.
pub fn valid_email(value: &str) -> bool {
    value.len() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !value.chars().any(char::is_whitespace)
}

/// An email address, checked by [`valid_email`].
fn email(p: &mut P, path: &str, value: &str, required: bool) -> String {
    let value = value.trim().to_lowercase();
    if !valid_email(&value) {
        if required {
            p.row(path, OrgErrorCode::Invalid, "not an email address");
        } else {
            p.field(path, OrgErrorCode::Invalid, "not an email address");
        }
    }
    value
}

/// Follows `parent` links up from `start`; true when `target` is reached (a cycle), or the
/// chain is implausibly long (a cycle already in the data).
async fn reaches<E>(
    tx: &TenantTx,
    start: Option<Uuid>,
    target: Uuid,
    parent: impl Fn(&E::Model) -> Option<Uuid>,
) -> AppResult<bool>
where
    E: entity::TenantScoped,
{
    let mut at = start;
    for _ in 0..1000 {
        let Some(id) = at else { return Ok(false) };
        if id == target {
            return Ok(true);
        }
        at = tx.get::<E>(id).await?.as_ref().and_then(&parent);
    }
    Ok(true)
}

impl Resource for org_unit::Entity {
    type Node = OrgUnit;
    type Filter = OrgUnitFilter;
    type Order = OrgUnitOrder;
    const VIEW: Permission = Permission::ViewOrganisation;
}

impl Editable for org_unit::Entity {
    type Create = CreateOrgUnitInput;
    type Patch = OrgUnitPatch;
    type Code = OrgErrorCode;
    const MANAGE: Permission = Permission::ManageOrganisation;

    async fn create(
        tx: &TenantTx,
        input: &CreateOrgUnitInput,
        p: &mut P,
    ) -> AppResult<org_unit::ActiveModel> {
        let code = code(p, "code", &input.code);
        p.unique::<org_unit::Entity>(tx, "code", org_unit::Column::Code, &code, None)
            .await?;
        Ok(org_unit::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            parent_id: Set(p
                .reference::<org_unit::Entity>(tx, "parentId", input.parent_id.as_ref())
                .await?),
            manager_id: Set(p
                .reference::<employee::Entity>(tx, "managerId", input.manager_id.as_ref())
                .await?),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &org_unit::Model,
        patch: &OrgUnitPatch,
        p: &mut P,
    ) -> AppResult<org_unit::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(c) = &patch.code {
            let c = code(p, "patch.code", c);
            p.unique::<org_unit::Entity>(
                tx,
                "patch.code",
                org_unit::Column::Code,
                &c,
                Some(row.id),
            )
            .await?;
            am.code = Set(c);
        }
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        if let Some(parent) = p
            .reference_patch::<org_unit::Entity>(tx, "patch.parentId", &patch.parent_id)
            .await?
        {
            if reaches::<org_unit::Entity>(tx, parent, row.id, |u| u.parent_id).await? {
                p.row(
                    "patch.parentId",
                    OrgErrorCode::Cycle,
                    "a unit cannot sit below itself",
                );
            }
            am.parent_id = Set(parent);
        }
        if let Some(manager) = p
            .reference_patch::<employee::Entity>(tx, "patch.managerId", &patch.manager_id)
            .await?
        {
            am.manager_id = Set(manager);
        }
        Ok(am)
    }

    async fn check_archive(tx: &TenantTx, row: &org_unit::Model, p: &mut P) -> AppResult<()> {
        let id = row.id;
        let child = tx
            .one(tx.select::<org_unit::Entity>().refine(|q| {
                q.filter(org_unit::Column::ParentId.eq(id))
                    .filter(org_unit::Column::ArchivedAt.is_null())
            }))
            .await?;
        let member = tx
            .one(tx.select::<employee::Entity>().refine(|q| {
                q.filter(employee::Column::OrgUnitId.eq(id))
                    .filter(employee::Column::ArchivedAt.is_null())
            }))
            .await?;
        if child.is_some() || member.is_some() {
            p.row(
                "id",
                OrgErrorCode::InUse,
                "the unit still has units or employees in it; move them first",
            );
        }
        Ok(())
    }
}

impl Resource for employee::Entity {
    type Node = Employee;
    type Filter = EmployeeFilter;
    type Order = EmployeeOrder;
    const VIEW: Permission = Permission::ViewEmployees;
}

impl Editable for employee::Entity {
    type Create = CreateEmployeeInput;
    type Patch = EmployeePatch;
    type Code = OrgErrorCode;
    const MANAGE: Permission = Permission::ManageEmployees;

    async fn create(
        tx: &TenantTx,
        input: &CreateEmployeeInput,
        p: &mut P,
    ) -> AppResult<employee::ActiveModel> {
        let number = code(p, "employeeNumber", &input.employee_number);
        p.unique::<employee::Entity>(
            tx,
            "employeeNumber",
            employee::Column::EmployeeNumber,
            &number,
            None,
        )
        .await?;
        let mail = email(p, "workEmail", &input.work_email, true);
        p.unique::<employee::Entity>(tx, "workEmail", employee::Column::WorkEmail, &mail, None)
            .await?;
        Ok(employee::ActiveModel {
            employee_number: Set(number),
            family_name: Set(p.required_text("familyName", &input.family_name, 100)),
            given_name: Set(p.required_text("givenName", &input.given_name, 100)),
            work_email: Set(mail),
            org_unit_id: Set(p
                .reference::<org_unit::Entity>(tx, "orgUnitId", input.org_unit_id.as_ref())
                .await?),
            manager_id: Set(p
                .reference::<employee::Entity>(tx, "managerId", input.manager_id.as_ref())
                .await?),
            status: Set("active".into()),
            hire_date: Set(input.hire_date),
            user_id: Set(linked_user(tx, p, "userId", input.user_id, None).await?),
            national_id_number: Set(None),
            bank_account: Set(None),
            left_on: Set(None),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &employee::Model,
        patch: &EmployeePatch,
        p: &mut P,
    ) -> AppResult<employee::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.employee_number {
            let n = code(p, "patch.employeeNumber", n);
            p.unique::<employee::Entity>(
                tx,
                "patch.employeeNumber",
                employee::Column::EmployeeNumber,
                &n,
                Some(row.id),
            )
            .await?;
            am.employee_number = Set(n);
        }
        if let Some(v) = &patch.family_name {
            am.family_name = Set(p.required_text("patch.familyName", v, 100));
        }
        if let Some(v) = &patch.given_name {
            am.given_name = Set(p.required_text("patch.givenName", v, 100));
        }
        if let Some(v) = &patch.work_email {
            let mail = email(p, "patch.workEmail", v, true);
            p.unique::<employee::Entity>(
                tx,
                "patch.workEmail",
                employee::Column::WorkEmail,
                &mail,
                Some(row.id),
            )
            .await?;
            am.work_email = Set(mail);
        }
        if let Some(d) = patch.hire_date {
            am.hire_date = Set(d);
        }
        if let Some(unit) = p
            .reference_patch::<org_unit::Entity>(tx, "patch.orgUnitId", &patch.org_unit_id)
            .await?
        {
            am.org_unit_id = Set(unit);
        }
        if let Some(manager) = p
            .reference_patch::<employee::Entity>(tx, "patch.managerId", &patch.manager_id)
            .await?
        {
            if reaches::<employee::Entity>(tx, manager, row.id, |e| e.manager_id).await? {
                p.row(
                    "patch.managerId",
                    OrgErrorCode::Cycle,
                    "an employee cannot report to themselves, directly or through others",
                );
            }
            am.manager_id = Set(manager);
        }
        match patch.user_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => am.user_id = Set(None),
            MaybeUndefined::Value(u) => {
                am.user_id = Set(linked_user(tx, p, "patch.userId", Some(u), Some(row.id)).await?);
            }
        }
        Ok(am)
    }
}

/// A user an employee record links to: a member of the tenant, linked to no other employee.
async fn linked_user(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    user: Option<Uuid>,
    except: Option<Uuid>,
) -> AppResult<Option<Uuid>> {
    let Some(user) = user else { return Ok(None) };
    let member = tx
        .one(
            tx.select::<entity::platform::membership::Entity>()
                .refine(|q| q.filter(entity::platform::membership::Column::UserId.eq(user))),
        )
        .await?;
    if member.is_none() {
        p.field(path, OrgErrorCode::NotFound, "no such member");
        return Ok(None);
    }
    let taken = tx
        .one(tx.select::<employee::Entity>().refine(|q| {
            let q = q.filter(employee::Column::UserId.eq(user));
            match except {
                Some(id) => q.filter(employee::Column::Id.ne(id)),
                None => q,
            }
        }))
        .await?;
    if taken.is_some() {
        p.row(
            path,
            OrgErrorCode::Duplicate,
            "already linked to another employee",
        );
    }
    Ok(Some(user))
}

impl Resource for cost_centre::Entity {
    type Node = CostCentre;
    type Filter = CostCentreFilter;
    type Order = CostCentreOrder;
    const VIEW: Permission = Permission::ViewOrganisation;
}

impl Editable for cost_centre::Entity {
    type Create = CreateCostCentreInput;
    type Patch = CostCentrePatch;
    type Code = OrgErrorCode;
    const MANAGE: Permission = Permission::ManageOrganisation;

    async fn create(
        tx: &TenantTx,
        input: &CreateCostCentreInput,
        p: &mut P,
    ) -> AppResult<cost_centre::ActiveModel> {
        let code = code(p, "code", &input.code);
        p.unique::<cost_centre::Entity>(tx, "code", cost_centre::Column::Code, &code, None)
            .await?;
        Ok(cost_centre::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            description: Set(p.optional_text("description", input.description.as_deref(), 1000)),
            org_unit_id: Set(p
                .reference::<org_unit::Entity>(tx, "orgUnitId", input.org_unit_id.as_ref())
                .await?),
            manager_id: Set(p
                .reference::<employee::Entity>(tx, "managerId", input.manager_id.as_ref())
                .await?),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &cost_centre::Model,
        patch: &CostCentrePatch,
        p: &mut P,
    ) -> AppResult<cost_centre::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(c) = &patch.code {
            let c = code(p, "patch.code", c);
            p.unique::<cost_centre::Entity>(
                tx,
                "patch.code",
                cost_centre::Column::Code,
                &c,
                Some(row.id),
            )
            .await?;
            am.code = Set(c);
        }
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        if let Some(d) = optional_patch(&patch.description) {
            am.description = Set(p.optional_text("patch.description", d, 1000));
        }
        if let Some(unit) = p
            .reference_patch::<org_unit::Entity>(tx, "patch.orgUnitId", &patch.org_unit_id)
            .await?
        {
            am.org_unit_id = Set(unit);
        }
        if let Some(manager) = p
            .reference_patch::<employee::Entity>(tx, "patch.managerId", &patch.manager_id)
            .await?
        {
            am.manager_id = Set(manager);
        }
        Ok(am)
    }
}

/// A patch field of an optional text: `None` to leave it, `Some(None)` to clear it.
pub fn optional_patch(v: &MaybeUndefined<String>) -> Option<Option<&str>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(s) => Some(Some(s.as_str())),
    }
}

/// The shared address columns, validated.
struct AddressColumns {
    country: String,
    postal_code: Option<String>,
    region: Option<String>,
    city: Option<String>,
    line1: Option<String>,
    line2: Option<String>,
}

fn address(p: &mut P, path: &str, a: Option<&AddressInput>) -> AddressColumns {
    let a = a.cloned().unwrap_or_default();
    let at = |f: &str| format!("{path}.{f}");
    let country = a
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("JP")
        .to_uppercase();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        p.row(
            &at("country"),
            OrgErrorCode::Invalid,
            "an ISO 3166-1 alpha-2 code such as `JP`",
        );
    }
    let mut postal_code = p.optional_text(&at("postalCode"), a.postal_code.as_deref(), 16);
    if country == "JP"
        && let Some(code) = &postal_code
    {
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 7 && code.chars().all(|c| c.is_ascii_digit() || c == '-') {
            postal_code = Some(format!("{}-{}", &digits[..3], &digits[3..]));
        } else {
            p.field(
                &at("postalCode"),
                OrgErrorCode::Invalid,
                "a Japanese postal code has seven digits (`100-0005`)",
            );
            postal_code = None;
        }
    }
    AddressColumns {
        country,
        postal_code,
        region: p.optional_text(&at("region"), a.region.as_deref(), 100),
        city: p.optional_text(&at("city"), a.city.as_deref(), 100),
        line1: p.optional_text(&at("line1"), a.line1.as_deref(), 200),
        line2: p.optional_text(&at("line2"), a.line2.as_deref(), 200),
    }
}

/// Sets the shared address columns on an active model that has them.
macro_rules! set_address {
    ($am:expr, $a:expr) => {{
        let a = $a;
        $am.country = Set(a.country);
        $am.postal_code = Set(a.postal_code);
        $am.region = Set(a.region);
        $am.city = Set(a.city);
        $am.address_line1 = Set(a.line1);
        $am.address_line2 = Set(a.line2);
    }};
}

impl Resource for location::Entity {
    type Node = Location;
    type Filter = LocationFilter;
    type Order = LocationOrder;
    const VIEW: Permission = Permission::ViewOrganisation;
}

impl Editable for location::Entity {
    type Create = CreateLocationInput;
    type Patch = LocationPatch;
    type Code = OrgErrorCode;
    const MANAGE: Permission = Permission::ManageOrganisation;

    async fn create(
        tx: &TenantTx,
        input: &CreateLocationInput,
        p: &mut P,
    ) -> AppResult<location::ActiveModel> {
        let code = code(p, "code", &input.code);
        p.unique::<location::Entity>(tx, "code", location::Column::Code, &code, None)
            .await?;
        let mut am = location::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            kind: Set(input.kind.unwrap_or(LocationKind::Office).db().to_owned()),
            archived_at: Set(None),
            ..Default::default()
        };
        set_address!(am, address(p, "address", input.address.as_ref()));
        Ok(am)
    }

    async fn patch(
        tx: &TenantTx,
        row: &location::Model,
        patch: &LocationPatch,
        p: &mut P,
    ) -> AppResult<location::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(c) = &patch.code {
            let c = code(p, "patch.code", c);
            p.unique::<location::Entity>(
                tx,
                "patch.code",
                location::Column::Code,
                &c,
                Some(row.id),
            )
            .await?;
            am.code = Set(c);
        }
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        if let Some(kind) = patch.kind {
            am.kind = Set(kind.db().to_owned());
        }
        if let Some(a) = &patch.address {
            set_address!(am, address(p, "patch.address", Some(a)));
        }
        Ok(am)
    }
}

/// A Japanese qualified invoice issuer number: `T` and 13 digits whose first digit checks the
/// other twelve (the corporate-number check digit: 9 minus the weighted sum modulo 9, weights
/// 1 and 2 alternating from the right).
pub fn valid_invoice_number(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('T') else {
        return false;
    };
    if digits.len() != 13 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = d[1..]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| v * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    d[0] == 9 - sum % 9
}

/// Checks the fields a party's create input and patch share.
fn party_tax_number(p: &mut P, path: &str, country: &str, value: Option<&str>) -> Option<String> {
    let value = p
        .optional_text(path, value, 32)?
        .to_uppercase()
        .replace(['-', ' '], "");
    if country == "JP" && !valid_invoice_number(&value) {
        p.field(
            path,
            OrgErrorCode::Invalid,
            "a qualified invoice issuer number is `T` and 13 digits with a valid check digit",
        );
        return None;
    }
    Some(value)
}

fn phone(p: &mut P, path: &str, value: Option<&str>) -> Option<String> {
    let value = p.optional_text(path, value, 32)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        || !value.chars().any(|c| c.is_ascii_digit())
    {
        p.field(
            path,
            OrgErrorCode::Invalid,
            "digits, spaces, `+`, `-`, `(` and `)` only",
        );
        return None;
    }
    Some(value)
}

fn terms(p: &mut P, path: &str, days: Option<i32>) -> Option<i32> {
    let days = days?;
    if !(0..=365).contains(&days) {
        p.field(path, OrgErrorCode::Invalid, "between 0 and 365 days");
        return None;
    }
    Some(days)
}

fn currency(p: &mut P, path: &str, value: Option<&str>) -> String {
    let value = value.map(str::trim).unwrap_or("JPY").to_uppercase();
    if value.len() != 3 || !value.chars().all(|c| c.is_ascii_uppercase()) {
        p.row(
            path,
            OrgErrorCode::Invalid,
            "an ISO 4217 code such as `JPY`",
        );
    }
    value
}

fn credit_limit(
    p: &mut P,
    path: &str,
    value: Option<crate::graphql::scalars::Decimal>,
) -> Option<rust_decimal::Decimal> {
    let value = value?.0;
    if value.is_sign_negative() || value.scale() > 2 {
        p.field(
            path,
            OrgErrorCode::Invalid,
            "not negative, at most two decimal places",
        );
        return None;
    }
    Some(value)
}

fn optional_email(p: &mut P, path: &str, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    let before = p.is_empty();
    let mail = email(p, path, value, false);
    (before == p.is_empty()).then_some(mail)
}

impl Resource for party::Entity {
    type Node = Party;
    type Filter = PartyFilter;
    type Order = PartyOrder;
    const VIEW: Permission = Permission::ViewParties;
}

impl Editable for party::Entity {
    type Create = CreatePartyInput;
    type Patch = PartyPatch;
    type Code = OrgErrorCode;
    const MANAGE: Permission = Permission::ManageParties;

    async fn create(
        tx: &TenantTx,
        input: &CreatePartyInput,
        p: &mut P,
    ) -> AppResult<party::ActiveModel> {
        let code = code(p, "code", &input.code);
        p.unique::<party::Entity>(tx, "code", party::Column::Code, &code, None)
            .await?;
        let addr = address(p, "address", input.address.as_ref());
        let mut am = party::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            name_kana: Set(p.optional_text("nameKana", input.name_kana.as_deref(), 200)),
            kind: Set(input.kind.unwrap_or(PartyKind::Company).db().to_owned()),
            is_customer: Set(input.is_customer),
            is_supplier: Set(input.is_supplier),
            tax_registration_number: Set(party_tax_number(
                p,
                "taxRegistrationNumber",
                &addr.country,
                input.tax_registration_number.as_deref(),
            )),
            email: Set(optional_email(p, "email", input.email.as_deref())),
            phone: Set(phone(p, "phone", input.phone.as_deref())),
            payment_terms_days: Set(terms(p, "paymentTermsDays", input.payment_terms_days)),
            currency: Set(currency(p, "currency", input.currency.as_deref())),
            credit_limit: Set(credit_limit(p, "creditLimit", input.credit_limit)),
            archived_at: Set(None),
            ..Default::default()
        };
        set_address!(am, addr);
        Ok(am)
    }

    async fn patch(
        tx: &TenantTx,
        row: &party::Model,
        patch: &PartyPatch,
        p: &mut P,
    ) -> AppResult<party::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(c) = &patch.code {
            let c = code(p, "patch.code", c);
            p.unique::<party::Entity>(tx, "patch.code", party::Column::Code, &c, Some(row.id))
                .await?;
            am.code = Set(c);
        }
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        if let Some(v) = optional_patch(&patch.name_kana) {
            am.name_kana = Set(p.optional_text("patch.nameKana", v, 200));
        }
        if let Some(kind) = patch.kind {
            am.kind = Set(kind.db().to_owned());
        }
        if let Some(v) = patch.is_customer {
            am.is_customer = Set(v);
        }
        if let Some(v) = patch.is_supplier {
            am.is_supplier = Set(v);
        }
        let mut country = row.country.clone();
        if let Some(a) = &patch.address {
            let addr = address(p, "patch.address", Some(a));
            country = addr.country.clone();
            set_address!(am, addr);
        }
        if let Some(v) = optional_patch(&patch.tax_registration_number) {
            am.tax_registration_number = Set(party_tax_number(
                p,
                "patch.taxRegistrationNumber",
                &country,
                v,
            ));
        }
        if let Some(v) = optional_patch(&patch.email) {
            am.email = Set(optional_email(p, "patch.email", v));
        }
        if let Some(v) = optional_patch(&patch.phone) {
            am.phone = Set(phone(p, "patch.phone", v));
        }
        match patch.payment_terms_days {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => am.payment_terms_days = Set(None),
            MaybeUndefined::Value(d) => {
                am.payment_terms_days = Set(terms(p, "patch.paymentTermsDays", Some(d)))
            }
        }
        if let Some(c) = &patch.currency {
            am.currency = Set(currency(p, "patch.currency", Some(c)));
        }
        match patch.credit_limit {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => am.credit_limit = Set(None),
            MaybeUndefined::Value(d) => {
                am.credit_limit = Set(credit_limit(p, "patch.creditLimit", Some(d)))
            }
        }
        Ok(am)
    }
}

fn color(p: &mut P, path: &str, value: Option<&str>) -> String {
    let value = value.map(str::trim).unwrap_or("#808080").to_uppercase();
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        p.field(path, OrgErrorCode::Invalid, "a colour is `#RRGGBB`");
        return "#808080".into();
    }
    value
}

/// Tag names are unique ignoring case: `Urgent` and `urgent` are one tag.
async fn unique_tag_name(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    name: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let lower = name.to_lowercase();
    let taken = tx
        .one(tx.select::<tag::Entity>().refine(|q| {
            let q = q.filter(Expr::expr(Func::lower(Expr::col(tag::Column::Name))).eq(lower));
            match except {
                Some(id) => q.filter(tag::Column::Id.ne(id)),
                None => q,
            }
        }))
        .await?;
    if taken.is_some() {
        p.row(path, OrgErrorCode::Duplicate, "a tag with this name exists");
    }
    Ok(())
}

impl Resource for tag::Entity {
    type Node = Tag;
    type Filter = TagFilter;
    type Order = TagOrder;
    const VIEW: Permission = Permission::ViewOrganisation;
}

impl Editable for tag::Entity {
    type Create = CreateTagInput;
    type Patch = TagPatch;
    type Code = OrgErrorCode;
    const MANAGE: Permission = Permission::ManageOrganisation;

    async fn create(
        tx: &TenantTx,
        input: &CreateTagInput,
        p: &mut P,
    ) -> AppResult<tag::ActiveModel> {
        let name = p.required_text("name", &input.name, 64);
        unique_tag_name(tx, p, "name", &name, None).await?;
        Ok(tag::ActiveModel {
            name: Set(name),
            color: Set(color(p, "color", input.color.as_deref())),
            description: Set(p.optional_text("description", input.description.as_deref(), 500)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &tag::Model,
        patch: &TagPatch,
        p: &mut P,
    ) -> AppResult<tag::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(name) = &patch.name {
            let name = p.required_text("patch.name", name, 64);
            unique_tag_name(tx, p, "patch.name", &name, Some(row.id)).await?;
            am.name = Set(name);
        }
        if let Some(c) = &patch.color {
            am.color = Set(color(p, "patch.color", Some(c)));
        }
        if let Some(d) = optional_patch(&patch.description) {
            am.description = Set(p.optional_text("patch.description", d, 500));
        }
        Ok(am)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn invoice_numbers() {
        // The National Tax Agency's own corporate number, 7000012050002.
        assert!(super::valid_invoice_number("T7000012050002"));
        assert!(!super::valid_invoice_number("T8000012050002"));
        assert!(!super::valid_invoice_number("7000012050002"));
        assert!(!super::valid_invoice_number("T700001205000"));
    }
}
