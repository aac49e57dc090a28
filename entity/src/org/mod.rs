//! The organisation core: units (a tree with managers), employees, cost centres, locations,
//! parties, and the tags, comments and attachments any record can carry.

pub mod attachment;
pub mod comment;
pub mod cost_centre;
pub mod employee;
pub mod location;
pub mod org_unit;
pub mod party;
pub mod tag;
pub mod tagging;

crate::tenant_scoped!(org_unit, "OrgUnit");
crate::tenant_scoped!(
    employee,
    "Employee",
    sensitive = ["national_id_number", "bank_account"]
);
crate::tenant_scoped!(cost_centre, "CostCentre");
crate::tenant_scoped!(location, "Location");
crate::tenant_scoped!(party, "Party");
crate::tenant_scoped!(tag, "Tag");
crate::tenant_scoped!(tagging, "Tagging");
crate::tenant_scoped!(comment, "Comment");
crate::tenant_scoped!(attachment, "Attachment");
