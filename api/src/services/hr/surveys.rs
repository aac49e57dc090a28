//! Employee satisfaction surveys with anonymous answers.
//!
//! Invariants:
//! - an employee answers an open survey once (a participation row, unique per survey and
//!   employee), every question on a scale of 1 to 5;
//! - nothing links an answer to its author: answers are stored without an author, under a
//!   random (v4, not time-ordered) id, with the day only, outside the audit trail;
//! - results are averages only, read once the survey is closed (results that move with each
//!   answer would give answers away); a unit with fewer answers than the survey's minimum
//!   group size is folded into "other", and when "other" is still too small the smallest shown
//!   units join it, so no hidden group can be recovered by subtraction; nothing is shown while
//!   the survey has fewer answers than the minimum.

use std::collections::BTreeMap;

use chrono::{Timelike, Utc};
use entity::TenantTx;
use entity::hr::{survey, survey_participation, survey_question, survey_response};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Checked, HrErrorCode as E, refuse};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::hr_reports::{
    CreateSurveyInput, Survey, SurveyFilter, SurveyOrder, SurveyPatch, SurveyStatus,
};
use crate::graphql::listing::DbEnum;
use crate::graphql::resource::{Editable, Problems, Resource};
use crate::services::workflow::advance;

type P = Problems<E>;

impl Resource for survey::Entity {
    type Node = Survey;
    type Filter = SurveyFilter;
    type Order = SurveyOrder;
    // Employees see the surveys to answer them.
    const VIEW: Permission = Permission::SubmitRequests;
}

fn check_questions(p: &mut P, path: &str, questions: &[String]) -> Vec<String> {
    if questions.is_empty() || questions.len() > 50 {
        p.row(path, E::Invalid, "1 to 50 questions");
    }
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| p.required_text(&format!("{path}.{i}"), q, 500))
        .collect()
}

impl Editable for survey::Entity {
    type Create = CreateSurveyInput;
    type Patch = SurveyPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHr;

    async fn create(
        _tx: &TenantTx,
        input: &CreateSurveyInput,
        p: &mut P,
    ) -> AppResult<survey::ActiveModel> {
        let min = input.min_group_size.unwrap_or(5);
        if !(3..=100).contains(&min) {
            p.row(
                "minGroupSize",
                E::Invalid,
                "3 to 100 (smaller groups could be identified)",
            );
        }
        check_questions(p, "questions", &input.questions);
        Ok(survey::ActiveModel {
            title: Set(p.required_text("title", &input.title, 200)),
            min_group_size: Set(min),
            status: Set(SurveyStatus::Draft.db().into()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &survey::Model,
        patch: &SurveyPatch,
        p: &mut P,
    ) -> AppResult<survey::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(t) = &patch.title {
            am.title = Set(p.required_text("patch.title", t, 200));
        }
        Ok(am)
    }
}

/// Writes a new survey's questions (called after the survey row is created).
pub async fn write_questions(
    tx: &TenantTx,
    actor: Uuid,
    survey: Uuid,
    questions: &[String],
) -> AppResult<()> {
    for (i, text) in questions.iter().enumerate() {
        let mut am = survey_question::ActiveModel {
            survey_id: Set(survey),
            seq: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            text: Set(text.trim().to_owned()),
            archived_at: Set(None),
            ..Default::default()
        };
        crate::graphql::resource::stamp_new::<survey_question::Entity>(&mut am, Some(actor))?;
        tx.insert::<survey_question::Entity, _>(am).await?;
    }
    Ok(())
}

/// A survey's questions, in order.
pub async fn questions(tx: &TenantTx, survey: Uuid) -> AppResult<Vec<survey_question::Model>> {
    Ok(tx
        .all(tx.select::<survey_question::Entity>().refine(|q| {
            q.filter(survey_question::Column::SurveyId.eq(survey))
                .order_by_asc(survey_question::Column::Seq)
        }))
        .await?)
}

/// Opens a draft survey or closes an open one.
pub async fn act(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    open: bool,
) -> AppResult<Checked<survey::Model>> {
    let Some(row) = tx.get_for_update::<survey::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such survey"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    let (from, to) = if open {
        (SurveyStatus::Draft, SurveyStatus::Open)
    } else {
        (SurveyStatus::Open, SurveyStatus::Closed)
    };
    if row.status != from.db() {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            format!("the survey is {}", row.status),
        ));
    }
    Ok(Ok(advance::<survey::Entity, _>(
        tx,
        Some(actor),
        &row,
        if open { "opened" } else { "closed" },
        |am| am.status = Set(to.db().into()),
    )
    .await?))
}

/// Records the caller's answers: a participation (who answered) and, apart from it, the
/// answers (what was answered) with nothing that names the author.
pub async fn answer(
    tx: &TenantTx,
    actor: Uuid,
    survey_id: Uuid,
    answers: &[(i32, i32)],
) -> AppResult<Checked<()>> {
    let Some(emp) = super::employee_of_user(tx, actor).await? else {
        return Ok(refuse("", E::NotLinked, "your user has no employee record"));
    };
    // The survey's row lock orders answers against closing: none lands after the survey
    // closed (results, fixed once closed, would then move by exactly that answer).
    let Some(row) = tx.get_for_update::<survey::Entity>(survey_id).await? else {
        return Ok(refuse("surveyId", E::NotFound, "no such survey"));
    };
    if row.status != "open" {
        return Ok(refuse("surveyId", E::Locked, "the survey is not open"));
    }
    let qs = questions(tx, survey_id).await?;
    let mut given: BTreeMap<i32, i32> = BTreeMap::new();
    for (i, (seq, score)) in answers.iter().enumerate() {
        if !(1..=5).contains(score) {
            return Ok(refuse(&format!("answers.{i}.score"), E::Invalid, "1 to 5"));
        }
        if !qs.iter().any(|q| q.seq == *seq) || given.insert(*seq, *score).is_some() {
            return Ok(refuse(
                &format!("answers.{i}.seq"),
                E::Invalid,
                "each question once",
            ));
        }
    }
    if given.len() != qs.len() {
        return Ok(refuse(
            "answers",
            E::Required,
            format!("all {} questions", qs.len()),
        ));
    }
    record(tx, actor, &emp, survey_id, &given).await
}

/// Writes an employee's answers (checked by the caller): the participation, and apart from it
/// the anonymous response. `DUPLICATE` when they answered already.
pub async fn record(
    tx: &TenantTx,
    actor: Uuid,
    emp: &entity::org::employee::Model,
    survey_id: Uuid,
    given: &BTreeMap<i32, i32>,
) -> AppResult<Checked<()>> {
    super::lock_employee(tx, emp.id).await?;
    let done = tx
        .one(tx.select::<survey_participation::Entity>().refine(|q| {
            q.filter(survey_participation::Column::SurveyId.eq(survey_id))
                .filter(survey_participation::Column::EmployeeId.eq(emp.id))
        }))
        .await?;
    if done.is_some() {
        return Ok(refuse(
            "surveyId",
            E::Duplicate,
            "you answered this survey already",
        ));
    }
    let mut part = survey_participation::ActiveModel {
        survey_id: Set(survey_id),
        employee_id: Set(emp.id),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<survey_participation::Entity>(&mut part, Some(actor))?;
    tx.insert::<survey_participation::Entity, _>(part).await?;
    // The day only, a random id, no author and no audit entry.
    let day = Utc::now()
        .with_hour(0)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or_else(Utc::now);
    let am = survey_response::ActiveModel {
        tenant_id: Set(tx.tenant().uuid()),
        id: Set(Uuid::new_v4()),
        survey_id: Set(survey_id),
        org_unit_id: Set(emp.org_unit_id),
        answers: Set(serde_json::to_string(given).unwrap_or_default()),
        version: Set(1),
        created_at: Set(day),
        updated_at: Set(day),
        created_by: Set(None),
        updated_by: Set(None),
        archived_at: Set(None),
    };
    tx.insert::<survey_response::Entity, _>(am).await?;
    Ok(Ok(()))
}

/// One question's result.
pub struct QuestionResult {
    /// The question.
    pub question: survey_question::Model,
    /// The average over every answer (none below the minimum group size).
    pub average: Option<Decimal>,
    /// By unit: the unit (none for "other"), its answers and average.
    pub groups: Vec<(Option<Uuid>, i64, Decimal)>,
}

/// A survey's aggregated results.
pub struct Results {
    /// Answers received.
    pub responses: i64,
    /// Employees who answered (the same number, counted from participations).
    pub participants: i64,
    /// Per question.
    pub questions: Vec<QuestionResult>,
}

/// Aggregates a survey's answers, suppressing groups smaller than its minimum.
pub async fn results(tx: &TenantTx, survey_id: Uuid) -> AppResult<Option<Results>> {
    let Some(row) = tx.get::<survey::Entity>(survey_id).await? else {
        return Ok(None);
    };
    let min = i64::from(row.min_group_size);
    let qs = questions(tx, survey_id).await?;
    let responses = tx
        .all(
            tx.select::<survey_response::Entity>()
                .refine(|q| q.filter(survey_response::Column::SurveyId.eq(survey_id))),
        )
        .await?;
    let participants = tx
        .count(
            tx.select::<survey_participation::Entity>()
                .refine(|q| q.filter(survey_participation::Column::SurveyId.eq(survey_id))),
        )
        .await? as i64;
    let parsed: Vec<(Option<Uuid>, BTreeMap<i32, i32>)> = responses
        .iter()
        .map(|r| {
            (
                r.org_unit_id,
                serde_json::from_str(&r.answers).unwrap_or_default(),
            )
        })
        .collect();
    let total = parsed.len() as i64;
    let mut per_unit: BTreeMap<Option<Uuid>, i64> = BTreeMap::new();
    for (u, _) in &parsed {
        *per_unit.entry(*u).or_default() += 1;
    }
    // Units below the minimum are folded into "other" (the None group). When "other" is then
    // still too small to show, the smallest shown units join it until it is not (or none is
    // left): otherwise the total less the shown units would give the hidden group away.
    let mut shown: Vec<(i64, Uuid)> = per_unit
        .iter()
        .filter_map(|(u, n)| u.filter(|_| *n >= min).map(|u| (*n, u)))
        .collect();
    shown.sort();
    let mut other: i64 = total - shown.iter().map(|(n, _)| n).sum::<i64>();
    while other > 0 && other < min && !shown.is_empty() {
        let (n, _) = shown.remove(0);
        other += n;
    }
    let shown: std::collections::BTreeSet<Uuid> = shown.into_iter().map(|(_, u)| u).collect();
    let shown = |u: &Option<Uuid>| u.is_some_and(|u| shown.contains(&u));
    let mut out = Vec::new();
    for q in qs {
        let all: Vec<i32> = parsed
            .iter()
            .filter_map(|(_, a)| a.get(&q.seq).copied())
            .collect();
        let mut groups: BTreeMap<Option<Uuid>, Vec<i32>> = BTreeMap::new();
        for (u, a) in &parsed {
            if let Some(s) = a.get(&q.seq) {
                let key = if shown(u) { *u } else { None };
                groups.entry(key).or_default().push(*s);
            }
        }
        let groups = if total < min {
            Vec::new()
        } else {
            groups
                .into_iter()
                .filter(|(_, s)| s.len() as i64 >= min)
                .map(|(u, s)| (u, s.len() as i64, super::average(&s).unwrap_or_default()))
                .collect()
        };
        out.push(QuestionResult {
            question: q,
            average: if total >= min {
                super::average(&all)
            } else {
                None
            },
            groups,
        });
    }
    Ok(Some(Results {
        responses: total,
        participants,
        questions: out,
    }))
}
