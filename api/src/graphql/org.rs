//! The organisation core in the schema: units, employees, cost centres, locations, parties and
//! tags. Each is a plain resource: its node type, filter, sort fields and inputs are declared
//! here, its rules live in `services::org`, and everything else comes from `graphql::resource`.

use crate::graphql::scalars::Decimal;
use async_graphql::{Context, ID, InputObject, MaybeUndefined};
use chrono::NaiveDate;
use entity::org::{cost_centre, employee, location, org_unit, party, tag};

use crate::auth::Permission;
use crate::error::GqlResult;
use crate::graphql::core::{ContextExt, load_one};
use crate::graphql::listing::{
    BoolFilter, DateFilter, DateTimeFilter, DecimalFilter, IdFilter, IntFilter, TextFilter,
};
use crate::{enum_filter, filter_input, node_object, order_field, resource};

/// Declares a GraphQL enum stored as text, with its stored names.
#[macro_export]
macro_rules! db_enum {
    (
        $(#[doc = $doc:literal])+
        $name:ident { $( $(#[doc = $vdoc:literal])+ $variant:ident = $db:literal ),+ $(,)? }
    ) => {
        $(#[doc = $doc])+
        #[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
        pub enum $name {
            $( $(#[doc = $vdoc])+ $variant, )+
        }

        impl $crate::graphql::listing::DbEnum for $name {
            fn db(self) -> &'static str {
                match self { $( Self::$variant => $db, )+ }
            }
        }

        impl $name {
            /// The value stored as `text`; the first variant for anything unknown.
            pub fn from_db(text: &str) -> Self {
                [$( Self::$variant ),+]
                    .into_iter()
                    .find(|v| $crate::graphql::listing::DbEnum::db(*v) == text)
                    .unwrap_or([$( Self::$variant ),+][0])
            }
        }
    };
}

db_enum! {
    /// Where an employee is in their employment.
    EmployeeStatus {
        /// Working.
        Active = "active",
        /// On extended leave.
        OnLeave = "on_leave",
        /// Suspended.
        Suspended = "suspended",
        /// Has left the company.
        Left = "left",
    }
}

enum_filter!(EmployeeStatus);

db_enum! {
    /// What kind of site a location is.
    LocationKind {
        /// An office.
        Office = "office",
        /// A warehouse.
        Warehouse = "warehouse",
        /// A factory or plant.
        Factory = "factory",
        /// A shop or branch open to customers.
        Store = "store",
        /// A data centre or server room.
        DataCentre = "data_centre",
        /// Anything else.
        Other = "other",
    }
}

enum_filter!(LocationKind);

db_enum! {
    /// What kind of counterparty a party is.
    PartyKind {
        /// A company or other organisation.
        Company = "company",
        /// A natural person (a sole proprietor, say).
        Individual = "individual",
        /// A government body.
        Government = "government",
    }
}

enum_filter!(PartyKind);

node_object! {
    /// An organisation unit (company, division, department, team) in a tree. Needs
    /// `VIEW_ORGANISATION`.
    OrgUnit(org_unit) {
        /// Short code unique within the tenant, e.g. `FIN`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Display name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// The parent unit; `null` for a root.
        async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            Ok(load_one::<org_unit::Entity>(ctx, self.0.parent_id)
                .await?
                .map(OrgUnit))
        }
        /// The employee who manages the unit. Needs `VIEW_EMPLOYEES`.
        async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            ctx.authorize(Permission::ViewEmployees)?;
            Ok(load_one::<employee::Entity>(ctx, self.0.manager_id)
                .await?
                .map(Employee))
        }
    }
}

filter_input! {
    /// Conditions on organisation units; every field given must hold.
    OrgUnitFilter for org_unit {
        /// The unit's code.
        code: TextFilter => Code,
        /// The unit's name.
        name: TextFilter => Name,
        /// The parent unit (`isNull: true` for roots).
        parent: IdFilter => ParentId ref org_unit::Entity,
        /// The unit's manager.
        manager: IdFilter => ManagerId ref employee::Entity,
        /// When the unit was created.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What organisation units can be sorted by.
    OrgUnit for org_unit {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
}

/// A new organisation unit.
#[derive(InputObject)]
pub struct CreateOrgUnitInput {
    /// Short code unique within the tenant: letters, digits, `-` and `_`, at most 20.
    pub code: String,
    /// Display name, at most 200 characters.
    pub name: String,
    /// The parent unit; leave out for a root.
    pub parent_id: Option<ID>,
    /// The employee who manages the unit.
    pub manager_id: Option<ID>,
}

/// Changes to an organisation unit; fields left out keep their value, `null` clears.
#[derive(InputObject)]
pub struct OrgUnitPatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New parent (`null` makes the unit a root); a unit cannot move below itself.
    pub parent_id: MaybeUndefined<ID>,
    /// New manager (`null` clears).
    pub manager_id: MaybeUndefined<ID>,
}

resource! {
    entity: org_unit::Entity, node: OrgUnit, one: org_unit, many: org_units,
    what: "organisation unit", view: ViewOrganisation, manage: ManageOrganisation,
    query: OrgUnitQuery, mutation: OrgUnitMutation,
}

node_object! {
    /// An employee: the core record that HR extends. Needs `VIEW_EMPLOYEES`.
    Employee(employee) {
        /// Employee number unique within the tenant.
        async fn employee_number(&self) -> &str {
            &self.0.employee_number
        }
        /// The member this employee signs in as (their user id), if linked.
        async fn user_id(&self) -> Option<uuid::Uuid> {
            self.0.user_id
        }
        /// Family name.
        async fn family_name(&self) -> &str {
            &self.0.family_name
        }
        /// Given name.
        async fn given_name(&self) -> &str {
            &self.0.given_name
        }
        /// Family name then given name, as written in Japanese.
        async fn display_name(&self) -> String {
            format!("{} {}", self.0.family_name, self.0.given_name)
        }
        /// Work email address.
        async fn work_email(&self) -> &str {
            &self.0.work_email
        }
        /// My Number (individual number). Sensitive: needs `VIEW_NATIONAL_IDS` unless it is your
        /// own record; every read is recorded in the personal-data access log.
        async fn national_id_number(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
            self.sensitive(
                ctx,
                Permission::ViewNationalIds,
                "nationalIdNumber",
                self.0.national_id_number.as_deref(),
            )
        }
        /// Salary account. Sensitive: needs `VIEW_BANK_ACCOUNTS` unless it is your own record;
        /// every read is recorded in the personal-data access log.
        async fn bank_account(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
            self.sensitive(
                ctx,
                Permission::ViewBankAccounts,
                "bankAccount",
                self.0.bank_account.as_deref(),
            )
        }
        /// Employment status (changed by HR workflows, not written directly).
        async fn status(&self) -> EmployeeStatus {
            EmployeeStatus::from_db(&self.0.status)
        }
        /// First day of employment.
        async fn hire_date(&self) -> NaiveDate {
            self.0.hire_date
        }
        /// The last day of employment, once the employee has left (set by a completed separation).
        async fn left_on(&self) -> Option<NaiveDate> {
            self.0.left_on
        }
        /// The unit the employee belongs to. Needs `VIEW_ORGANISATION`.
        async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            ctx.authorize(Permission::ViewOrganisation)?;
            Ok(load_one::<org_unit::Entity>(ctx, self.0.org_unit_id)
                .await?
                .map(OrgUnit))
        }
        /// The employee's manager.
        async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            Ok(load_one::<employee::Entity>(ctx, self.0.manager_id)
                .await?
                .map(Employee))
        }
    }
}

impl Employee {
    fn sensitive(
        &self,
        ctx: &Context<'_>,
        permission: Permission,
        field: &'static str,
        value: Option<&str>,
    ) -> GqlResult<Option<String>> {
        let session = ctx.session()?;
        let value = crate::services::personal_data::read(
            &session.principal,
            &session.reads,
            permission,
            "Employee",
            self.0.id,
            self.0.user_id,
            field,
            value,
        )?;
        Ok(value.map(str::to_owned))
    }
}

filter_input! {
    /// Conditions on employees; every field given must hold.
    EmployeeFilter for employee {
        /// The employee number.
        employee_number: TextFilter => EmployeeNumber,
        /// The family name.
        family_name: TextFilter => FamilyName,
        /// The given name.
        given_name: TextFilter => GivenName,
        /// The work email address.
        work_email: TextFilter => WorkEmail,
        /// The employment status.
        status: EmployeeStatusFilter => Status,
        /// The first day of employment.
        hire_date: DateFilter => HireDate,
        /// The employee's unit.
        org_unit: IdFilter => OrgUnitId ref org_unit::Entity,
        /// The employee's manager.
        manager: IdFilter => ManagerId ref employee::Entity,
        /// When the record was created.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What employees can be sorted by.
    Employee for employee {
        /// The employee number.
        EmployeeNumber => EmployeeNumber,
        /// The family name.
        FamilyName => FamilyName,
        /// The given name.
        GivenName => GivenName,
        /// The first day of employment.
        HireDate => HireDate,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
}

/// A new employee record (status `ACTIVE`).
#[derive(InputObject)]
pub struct CreateEmployeeInput {
    /// Employee number unique within the tenant: letters, digits, `-` and `_`, at most 20.
    pub employee_number: String,
    /// Family name, at most 100 characters.
    pub family_name: String,
    /// Given name, at most 100 characters.
    pub given_name: String,
    /// Work email address, unique within the tenant.
    pub work_email: String,
    /// First day of employment.
    pub hire_date: NaiveDate,
    /// The unit the employee belongs to.
    pub org_unit_id: Option<ID>,
    /// The employee's manager.
    pub manager_id: Option<ID>,
    /// The member this employee signs in as (their user id), so that approvals can follow the
    /// manager chain and the employee can read their own personal data.
    pub user_id: Option<uuid::Uuid>,
}

/// Changes to an employee record; fields left out keep their value, `null` clears.
#[derive(InputObject)]
pub struct EmployeePatch {
    /// New employee number.
    pub employee_number: Option<String>,
    /// New family name.
    pub family_name: Option<String>,
    /// New given name.
    pub given_name: Option<String>,
    /// New work email address.
    pub work_email: Option<String>,
    /// Corrected first day of employment.
    pub hire_date: Option<NaiveDate>,
    /// New unit (`null` clears).
    pub org_unit_id: MaybeUndefined<ID>,
    /// New manager (`null` clears); nobody reports to themselves, directly or through others.
    pub manager_id: MaybeUndefined<ID>,
    /// New linked member (`null` unlinks).
    pub user_id: MaybeUndefined<uuid::Uuid>,
}

resource! {
    entity: employee::Entity, node: Employee, one: employee, many: employees,
    what: "employee", view: ViewEmployees, manage: ManageEmployees,
    query: EmployeeQuery, mutation: EmployeeMutation,
}

node_object! {
    /// A cost centre: where costs are booked and budgeted. Needs `VIEW_ORGANISATION`.
    CostCentre(cost_centre) {
        /// Short code unique within the tenant, e.g. `CC-100`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Display name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// What the cost centre covers.
        async fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
        /// The unit that owns the cost centre.
        async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            Ok(load_one::<org_unit::Entity>(ctx, self.0.org_unit_id)
                .await?
                .map(OrgUnit))
        }
        /// The employee responsible for it. Needs `VIEW_EMPLOYEES`.
        async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            ctx.authorize(Permission::ViewEmployees)?;
            Ok(load_one::<employee::Entity>(ctx, self.0.manager_id)
                .await?
                .map(Employee))
        }
    }
}

filter_input! {
    /// Conditions on cost centres; every field given must hold.
    CostCentreFilter for cost_centre {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
        /// The owning unit.
        org_unit: IdFilter => OrgUnitId ref org_unit::Entity,
        /// The responsible employee.
        manager: IdFilter => ManagerId ref employee::Entity,
    }
}

order_field! {
    /// What cost centres can be sorted by.
    CostCentre for cost_centre {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

/// A new cost centre.
#[derive(InputObject)]
pub struct CreateCostCentreInput {
    /// Short code unique within the tenant: letters, digits, `-` and `_`, at most 20.
    pub code: String,
    /// Display name, at most 200 characters.
    pub name: String,
    /// What it covers, at most 1000 characters.
    pub description: Option<String>,
    /// The owning unit.
    pub org_unit_id: Option<ID>,
    /// The responsible employee.
    pub manager_id: Option<ID>,
}

/// Changes to a cost centre; fields left out keep their value, `null` clears.
#[derive(InputObject)]
pub struct CostCentrePatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description (`null` clears).
    pub description: MaybeUndefined<String>,
    /// New owning unit (`null` clears).
    pub org_unit_id: MaybeUndefined<ID>,
    /// New responsible employee (`null` clears).
    pub manager_id: MaybeUndefined<ID>,
}

resource! {
    entity: cost_centre::Entity, node: CostCentre, one: cost_centre, many: cost_centres,
    what: "cost centre", view: ViewOrganisation, manage: ManageOrganisation,
    query: CostCentreQuery, mutation: CostCentreMutation,
}

/// The postal address of a location or party.
#[derive(async_graphql::SimpleObject)]
pub struct Address {
    /// ISO 3166-1 alpha-2 country code, e.g. `JP`.
    pub country: String,
    /// Postal code, e.g. `100-0005`.
    pub postal_code: Option<String>,
    /// Prefecture, state or province.
    pub region: Option<String>,
    /// City, ward or town.
    pub city: Option<String>,
    /// Street address.
    pub line1: Option<String>,
    /// Building, floor, room.
    pub line2: Option<String>,
}

/// A postal address as input. The country defaults to `JP`.
#[derive(InputObject, Clone, Default)]
pub struct AddressInput {
    /// ISO 3166-1 alpha-2 country code (default `JP`).
    pub country: Option<String>,
    /// Postal code; for Japan seven digits, written `NNN-NNNN`.
    pub postal_code: Option<String>,
    /// Prefecture, state or province.
    pub region: Option<String>,
    /// City, ward or town.
    pub city: Option<String>,
    /// Street address.
    pub line1: Option<String>,
    /// Building, floor, room.
    pub line2: Option<String>,
}

/// Builds the address object of a row with the shared address columns.
macro_rules! address_of {
    ($m:expr) => {
        Address {
            country: $m.country.clone(),
            postal_code: $m.postal_code.clone(),
            region: $m.region.clone(),
            city: $m.city.clone(),
            line1: $m.address_line1.clone(),
            line2: $m.address_line2.clone(),
        }
    };
}

node_object! {
    /// A location: an office, warehouse, factory or other site. Needs `VIEW_ORGANISATION`.
    Location(location) {
        /// Short code unique within the tenant, e.g. `TYO-HQ`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Display name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// What kind of site it is.
        async fn kind(&self) -> LocationKind {
            LocationKind::from_db(&self.0.kind)
        }
        /// Its postal address.
        async fn address(&self) -> Address {
            address_of!(self.0)
        }
    }
}

filter_input! {
    /// Conditions on locations; every field given must hold.
    LocationFilter for location {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
        /// The kind of site.
        kind: LocationKindFilter => Kind,
        /// The country code.
        country: TextFilter => Country,
        /// The prefecture, state or province.
        region: TextFilter => Region,
        /// The city.
        city: TextFilter => City,
    }
}

order_field! {
    /// What locations can be sorted by.
    Location for location {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
        /// The country code.
        Country => Country,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

/// A new location.
#[derive(InputObject)]
pub struct CreateLocationInput {
    /// Short code unique within the tenant: letters, digits, `-` and `_`, at most 20.
    pub code: String,
    /// Display name, at most 200 characters.
    pub name: String,
    /// What kind of site it is (default `OFFICE`).
    pub kind: Option<LocationKind>,
    /// Its postal address.
    pub address: Option<AddressInput>,
}

/// Changes to a location; fields left out keep their value.
#[derive(InputObject)]
pub struct LocationPatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<LocationKind>,
    /// New address (replaces the whole address).
    pub address: Option<AddressInput>,
}

resource! {
    entity: location::Entity, node: Location, one: location, many: locations,
    what: "location", view: ViewOrganisation, manage: ManageOrganisation,
    query: LocationQuery, mutation: LocationMutation,
}

node_object! {
    /// A party: a customer, supplier or other counterparty. Needs `VIEW_PARTIES`.
    Party(party) {
        /// Short code unique within the tenant, e.g. `C-0001`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Registered name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// The name's reading in katakana, for sorting and search.
        async fn name_kana(&self) -> Option<&str> {
            self.0.name_kana.as_deref()
        }
        /// Company, individual or government body.
        async fn kind(&self) -> PartyKind {
            PartyKind::from_db(&self.0.kind)
        }
        /// Whether the tenant sells to the party.
        async fn is_customer(&self) -> bool {
            self.0.is_customer
        }
        /// Whether the tenant buys from the party.
        async fn is_supplier(&self) -> bool {
            self.0.is_supplier
        }
        /// Tax registration number; for Japan the qualified invoice issuer number (`T` and 13
        /// digits).
        async fn tax_registration_number(&self) -> Option<&str> {
            self.0.tax_registration_number.as_deref()
        }
        /// Contact email address.
        async fn email(&self) -> Option<&str> {
            self.0.email.as_deref()
        }
        /// Contact phone number.
        async fn phone(&self) -> Option<&str> {
            self.0.phone.as_deref()
        }
        /// Default payment terms in days after the document date.
        async fn payment_terms_days(&self) -> Option<i32> {
            self.0.payment_terms_days
        }
        /// ISO 4217 currency of the party's documents.
        async fn currency(&self) -> &str {
            &self.0.currency
        }
        /// Credit limit, in `currency`, with two decimal places.
        async fn credit_limit(&self) -> Option<Decimal> {
            self.0.credit_limit.map(|mut d| {
                d.rescale(2);
                Decimal(d)
            })
        }
        /// Postal address.
        async fn address(&self) -> Address {
            address_of!(self.0)
        }
    }
}

filter_input! {
    /// Conditions on parties; every field given must hold.
    PartyFilter for party {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
        /// The katakana reading.
        name_kana: TextFilter => NameKana,
        /// The kind of party.
        kind: PartyKindFilter => Kind,
        /// Whether it is a customer.
        is_customer: BoolFilter => IsCustomer,
        /// Whether it is a supplier.
        is_supplier: BoolFilter => IsSupplier,
        /// The tax registration number.
        tax_registration_number: TextFilter => TaxRegistrationNumber,
        /// The payment terms in days.
        payment_terms_days: IntFilter => PaymentTermsDays,
        /// The currency.
        currency: TextFilter => Currency,
        /// The credit limit.
        credit_limit: DecimalFilter => CreditLimit,
        /// The country code of the address.
        country: TextFilter => Country,
        /// When the party was created.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What parties can be sorted by.
    Party for party {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
        /// The currency.
        Currency => Currency,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
}

/// A new party.
#[derive(InputObject)]
pub struct CreatePartyInput {
    /// Short code unique within the tenant: letters, digits, `-` and `_`, at most 20.
    pub code: String,
    /// Registered name, at most 200 characters.
    pub name: String,
    /// The name's reading in katakana.
    pub name_kana: Option<String>,
    /// Company, individual or government body (default `COMPANY`).
    pub kind: Option<PartyKind>,
    /// Whether the tenant sells to the party.
    #[graphql(default)]
    pub is_customer: bool,
    /// Whether the tenant buys from the party.
    #[graphql(default)]
    pub is_supplier: bool,
    /// Tax registration number; for a Japanese party the qualified invoice issuer number, `T`
    /// and 13 digits with a valid check digit.
    pub tax_registration_number: Option<String>,
    /// Contact email address.
    pub email: Option<String>,
    /// Contact phone number: digits, spaces, `+`, `-`, `(` and `)`.
    pub phone: Option<String>,
    /// Default payment terms in days (0 to 365).
    pub payment_terms_days: Option<i32>,
    /// ISO 4217 currency (default `JPY`).
    pub currency: Option<String>,
    /// Credit limit, not negative.
    pub credit_limit: Option<Decimal>,
    /// Postal address.
    pub address: Option<AddressInput>,
}

/// Changes to a party; fields left out keep their value, `null` clears.
#[derive(InputObject)]
pub struct PartyPatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New katakana reading (`null` clears).
    pub name_kana: MaybeUndefined<String>,
    /// New kind.
    pub kind: Option<PartyKind>,
    /// Whether the tenant sells to the party.
    pub is_customer: Option<bool>,
    /// Whether the tenant buys from the party.
    pub is_supplier: Option<bool>,
    /// New tax registration number (`null` clears).
    pub tax_registration_number: MaybeUndefined<String>,
    /// New email (`null` clears).
    pub email: MaybeUndefined<String>,
    /// New phone number (`null` clears).
    pub phone: MaybeUndefined<String>,
    /// New payment terms (`null` clears).
    pub payment_terms_days: MaybeUndefined<i32>,
    /// New currency.
    pub currency: Option<String>,
    /// New credit limit (`null` clears).
    pub credit_limit: MaybeUndefined<Decimal>,
    /// New address (replaces the whole address).
    pub address: Option<AddressInput>,
}

resource! {
    entity: party::Entity, node: Party, one: party, many: parties,
    what: "party", view: ViewParties, manage: ManageParties,
    query: PartyQuery, mutation: PartyMutation,
}

node_object! {
    /// A tag: a label any record can carry. Needs `VIEW_ORGANISATION`.
    Tag(tag) {
        /// The label, unique within the tenant ignoring case.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Display colour, `#RRGGBB`.
        async fn color(&self) -> &str {
            &self.0.color
        }
        /// What the tag means.
        async fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on tags; every field given must hold.
    TagFilter for tag {
        /// The label.
        name: TextFilter => Name,
        /// The colour.
        color: TextFilter => Color,
    }
}

order_field! {
    /// What tags can be sorted by.
    Tag for tag {
        /// The label.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

/// A new tag.
#[derive(InputObject)]
pub struct CreateTagInput {
    /// The label, at most 64 characters, unique ignoring case.
    pub name: String,
    /// Display colour, `#RRGGBB` (default `#808080`).
    pub color: Option<String>,
    /// What the tag means, at most 500 characters.
    pub description: Option<String>,
}

/// Changes to a tag; fields left out keep their value, `null` clears.
#[derive(InputObject)]
pub struct TagPatch {
    /// New label.
    pub name: Option<String>,
    /// New colour.
    pub color: Option<String>,
    /// New description (`null` clears).
    pub description: MaybeUndefined<String>,
}

resource! {
    entity: tag::Entity, node: Tag, one: tag, many: tags,
    what: "tag", view: ViewOrganisation, manage: ManageOrganisation,
    query: TagQuery, mutation: TagMutation,
}
