//! HR: recruiting and onboarding, employment contracts, schedules, attendance, overtime,
//! leave, payroll, health checks and offboarding.

pub mod applicant;
pub mod attendance_day;
pub mod checklist_template;
pub mod employee_profile;
pub mod employment_contract;
pub mod final_settlement;
pub mod grade;
pub mod headcount_plan;
pub mod health_check;
pub mod holiday;
pub mod hr_checklist_task;
pub mod hr_settings;
pub mod interview;
pub mod interview_feedback;
pub mod job_offer;
pub mod job_opening;
pub mod job_requisition;
pub mod leave_allocation;
pub mod leave_ledger_entry;
pub mod leave_request;
pub mod leave_type;
pub mod onboarding;
pub mod overtime_request;
pub mod payroll_run;
pub mod payroll_settings;
pub mod payslip;
pub mod payslip_line;
pub mod performance_cycle;
pub mod performance_goal;
pub mod performance_review;
pub mod position;
pub mod position_required_training;
pub mod salary_component;
pub mod salary_structure;
pub mod salary_structure_assignment;
pub mod salary_structure_component;
pub mod separation;
pub mod severance_scheme;
pub mod shift_assignment;
pub mod social_insurance_enrolment;
pub mod survey;
pub mod survey_participation;
pub mod survey_question;
pub mod survey_response;
pub mod time_event;
pub mod training_enrolment;
pub mod training_programme;
pub mod training_session;
pub mod withholding_tax_bracket;
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
crate::tenant_scoped!(payroll_settings, "PayrollSettings");
crate::tenant_scoped!(
    social_insurance_enrolment,
    "SocialInsuranceEnrolment",
    sensitive = ["standard_monthly_remuneration", "insured_number"]
);
crate::tenant_scoped!(withholding_tax_bracket, "WithholdingTaxBracket");
crate::tenant_scoped!(salary_component, "SalaryComponent");
crate::tenant_scoped!(salary_structure, "SalaryStructure");
crate::tenant_scoped!(salary_structure_component, "SalaryStructureComponent");
crate::tenant_scoped!(
    salary_structure_assignment,
    "SalaryStructureAssignment",
    sensitive = ["amounts"]
);
crate::tenant_scoped!(
    payroll_run,
    "PayrollRun",
    sensitive = ["gross_total", "deductions_total", "net_total"]
);
crate::tenant_scoped!(
    payslip,
    "Payslip",
    sensitive = [
        "gross",
        "taxable",
        "social_insurance",
        "income_tax",
        "deductions",
        "net",
        "ytd_gross",
        "ytd_taxable",
        "ytd_social_insurance",
        "ytd_income_tax",
        "ytd_net"
    ]
);
// Payslip lines are written with their payslip and read only through its guarded resolver.
crate::tenant_scoped!(payslip_line, "PayslipLine", unaudited);
crate::tenant_scoped!(
    health_check,
    "HealthCheck",
    sensitive = [
        "result",
        "findings_level",
        "follow_up_required",
        "high_stress"
    ]
);
crate::tenant_scoped!(headcount_plan, "HeadcountPlan");
crate::tenant_scoped!(job_requisition, "JobRequisition");
crate::tenant_scoped!(job_opening, "JobOpening");
crate::tenant_scoped!(applicant, "Applicant", sensitive = ["email", "phone"]);
crate::tenant_scoped!(interview, "Interview");
crate::tenant_scoped!(interview_feedback, "InterviewFeedback");
crate::tenant_scoped!(job_offer, "JobOffer", sensitive = ["wage"]);
crate::tenant_scoped!(checklist_template, "ChecklistTemplate");
crate::tenant_scoped!(onboarding, "Onboarding");
crate::tenant_scoped!(separation, "Separation");
crate::tenant_scoped!(hr_checklist_task, "HrChecklistTask");
crate::tenant_scoped!(severance_scheme, "SeveranceScheme");
crate::tenant_scoped!(
    final_settlement,
    "FinalSettlement",
    sensitive = [
        "base_wage",
        "severance",
        "retirement_deduction",
        "taxable_income",
        "income_tax",
        "resident_tax",
        "net"
    ]
);
crate::tenant_scoped!(grade, "Grade");
crate::tenant_scoped!(position, "Position");
crate::tenant_scoped!(
    employee_profile,
    "EmployeeProfile",
    sensitive = ["emergency_contact"]
);
crate::tenant_scoped!(shift_assignment, "ShiftAssignment");
crate::tenant_scoped!(training_programme, "TrainingProgramme");
crate::tenant_scoped!(training_session, "TrainingSession");
crate::tenant_scoped!(training_enrolment, "TrainingEnrolment");
crate::tenant_scoped!(position_required_training, "PositionRequiredTraining");
crate::tenant_scoped!(performance_cycle, "PerformanceCycle");
crate::tenant_scoped!(performance_goal, "PerformanceGoal");
crate::tenant_scoped!(performance_review, "PerformanceReview");
crate::tenant_scoped!(survey, "Survey");
crate::tenant_scoped!(survey_question, "SurveyQuestion");
crate::tenant_scoped!(survey_participation, "SurveyParticipation");
// Anonymous answers: no audit entry (it would name the actor), written with no author.
crate::tenant_scoped!(survey_response, "SurveyResponse", unaudited);
