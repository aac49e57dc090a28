//! The demo tenant's HR: a day schedule, contracts, social insurance and salary structures for
//! everyone, statutory leave, three complete months of validated attendance (lateness, absences,
//! leave, overtime, one employee near the 36 agreement's monthly limit), and payroll runs for
//! the last two complete months, posted and published (called from the books, before they close
//! a year, so the runs land in open periods).
//!
//! Attendance rows are written directly (validated, with the minutes `time::derive` gives) rather
//! than from thousands of time events, to keep the first start quick.

use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use entity::TenantTx;
use entity::hr::{
    employment_contract, leave_type, salary_component, salary_structure,
    salary_structure_assignment, salary_structure_component, social_insurance_enrolment,
    withholding_tax_bracket, work_schedule,
};
use entity::org::employee;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::calendar::{self, month_end, month_start};
use super::payroll::{self, ComponentCalc, PayrollRunAction, Rounding};
use crate::error::{AppError, AppResult};
use crate::graphql::attendance::TimeEventKind;
use crate::graphql::core::GlobalId;
use crate::graphql::hr::*;
use crate::graphql::payroll::*;
use crate::graphql::resource::create_valid;
use crate::graphql::scalars::Decimal as D;

fn fail<E: std::fmt::Debug>(what: &'static str) -> impl Fn(E) -> AppError {
    move |e| AppError::internal(anyhow::anyhow!("demo HR ({what}): {e:?}"))
}

fn yen(v: i64) -> D {
    D(Decimal::from(v))
}

/// The first of the month `back` months before this one.
pub fn months_ago(back: u32) -> NaiveDate {
    month_start(Utc::now().date_naive())
        .checked_sub_months(Months::new(back))
        .unwrap_or_default()
}

/// An approximate monthly withholding table (kou, no dependents), labelled as such: the demo
/// needs a table that covers every salary, not the National Tax Agency's exact figures.
fn approximate_tax(mid: i64) -> i64 {
    let over = |v: i64| (mid - v).max(0);
    let tax = over(88_000) * 5 / 100 + over(300_000) * 5 / 100 + over(600_000) * 10 / 100;
    tax / 10 * 10
}

/// Everything but attendance and payroll.
pub async fn setup(tx: &TenantTx, admin: Uuid) -> AppResult<()> {
    let time = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    let schedule = create_valid::<work_schedule::Entity>(
        tx,
        &CreateWorkScheduleInput {
            code: "DAY".into(),
            name: "Day (9:00-18:00, Monday to Friday)".into(),
            start_time: time(9),
            end_time: time(18),
            break_minutes: Some(60),
            daily_minutes: None,
            grace_minutes: Some(5),
            half_day_minutes: None,
            weekdays: None,
        },
    )
    .await?;
    for (code, name, paid, requires, statutory) in [
        (
            "ANNUAL",
            "Annual paid leave (年次有給休暇)",
            true,
            true,
            true,
        ),
        ("UNPAID", "Unpaid leave", false, false, false),
    ] {
        create_valid::<leave_type::Entity>(
            tx,
            &CreateLeaveTypeInput {
                code: code.into(),
                name: name.into(),
                paid: Some(paid),
                requires_allocation: Some(requires),
                allow_negative: None,
                half_day_allowed: None,
                max_consecutive_days: None,
                statutory_accrual: Some(statutory),
            },
        )
        .await?;
    }
    let structure = create_valid::<salary_structure::Entity>(
        tx,
        &CreateSalaryStructureInput {
            code: "MONTHLY".into(),
            name: "Monthly salary".into(),
        },
    )
    .await?;
    let component =
        |code: &str, name: &str, kind, calc, formula: Option<&str>, seq, rounding, taxable| {
            CreateSalaryComponentInput {
                code: code.into(),
                name: name.into(),
                kind,
                calc,
                amount: None,
                formula: formula.map(str::to_owned),
                sequence: Some(seq),
                rounding: Some(rounding),
                taxable: Some(taxable),
                in_overtime_base: Some(code == "BASE"),
                in_insurance_base: None,
                account_id: None,
            }
        };
    use ComponentCalc as C;
    use ComponentKind::{Deduction, Earning};
    for input in [
        component(
            "BASE",
            "Base pay",
            Earning,
            C::Formula,
            Some("base*payment_days/working_days"),
            10,
            Rounding::Up,
            true,
        ),
        component(
            "COMMUTE",
            "Commuting allowance",
            Earning,
            C::PerEmployee,
            None,
            20,
            Rounding::HalfUp,
            false,
        ),
        component(
            "OVERTIME",
            "Overtime pay",
            Earning,
            C::Formula,
            Some("ot_base*ot_multiplier*overtime_min/(standard_hours*60)"),
            30,
            Rounding::HalfUp,
            true,
        ),
        component(
            "HEALTH",
            "Health insurance",
            Deduction,
            C::Health,
            None,
            10,
            Rounding::HalfDown,
            false,
        ),
        component(
            "PENSION",
            "Welfare pension",
            Deduction,
            C::Pension,
            None,
            20,
            Rounding::HalfDown,
            false,
        ),
        component(
            "EMPLOYMENT",
            "Employment insurance",
            Deduction,
            C::EmploymentInsurance,
            None,
            30,
            Rounding::HalfDown,
            false,
        ),
        component(
            "INCOME_TAX",
            "Income tax",
            Deduction,
            C::IncomeTax,
            None,
            40,
            Rounding::Down,
            false,
        ),
        component(
            "RESIDENT_TAX",
            "Resident tax",
            Deduction,
            C::PerEmployee,
            None,
            50,
            Rounding::Down,
            false,
        ),
    ] {
        let c = create_valid::<salary_component::Entity>(tx, &input).await?;
        create_valid::<salary_structure_component::Entity>(
            tx,
            &CreateSalaryStructureComponentInput {
                structure_id: GlobalId::of::<salary_structure::Entity>(structure.id),
                component_id: GlobalId::of::<salary_component::Entity>(c.id),
            },
        )
        .await?;
    }
    let table_from = NaiveDate::from_ymd_opt(Utc::now().year() - 1, 1, 1).unwrap_or_default();
    for step in 0..150 {
        let lower = step * 10_000;
        create_valid::<withholding_tax_bracket::Entity>(
            tx,
            &CreateWithholdingTaxBracketInput {
                valid_from: table_from,
                tax_column: None,
                dependents: None,
                lower: yen(lower),
                upper: yen(lower + 10_000),
                amount: yen(approximate_tax(lower + 5_000)),
            },
        )
        .await?;
    }
    let people = tx
        .all(
            tx.select::<employee::Entity>()
                .refine(|q| q.order_by_asc(employee::Column::EmployeeNumber)),
        )
        .await?;
    for (i, e) in people.iter().enumerate() {
        let i = i as i64;
        let wage = match i {
            0 => 900_000,
            _ if e.manager_id == people.first().map(|p| p.id) => 550_000,
            _ => 230_000 + (i % 8) * 20_000,
        };
        let id = GlobalId::of::<employee::Entity>(e.id);
        let contract = create_valid::<employment_contract::Entity>(
            tx,
            &CreateEmploymentContractInput {
                employee_id: id.clone(),
                contract_type: ContractType::Permanent,
                start_date: e.hire_date,
                end_date: None,
                trial_end: None,
                wage_type: None,
                wage: yen(wage),
                work_schedule_id: GlobalId::of::<work_schedule::Entity>(schedule.id),
                renewal_of_id: None,
            },
        )
        .await?;
        let mut running: employment_contract::ActiveModel = contract.into();
        running.status = Set("running".into());
        tx.update::<employment_contract::Entity, _>(running).await?;
        let smr = (wage + 5_000) / 10_000 * 10_000;
        for (scheme, smr) in [
            (InsuranceScheme::Health, Some(yen(smr))),
            (InsuranceScheme::Pension, Some(yen(smr.min(650_000)))),
            (InsuranceScheme::Employment, None),
        ] {
            create_valid::<social_insurance_enrolment::Entity>(
                tx,
                &CreateSocialInsuranceEnrolmentInput {
                    employee_id: id.clone(),
                    scheme,
                    effective_from: e.hire_date,
                    standard_monthly_remuneration: smr,
                },
            )
            .await?;
        }
        create_valid::<salary_structure_assignment::Entity>(
            tx,
            &CreateSalaryStructureAssignmentInput {
                employee_id: id,
                structure_id: GlobalId::of::<salary_structure::Entity>(structure.id),
                from_date: e.hire_date,
                to_date: None,
                amounts: Some(vec![
                    ComponentAmount {
                        code: "COMMUTE".into(),
                        amount: yen(8_000 + (i % 5) * 3_000),
                    },
                    ComponentAmount {
                        code: "RESIDENT_TAX".into(),
                        amount: yen(wage / 20 / 100 * 100),
                    },
                ]),
                dependents: None,
                tax_column: None,
            },
        )
        .await?;
    }
    super::leave::accrue(tx, admin, None)
        .await?
        .map_err(fail("statutory leave"))?;
    attendance(tx, admin, &people).await?;
    development(tx, admin, &people).await
}

/// Grades and profiles, training, a performance cycle, a closed survey with answers, and a
/// hiring pipeline: something in every HR list for a tenant administrator to explore.
async fn development(tx: &TenantTx, admin: Uuid, people: &[employee::Model]) -> AppResult<()> {
    use crate::graphql::development::*;
    use crate::graphql::recruiting::*;
    use entity::hr::{
        grade, job_opening, job_requisition, performance_cycle, position, training_programme,
        training_session,
    };
    let today = Utc::now().date_naive();
    let mut grades = Vec::new();
    for (rank, (code, name)) in [("G1", "Associate"), ("G2", "Senior"), ("G3", "Manager")]
        .into_iter()
        .enumerate()
    {
        grades.push(
            create_valid::<grade::Entity>(
                tx,
                &CreateGradeInput {
                    code: code.into(),
                    name: name.into(),
                    rank: Some(i32::try_from(rank).unwrap_or(0) + 1),
                },
            )
            .await?,
        );
    }
    let first = create_valid::<training_programme::Entity>(
        tx,
        &CreateTrainingProgrammeInput {
            code: "COMPLIANCE".into(),
            name: "Compliance basics".into(),
            validity_months: Some(12),
        },
    )
    .await?;
    let staff = create_valid::<position::Entity>(
        tx,
        &CreatePositionInput {
            code: "STAFF".into(),
            name: "Staff".into(),
            org_unit_id: None,
            grade_id: Some(GlobalId::of::<grade::Entity>(grades[0].id)),
        },
    )
    .await?;
    create_valid::<entity::hr::position_required_training::Entity>(
        tx,
        &CreatePositionRequiredTrainingInput {
            position_id: GlobalId::of::<position::Entity>(staff.id),
            programme_id: GlobalId::of::<training_programme::Entity>(first.id),
        },
    )
    .await?;
    let session = create_valid::<training_session::Entity>(
        tx,
        &CreateTrainingSessionInput {
            programme_id: GlobalId::of::<training_programme::Entity>(first.id),
            starts_on: months_ago(1) + Duration::days(9),
            ends_on: months_ago(1) + Duration::days(9),
            capacity: 30,
            location: Some("Head office, room 3".into()),
        },
    )
    .await?;
    for (i, e) in people.iter().enumerate() {
        let id = GlobalId::of::<employee::Entity>(e.id);
        let g = if i == 0 {
            2
        } else if i % 7 == 0 {
            1
        } else {
            0
        };
        create_valid::<entity::hr::employee_profile::Entity>(
            tx,
            &CreateEmployeeProfileInput {
                employee_id: id.clone(),
                grade_id: Some(GlobalId::of::<grade::Entity>(grades[g].id)),
                position_id: Some(GlobalId::of::<position::Entity>(staff.id)),
                emergency_contact: Some(format!("Family, 090-{:04}-{:04}", 1000 + i, 2000 + i)),
            },
        )
        .await?;
        if i < 20 {
            let seat = create_valid::<entity::hr::training_enrolment::Entity>(
                tx,
                &CreateTrainingEnrolmentInput {
                    session_id: GlobalId::of::<training_session::Entity>(session.id),
                    employee_id: id,
                },
            )
            .await?;
            let mut done: entity::hr::training_enrolment::ActiveModel = seat.into();
            done.status = Set("completed".into());
            done.completed_on = Set(Some(session.ends_on));
            done.score = Set(Some(70 + (i as i32 * 7) % 30));
            tx.update::<entity::hr::training_enrolment::Entity, _>(done)
                .await?;
        }
    }
    // A cycle for the year, goals set for the first five people.
    let cycle = create_valid::<performance_cycle::Entity>(
        tx,
        &CreatePerformanceCycleInput {
            name: format!("FY{}", today.year()),
            period_start: NaiveDate::from_ymd_opt(today.year(), 4, 1).unwrap_or(today),
            period_end: NaiveDate::from_ymd_opt(today.year() + 1, 3, 31).unwrap_or(today),
        },
    )
    .await?;
    for e in people.iter().take(5) {
        for (title, weight) in [("Deliver the year's plan", 70), ("Grow the team", 30)] {
            create_valid::<entity::hr::performance_goal::Entity>(
                tx,
                &CreatePerformanceGoalInput {
                    cycle_id: GlobalId::of::<performance_cycle::Entity>(cycle.id),
                    employee_id: GlobalId::of::<employee::Entity>(e.id),
                    title: title.into(),
                    weight,
                },
            )
            .await?;
        }
    }
    // A closed engagement survey with everyone's (made-up) answers.
    let questions = vec![
        "I would recommend this company as a place to work".to_owned(),
        "My workload is manageable".to_owned(),
        "I know what is expected of me".to_owned(),
    ];
    let survey = create_valid::<entity::hr::survey::Entity>(
        tx,
        &crate::graphql::hr_reports::CreateSurveyInput {
            title: "Engagement survey".into(),
            min_group_size: None,
            questions: questions.clone(),
        },
    )
    .await?;
    super::surveys::write_questions(tx, admin, survey.id, &questions).await?;
    for (i, e) in people.iter().enumerate() {
        let given: std::collections::BTreeMap<i32, i32> = (1..=3)
            .map(|q| (q, 1 + ((i as i32 * 3 + q * 5) % 5)))
            .collect();
        super::surveys::record(tx, admin, e, survey.id, &given)
            .await?
            .map_err(fail("survey answers"))?;
    }
    let mut closed: entity::hr::survey::ActiveModel = survey.into();
    closed.status = Set("closed".into());
    tx.update::<entity::hr::survey::Entity, _>(closed).await?;
    // A hiring pipeline: an approved requisition, its opening and three applicants.
    create_valid::<entity::hr::checklist_template::Entity>(
        tx,
        &CreateChecklistTemplateInput {
            code: "ONBOARD".into(),
            name: "Onboarding".into(),
            kind: ChecklistKind::Onboarding,
            items: [
                "Sign the employment contract",
                "Submit the My Number card",
                "Issue a laptop",
            ]
            .iter()
            .map(|t| ChecklistItemInput {
                title: (*t).into(),
                required: None,
            })
            .collect(),
        },
    )
    .await?;
    create_valid::<entity::hr::checklist_template::Entity>(
        tx,
        &CreateChecklistTemplateInput {
            code: "OFFBOARD".into(),
            name: "Offboarding".into(),
            kind: ChecklistKind::Offboarding,
            items: ["Exit interview", "Return the security card"]
                .iter()
                .map(|t| ChecklistItemInput {
                    title: (*t).into(),
                    required: None,
                })
                .collect(),
        },
    )
    .await?;
    create_valid::<entity::hr::severance_scheme::Entity>(
        tx,
        &crate::graphql::offboarding::CreateSeveranceSchemeInput {
            code: "STD".into(),
            name: "Standard retirement allowance".into(),
            bands: vec![
                crate::graphql::offboarding::SeveranceBandInput {
                    from_years: 0,
                    to_years: Some(3),
                    months_per_year: yen(0),
                },
                crate::graphql::offboarding::SeveranceBandInput {
                    from_years: 3,
                    to_years: Some(10),
                    months_per_year: yen(1),
                },
                crate::graphql::offboarding::SeveranceBandInput {
                    from_years: 10,
                    to_years: None,
                    months_per_year: D(Decimal::new(15, 1)),
                },
            ],
            reason_factors: Some(vec![crate::graphql::offboarding::SeveranceFactorInput {
                reason: crate::graphql::offboarding::SeparationReason::Resignation,
                factor: D(Decimal::new(8, 1)),
            }]),
            active: Some(true),
        },
    )
    .await?;
    let Some(unit) = people.iter().find_map(|e| e.org_unit_id) else {
        return Ok(());
    };
    create_valid::<entity::hr::headcount_plan::Entity>(
        tx,
        &CreateHeadcountPlanInput {
            org_unit_id: GlobalId::of::<entity::org::org_unit::Entity>(unit),
            period_start: month_start(today),
            period_end: month_start(today)
                .checked_add_months(Months::new(12))
                .and_then(|d| d.pred_opt())
                .unwrap_or(today),
            planned_headcount: i32::try_from(
                super::recruiting::actual_headcount(tx, unit).await? + 2,
            )
            .unwrap_or(i32::MAX),
            note: Some("Two more engineers this year".into()),
        },
    )
    .await?;
    let number = crate::services::numbering::allocate(
        tx,
        crate::services::numbering::DocumentType::JobRequisition,
        today,
    )
    .await?;
    let mut req = job_requisition::ActiveModel {
        number: Set(number),
        requester_user_id: Set(admin),
        org_unit_id: Set(unit),
        headcount_plan_id: Set(None),
        title: Set("Backend engineer".into()),
        vacancies: Set(2),
        filled: Set(0),
        salary_max: Set(Decimal::from(450_000)),
        currency: Set(crate::services::accounting::base_currency(tx).await?),
        reason: Set(Some("The API team grows".into())),
        status: Set("approved".into()),
        submitted_at: Set(Some(Utc::now())),
        approved_at: Set(Some(Utc::now())),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<job_requisition::Entity>(&mut req, Some(admin))?;
    let req = tx.insert::<job_requisition::Entity, _>(req).await?;
    let opening = create_valid::<job_opening::Entity>(
        tx,
        &CreateJobOpeningInput {
            requisition_id: GlobalId::of::<job_requisition::Entity>(req.id),
            title: None,
            description: Some("Rust, GraphQL and PostgreSQL; hybrid work.".into()),
            closes_on: Some(today + Duration::days(30)),
        },
    )
    .await?;
    for (i, (family, given)) in [("Ito", "Ken"), ("Mori", "Aya"), ("Abe", "Sho")]
        .iter()
        .enumerate()
    {
        let who = create_valid::<entity::hr::applicant::Entity>(
            tx,
            &CreateApplicantInput {
                opening_id: GlobalId::of::<job_opening::Entity>(opening.id),
                family_name: (*family).into(),
                given_name: (*given).into(),
                email: format!(
                    "{}.{}@candidates.example",
                    given.to_lowercase(),
                    family.to_lowercase()
                ),
                phone: None,
                source: Some(["referral", "job site", "agency"][i].into()),
                note: None,
            },
        )
        .await?;
        if i < 2 {
            super::recruiting::advance_applicant(
                tx,
                admin,
                who.id,
                who.version,
                super::recruiting::ApplicantAction::Interview,
            )
            .await?
            .map_err(fail("applicant"))?;
        }
        if i == 0 {
            let iv = create_valid::<entity::hr::interview::Entity>(
                tx,
                &CreateInterviewInput {
                    applicant_id: GlobalId::of::<entity::hr::applicant::Entity>(who.id),
                    round: Some(1),
                    scheduled_at: Utc::now() - Duration::days(2),
                    location: Some("Video call".into()),
                },
            )
            .await?;
            let f = super::recruiting::Feedback {
                score: 4,
                recommendation: Recommendation::Yes,
                comments: Some("Strong on SQL"),
            };
            super::recruiting::record_feedback(tx, admin, iv.id, &f)
                .await?
                .map_err(fail("interview feedback"))?;
        }
    }
    Ok(())
}

/// Three complete months of validated attendance.
async fn attendance(tx: &TenantTx, admin: Uuid, people: &[employee::Model]) -> AppResult<()> {
    let settings = super::settings(tx).await?;
    let (first, last) = (months_ago(3), month_end(months_ago(1)));
    let annual = tx
        .one(
            tx.select::<leave_type::Entity>()
                .refine(|q| q.filter(leave_type::Column::Code.eq("ANNUAL"))),
        )
        .await?;
    let at = |d: NaiveDate, minutes: i64| {
        super::instant(
            &settings,
            d.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minutes),
        )
    };
    let unpaid = tx
        .one(
            tx.select::<leave_type::Entity>()
                .refine(|q| q.filter(leave_type::Column::Code.eq("UNPAID"))),
        )
        .await?;
    for (i, e) in people.iter().enumerate() {
        // A day of annual leave for every seventh employee, two unpaid days for the twelfth:
        // validation writes those days as on leave.
        let mut away = Vec::new();
        let kind = match i % 7 {
            3 => annual.as_ref().map(|t| (t.id, 2u32, 1usize)),
            _ if i == 11 => unpaid.as_ref().map(|t| (t.id, 1u32, 2usize)),
            _ => None,
        };
        if let Some((leave_type, back, len)) = kind {
            let days =
                calendar::working_days(tx, e.id, months_ago(back), month_end(months_ago(back)))
                    .await?;
            let start = i % days.len().saturating_sub(len).max(1);
            if let (Some(from), Some(to)) = (days.get(start), days.get(start + len - 1))
                && leave(tx, admin, e.id, leave_type, *from, *to).await?
            {
                away.extend(days[start..start + len].iter().copied());
            }
        }
        let days = calendar::days(tx, e.id, first, last).await?;
        for (n, day) in days.iter().filter(|d| d.working).enumerate() {
            let key = i * 31 + n;
            if key % 53 == 7 || away.contains(&day.date) {
                continue; // absent or on leave: validation writes the day
            }
            let arrive = if key % 17 == 0 {
                9 * 60 + 20
            } else {
                8 * 60 + 50 + (key % 9) as i64
            };
            let leave_at = match i {
                7 => 19 * 60 + 45,
                _ if i % 5 == 0 => 18 * 60 + 30 + (key % 4) as i64 * 30,
                _ => 18 * 60 + (key % 6) as i64 * 2,
            };
            let events = [
                (TimeEventKind::In, at(day.date, arrive)),
                (TimeEventKind::Out, at(day.date, leave_at)),
            ];
            let m = super::time::derive(&settings, day, &events, key % 11 == 0);
            super::time::write_validated(tx, e.id, day, &m, key % 11 == 0).await?;
        }
    }
    for back in [3, 2, 1] {
        let scope = super::time::Scope {
            from: months_ago(back),
            to: month_end(months_ago(back)),
            org_unit: None,
            employees: None,
        };
        super::time::validate(tx, &scope)
            .await?
            .map_err(fail("validation"))?;
    }
    Ok(())
}

async fn leave(
    tx: &TenantTx,
    admin: Uuid,
    employee: Uuid,
    leave_type: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<bool> {
    let new = super::leave::NewLeave {
        employee: Some(employee),
        leave_type,
        from,
        to,
        half: crate::graphql::leave::LeaveHalf::None,
        reason: Some("Family matters"),
    };
    // A day the employee has no allocation for (hired too recently) is simply not taken.
    let Ok(r) = super::leave::create(tx, admin, true, &new).await? else {
        return Ok(false);
    };
    super::leave::act(
        tx,
        admin,
        true,
        r.id,
        r.version,
        super::leave::LeaveRequestAction::Submit,
        None,
    )
    .await?
    .map_err(fail("leave submission"))?;
    Ok(true)
}

/// Payroll for the last two complete months: computed, posted and published. Returns the runs,
/// whose net pay and withholdings the books pay out (they skip their own salary entries for
/// these months).
pub async fn payroll(tx: &TenantTx, admin: Uuid) -> AppResult<Vec<entity::hr::payroll_run::Model>> {
    let mut runs = Vec::new();
    for back in [2, 1] {
        let run = payroll::create_run(tx, admin, months_ago(back), None)
            .await?
            .map_err(fail("payroll run"))?;
        let run = payroll::compute(tx, admin, run.id, run.version)
            .await?
            .map_err(fail("payroll computation"))?;
        let run = payroll::act(tx, admin, run.id, run.version, PayrollRunAction::Post, true)
            .await?
            .map_err(fail("payroll posting"))?;
        let run = payroll::act(
            tx,
            admin,
            run.id,
            run.version,
            PayrollRunAction::Publish,
            true,
        )
        .await?
        .map_err(fail("payroll publishing"))?;
        runs.push(run);
    }
    Ok(runs)
}
