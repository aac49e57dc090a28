//! The organisation core: units (a tree with managers) and employees.

pub mod employee;
pub mod org_unit;

crate::tenant_scoped!(org_unit, "OrgUnit");
crate::tenant_scoped!(
    employee,
    "Employee",
    sensitive = ["national_id_number", "bank_account"]
);
