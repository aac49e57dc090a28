//! HR reports and KPIs in the schema: headcount and turnover, time to fill, overtime by
//! employee and unit, leave balances, the payroll register, labour cost by cost centre, and
//! satisfaction surveys with anonymous, aggregated results.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::hr::{payroll_run, survey};
use entity::org::{cost_centre, org_unit};

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::attendance::OvertimeSummary;
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::org::{CostCentre, Employee, OrgUnit};
use crate::graphql::recruiting::{HrTransitionInput, JobRequisition, tx_read};
use crate::graphql::scalars::Decimal;
use crate::services::hr::{HrErrorCode, refuse, reports, surveys};
use crate::{db_enum, enum_filter, filter_input, list_query, node_object, order_field};

db_enum! {
    /// Where a survey is.
    SurveyStatus {
        /// Being prepared.
        Draft = "draft",
        /// Taking answers.
        Open = "open",
        /// Closed.
        Closed = "closed",
    }
}

enum_filter!(SurveyStatus);

/// A question of a survey.
#[derive(SimpleObject)]
pub struct SurveyQuestion {
    /// Its number, from 1.
    pub seq: i32,
    /// The question, answered on a scale of 1 (poor) to 5 (excellent).
    pub text: String,
}

node_object! {
    /// An employee satisfaction survey. Employees read it to answer it; answers are anonymous
    /// and only their aggregates are reported (`surveyResults`).
    Survey(survey) {
        /// Title.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// Groups smaller than this are not reported on their own.
        async fn min_group_size(&self) -> i32 {
            self.0.min_group_size
        }
        /// Where it is.
        async fn status(&self) -> SurveyStatus {
            SurveyStatus::from_db(&self.0.status)
        }
        /// The questions, in order.
        async fn questions(&self, ctx: &Context<'_>) -> GqlResult<List<SurveyQuestion>> {
            let id = self.0.id;
            let rows = tx_read!(ctx, tx => surveys::questions(tx, id).await);
            Ok(rows.into_iter().map(|q| SurveyQuestion { seq: q.seq, text: q.text }).collect())
        }
    }
}

filter_input! {
    /// Conditions on surveys.
    SurveyFilter for survey {
        /// The title.
        title: TextFilter => Title,
        /// The status.
        status: SurveyStatusFilter => Status,
    }
}

order_field! {
    /// What surveys can be sorted by.
    Survey for survey {
        /// The title.
        Title => Title,
    }
}

list_query! {
    entity: survey::Entity, node: Survey, many: surveys,
    what: "survey",
    needs: [ "`SUBMIT_REQUESTS`" ],
    query: SurveyListQuery,
}

use crate::graphql::listing::TextFilter;

/// A new survey (a draft).
#[derive(InputObject)]
pub struct CreateSurveyInput {
    /// Title, at most 200 characters.
    pub title: String,
    /// Groups smaller than this are not reported on their own, 3 to 100 (default 5).
    pub min_group_size: Option<i32>,
    /// The questions, 1 to 50, each at most 500 characters, answered on a scale of 1 to 5.
    pub questions: Vec<String>,
}

/// Changes to a survey.
#[derive(InputObject)]
pub struct SurveyPatch {
    /// New title.
    pub title: Option<String>,
}

/// One answer.
#[derive(InputObject)]
pub struct SurveyAnswerInput {
    /// The question's number.
    pub seq: i32,
    /// 1 (poor) to 5 (excellent).
    pub score: i32,
}

/// Your answers to a survey.
#[derive(InputObject)]
pub struct AnswerSurveyInput {
    /// The survey (open).
    pub survey_id: ID,
    /// One answer per question.
    pub answers: Vec<SurveyAnswerInput>,
}

/// The result of a survey mutation.
#[derive(SimpleObject)]
pub struct SurveyPayload {
    /// The survey; `null` when there are errors.
    pub survey: Option<Survey>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of answering a survey: nothing of the answers comes back.
#[derive(SimpleObject)]
pub struct AnswerSurveyPayload {
    /// Whether the answers were recorded.
    pub recorded: bool,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// One group's average.
#[derive(SimpleObject)]
pub struct SurveyGroupResult {
    /// The unit; `null` for "other" (units too small to show on their own, and people
    /// without a unit).
    pub org_unit: Option<OrgUnit>,
    /// Answers in the group.
    pub responses: i64,
    /// Their average.
    pub average: Decimal,
}

/// One question's result.
#[derive(SimpleObject)]
pub struct SurveyQuestionResult {
    /// The question's number.
    pub seq: i32,
    /// The question.
    pub text: String,
    /// The average of every answer (`null` while there are fewer answers than the minimum
    /// group size).
    pub average: Option<Decimal>,
    /// Per unit, only groups of at least the minimum size.
    pub by_unit: crate::graphql::list::List<SurveyGroupResult>,
}

/// A survey's aggregated results.
#[derive(SimpleObject)]
pub struct SurveyResults {
    /// Answers received.
    pub responses: i64,
    /// Employees who answered.
    pub participants: i64,
    /// Per question.
    pub questions: crate::graphql::list::List<SurveyQuestionResult>,
}

/// A headcount line.
#[derive(SimpleObject)]
pub struct HeadcountLine {
    /// The unit (`null` in the total, and for employees without a unit).
    pub org_unit: Option<OrgUnit>,
    /// Employed the day before the period.
    pub opening: i64,
    /// Hired in the period.
    pub hires: i64,
    /// Left in the period.
    pub leavers: i64,
    /// Employed on the last day.
    pub closing: i64,
    /// Leavers over the average of opening and closing (0.0625 = 6.25 %).
    pub turnover: Decimal,
}

/// Headcount and turnover over a period.
#[derive(SimpleObject)]
pub struct HeadcountReport {
    /// Everyone.
    pub total: HeadcountLine,
    /// By the employees' current unit.
    pub by_unit: crate::graphql::list::List<HeadcountLine>,
}

/// A filled vacancy.
#[derive(SimpleObject)]
pub struct FillLine {
    /// The requisition.
    pub requisition: JobRequisition,
    /// The employee hired.
    pub employee: Option<Employee>,
    /// Days from the requisition's approval to the completed onboarding.
    pub days: i64,
}

/// Time to fill over a period.
#[derive(SimpleObject)]
pub struct TimeToFillReport {
    /// The vacancies filled by onboardings completed in the period.
    pub fills: crate::graphql::list::List<FillLine>,
    /// Their average, in days (`null` without any).
    pub average_days: Option<Decimal>,
}

/// One employee's month under the 36 agreement.
#[derive(SimpleObject)]
pub struct OvertimeLine {
    /// The employee.
    pub employee: Employee,
    /// The unit.
    pub org_unit: Option<OrgUnit>,
    /// The month's figures and level.
    pub summary: OvertimeSummary,
}

/// A unit's overtime in a month.
#[derive(SimpleObject)]
pub struct OvertimeUnitLine {
    /// The unit (`null`: employees without one).
    pub org_unit: Option<OrgUnit>,
    /// Employees counted.
    pub employees: i64,
    /// Overtime minutes in the month.
    pub overtime_minutes: i64,
    /// Holiday work minutes in the month.
    pub holiday_minutes: i64,
    /// Employees at the warning level or past a limit.
    pub at_risk: i64,
}

/// Overtime by employee and unit.
#[derive(SimpleObject)]
pub struct OvertimeReport {
    /// By employee, by employee number.
    pub employees: crate::graphql::list::List<OvertimeLine>,
    /// By unit.
    pub units: crate::graphql::list::List<OvertimeUnitLine>,
}

/// One employee's statutory annual leave.
#[derive(SimpleObject)]
pub struct LeaveBalanceLine {
    /// The employee.
    pub employee: Employee,
    /// Days granted by the latest allocation valid on the day.
    pub granted: Decimal,
    /// Days taken in that grant's first year.
    pub taken_in_grant_year: Decimal,
    /// Days available on the day.
    pub available: Decimal,
    /// Granted ten days or more and taken fewer than five in the grant year: the employer
    /// must see that five are taken (LSA art. 39 (7)).
    pub owes_five_days: bool,
}

/// One payslip in the register.
#[derive(SimpleObject)]
pub struct PayrollRegisterLine {
    /// The employee.
    pub employee: Option<Employee>,
    /// Days paid.
    pub payment_days: Decimal,
    /// Gross pay.
    pub gross: Decimal,
    /// Social insurance withheld.
    pub social_insurance: Decimal,
    /// Income tax withheld.
    pub income_tax: Decimal,
    /// All deductions.
    pub deductions: Decimal,
    /// Net pay.
    pub net: Decimal,
}

/// The payroll register of a run.
#[derive(SimpleObject)]
pub struct PayrollRegister {
    /// The run's number.
    pub number: String,
    /// Its month.
    pub period_start: NaiveDate,
    /// One line per payslip.
    pub lines: crate::graphql::list::List<PayrollRegisterLine>,
    /// Gross of every slip.
    pub gross: Decimal,
    /// Deductions of every slip.
    pub deductions: Decimal,
    /// Net of every slip.
    pub net: Decimal,
}

/// Labour cost of a cost centre.
#[derive(SimpleObject)]
pub struct LabourCostLine {
    /// The cost centre (`null`: units without one).
    pub cost_centre: Option<CostCentre>,
    /// Employees paid.
    pub employees: i64,
    /// Gross pay.
    pub gross: Decimal,
}

async fn unit(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> GqlResult<Option<OrgUnit>> {
    Ok(load_one::<org_unit::Entity>(ctx, id).await?.map(OrgUnit))
}

fn line(ctx_unit: Option<OrgUnit>, h: &reports::Headcount) -> HeadcountLine {
    HeadcountLine {
        org_unit: ctx_unit,
        opening: h.opening,
        hires: h.hires,
        leavers: h.leavers,
        closing: h.closing,
        turnover: Decimal(h.turnover().normalize()),
    }
}

fn period(from: NaiveDate, to: NaiveDate) -> GqlResult<()> {
    if to < from || (to - from).num_days() > 3660 {
        return Err(crate::error::AppError::BadRequest(
            "`to` is on or after `from`, at most ten years later".into(),
        )
        .into());
    }
    Ok(())
}

/// The HR reports and survey queries.
#[derive(Default)]
pub struct HrReportQuery;

#[Object]
impl HrReportQuery {
    /// One survey by id.
    async fn survey(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Survey>> {
        Ok(crate::graphql::resource::get::<survey::Entity>(ctx, &id).await?)
    }

    /// A closed survey's aggregated, anonymous results (`BAD_REQUEST` while it is open).
    /// Needs `VIEW_HR`.
    async fn survey_results(
        &self,
        ctx: &Context<'_>,
        survey_id: ID,
    ) -> GqlResult<Option<SurveyResults>> {
        ctx.authorize(Permission::ViewHr)?;
        let Some(id) = GlobalId::decode_for::<survey::Entity>(&survey_id) else {
            return Ok(None);
        };
        match load_one::<survey::Entity>(ctx, Some(id)).await? {
            None => return Ok(None),
            Some(s) if s.status != "closed" => {
                return Err(crate::error::AppError::BadRequest(
                    "results are read once the survey is closed".into(),
                )
                .into());
            }
            Some(_) => {}
        }
        let Some(r) = tx_read!(ctx, tx => surveys::results(tx, id).await) else {
            return Ok(None);
        };
        let mut questions = Vec::new();
        for q in r.questions {
            let mut by_unit = Vec::new();
            for (u, n, a) in q.groups {
                by_unit.push(SurveyGroupResult {
                    org_unit: unit(ctx, u).await?,
                    responses: n,
                    average: Decimal(a),
                });
            }
            questions.push(SurveyQuestionResult {
                seq: q.question.seq,
                text: q.question.text,
                average: q.average.map(Decimal),
                by_unit: List(by_unit),
            });
        }
        Ok(Some(SurveyResults {
            responses: r.responses,
            participants: r.participants,
            questions: List(questions),
        }))
    }

    /// Headcount, hires, leavers and turnover over a period, in total and by unit. Needs
    /// `VIEW_HR`.
    async fn headcount_report(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<HeadcountReport> {
        ctx.authorize(Permission::ViewHr)?;
        period(from, to)?;
        let (total, units) = tx_read!(ctx, tx => reports::headcount(tx, from, to).await);
        let mut by_unit = Vec::new();
        for h in &units {
            by_unit.push(line(unit(ctx, h.unit).await?, h));
        }
        Ok(HeadcountReport {
            total: line(None, &total),
            by_unit: List(by_unit),
        })
    }

    /// Days from a requisition's approval to the completed onboarding, for vacancies filled
    /// in a period. Needs `VIEW_RECRUITING`.
    async fn time_to_fill_report(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<TimeToFillReport> {
        ctx.authorize(Permission::ViewRecruiting)?;
        period(from, to)?;
        let fills = tx_read!(ctx, tx => reports::time_to_fill(tx, from, to).await);
        let average_days = (!fills.is_empty()).then(|| {
            let sum: i64 = fills.iter().map(|f| f.days).sum();
            Decimal(
                (rust_decimal::Decimal::from(sum)
                    / rust_decimal::Decimal::from(fills.len() as i64))
                .round_dp(1)
                .normalize(),
            )
        });
        let mut out = Vec::new();
        for f in fills {
            out.push(FillLine {
                employee: load_one::<entity::org::employee::Entity>(ctx, f.employee)
                    .await?
                    .map(Employee),
                requisition: JobRequisition(f.requisition),
                days: f.days,
            });
        }
        Ok(TimeToFillReport {
            fills: List(out),
            average_days,
        })
    }

    /// Overtime and holiday work of a month under the 36 agreement, by employee and by
    /// unit. Needs `VIEW_ATTENDANCE`.
    async fn overtime_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any day of the month.")] month: NaiveDate,
    ) -> GqlResult<OvertimeReport> {
        ctx.authorize(Permission::ViewAttendance)?;
        let rows = tx_read!(ctx, tx => reports::overtime(tx, month).await);
        let start = crate::services::hr::calendar::month_start(month);
        let mut employees = Vec::new();
        let mut units: std::collections::BTreeMap<Option<uuid::Uuid>, OvertimeUnitLine> =
            Default::default();
        for (e, a) in rows {
            let u = units
                .entry(e.org_unit_id)
                .or_insert_with(|| OvertimeUnitLine {
                    org_unit: None,
                    employees: 0,
                    overtime_minutes: 0,
                    holiday_minutes: 0,
                    at_risk: 0,
                });
            u.employees += 1;
            u.overtime_minutes += a.month_overtime;
            u.holiday_minutes += a.month_holiday;
            u.at_risk += i64::from(a.level != crate::services::hr::overtime::OvertimeLevel::Ok);
            let mut summary = OvertimeSummary::from(a);
            summary.month = start;
            employees.push(OvertimeLine {
                org_unit: unit(ctx, e.org_unit_id).await?,
                employee: Employee(e),
                summary,
            });
        }
        let mut by_unit = Vec::new();
        for (id, mut u) in units {
            u.org_unit = unit(ctx, id).await?;
            by_unit.push(u);
        }
        Ok(OvertimeReport {
            employees: List(employees),
            units: List(by_unit),
        })
    }

    /// Statutory annual leave of everyone on a day (default today), flagging who has taken
    /// fewer than the five days a year the employer must see taken. Needs `VIEW_ATTENDANCE`.
    async fn leave_balance_report(
        &self,
        ctx: &Context<'_>,
        on: Option<NaiveDate>,
    ) -> GqlResult<Vec<LeaveBalanceLine>> {
        ctx.authorize(Permission::ViewAttendance)?;
        let rows = tx_read!(ctx, tx => {
            let on = match on {
                Some(d) => d,
                None => crate::services::hr::today(&crate::services::hr::settings(tx).await?),
            };
            reports::leave_balances(tx, on).await
        });
        Ok(rows
            .into_iter()
            .map(|l| LeaveBalanceLine {
                employee: Employee(l.employee),
                granted: Decimal(l.granted.normalize()),
                taken_in_grant_year: Decimal(l.taken_in_grant_year.normalize()),
                available: Decimal(l.available.normalize()),
                owes_five_days: l.owes_five_days,
            })
            .collect())
    }

    /// A run's payroll register: one line per payslip and the totals. Needs `VIEW_PAY`; the
    /// read is recorded in the personal-data access log.
    async fn payroll_register(
        &self,
        ctx: &Context<'_>,
        run_id: ID,
    ) -> GqlResult<Option<PayrollRegister>> {
        let session = ctx.authorize(Permission::ViewPay)?;
        let Some(id) = GlobalId::decode_for::<payroll_run::Entity>(&run_id) else {
            return Ok(None);
        };
        let Some((run, rows)) = tx_read!(ctx, tx => reports::register(tx, id).await) else {
            return Ok(None);
        };
        // Each employee's history of who read their pay shows the register.
        for (s, e) in &rows {
            crate::services::personal_data::read(
                &session.principal,
                &session.reads,
                Permission::ViewPay,
                "Payslip",
                s.id,
                e.as_ref().and_then(|e| e.user_id),
                "register",
                Some(""),
            )?;
        }
        let zero = rust_decimal::Decimal::ZERO;
        let (mut gross, mut deductions, mut net) = (zero, zero, zero);
        let lines = rows
            .into_iter()
            .map(|(s, e)| {
                gross += s.gross;
                deductions += s.deductions;
                net += s.net;
                PayrollRegisterLine {
                    employee: e.map(Employee),
                    payment_days: Decimal(s.payment_days.normalize()),
                    gross: Decimal(s.gross.normalize()),
                    social_insurance: Decimal(s.social_insurance.normalize()),
                    income_tax: Decimal(s.income_tax.normalize()),
                    deductions: Decimal(s.deductions.normalize()),
                    net: Decimal(s.net.normalize()),
                }
            })
            .collect();
        Ok(Some(PayrollRegister {
            number: run.number,
            period_start: run.period_start,
            lines,
            gross: Decimal(gross.normalize()),
            deductions: Decimal(deductions.normalize()),
            net: Decimal(net.normalize()),
        }))
    }

    /// Gross pay of posted payroll by cost centre (of each employee's unit) for the months
    /// starting in a range. Needs `VIEW_PAY`.
    async fn labour_cost_by_cost_centre(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<Vec<LabourCostLine>> {
        ctx.authorize(Permission::ViewPay)?;
        period(from, to)?;
        let rows = tx_read!(ctx, tx => reports::labour_cost(tx, from, to).await);
        let mut out = Vec::new();
        for c in rows {
            out.push(LabourCostLine {
                cost_centre: match c.cost_centre {
                    Some(cc) => load_one::<cost_centre::Entity>(ctx, Some(cc.id))
                        .await?
                        .map(CostCentre),
                    None => None,
                },
                employees: c.employees,
                gross: Decimal(c.gross.normalize()),
            });
        }
        Ok(out)
    }
}

/// The survey mutations.
#[derive(Default)]
pub struct SurveyMutation;

#[Object]
impl SurveyMutation {
    /// Writes a draft survey with its questions. Needs `MANAGE_HR`.
    async fn create_survey(
        &self,
        ctx: &Context<'_>,
        input: CreateSurveyInput,
    ) -> GqlResult<SurveyPayload> {
        let session = ctx.authorize(Permission::ManageHr)?;
        let tx = session.begin_write(ctx).await?;
        let actor = session.principal.actor_id;
        let out = match crate::graphql::resource::create_in::<survey::Entity, HrErrorCode>(
            &tx,
            &session.principal,
            &input,
        )
        .await?
        {
            Ok(row) => {
                surveys::write_questions(&tx, actor, row.id, &input.questions).await?;
                Ok(row)
            }
            Err(e) => Err(e),
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(SurveyPayload {
            survey: row.map(Survey),
            errors: List(errors),
        })
    }

    /// Opens a draft survey for answers. Needs `MANAGE_HR`.
    async fn open_survey(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<SurveyPayload> {
        survey_action(ctx, input, true).await
    }

    /// Closes an open survey. Needs `MANAGE_HR`.
    async fn close_survey(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<SurveyPayload> {
        survey_action(ctx, input, false).await
    }

    /// Answers an open survey, once, every question: who answered is recorded, what they
    /// answered is kept without anything that names them. Needs `SUBMIT_REQUESTS` and an
    /// employee record.
    async fn answer_survey(
        &self,
        ctx: &Context<'_>,
        input: AnswerSurveyInput,
    ) -> GqlResult<AnswerSurveyPayload> {
        let session = ctx.authorize(Permission::SubmitRequests)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<survey::Entity>(&input.survey_id) {
            None => refuse("surveyId", HrErrorCode::NotFound, "no such survey"),
            Some(id) => {
                let answers: Vec<(i32, i32)> =
                    input.answers.iter().map(|a| (a.seq, a.score)).collect();
                surveys::answer(&tx, session.principal.actor_id, id, &answers).await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(AnswerSurveyPayload {
            recorded: row.is_some(),
            errors: List(errors),
        })
    }
}

async fn survey_action(
    ctx: &Context<'_>,
    input: HrTransitionInput,
    open: bool,
) -> GqlResult<SurveyPayload> {
    let session = ctx.authorize(Permission::ManageHr)?;
    let tx = session.begin_write(ctx).await?;
    let out = match GlobalId::decode_for::<survey::Entity>(&input.id) {
        None => refuse("id", HrErrorCode::NotFound, "no such survey"),
        Some(id) => {
            surveys::act(
                &tx,
                session.principal.actor_id,
                id,
                input.expected_version,
                open,
            )
            .await?
        }
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(SurveyPayload {
        survey: row.map(Survey),
        errors: List(errors),
    })
}

/// Every report and survey query.
#[derive(async_graphql::MergedObject, Default)]
pub struct HrReportsQuery(SurveyListQuery, HrReportQuery);

/// Every survey mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct HrReportsMutation(SurveyMutation);
