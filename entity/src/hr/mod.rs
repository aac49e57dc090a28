//! HR: employment contracts, schedules, attendance, overtime and leave.

pub mod attendance_day;
pub mod employment_contract;
pub mod holiday;
pub mod hr_settings;
pub mod leave_allocation;
pub mod leave_ledger_entry;
pub mod leave_request;
pub mod leave_type;
pub mod overtime_request;
pub mod time_event;
pub mod work_schedule;

// Time events are an append-only raw log (a device may send thousands a day); the attendance
// row they update is audited. Leave ledger entries are written only with their request.
crate::tenant_scoped!(hr_settings, "HrSettings");
crate::tenant_scoped!(work_schedule, "WorkSchedule");
crate::tenant_scoped!(holiday, "Holiday");
crate::tenant_scoped!(
    employment_contract,
    "EmploymentContract",
    sensitive = ["wage"]
);
crate::tenant_scoped!(time_event, "TimeEvent", unaudited);
crate::tenant_scoped!(attendance_day, "AttendanceDay");
crate::tenant_scoped!(overtime_request, "OvertimeRequest");
crate::tenant_scoped!(leave_type, "LeaveType");
crate::tenant_scoped!(leave_allocation, "LeaveAllocation");
crate::tenant_scoped!(leave_request, "LeaveRequest");
crate::tenant_scoped!(leave_ledger_entry, "LeaveLedgerEntry", unaudited);
