//! In-app notifications: written in the transaction of the change they tell about, so a
//! notification exists exactly when its cause committed, and delivered live to the recipient's
//! `notificationReceived` subscription by the event dispatcher.

use entity::TenantTx;
use entity::kernel::notification;
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::error::AppResult;
use crate::graphql::resource::stamp_new;

/// What a notification is about.
pub struct Notice<'a> {
    /// A stable kind (`approval_waiting`, `approval_approved`, ...), for clients to pick icons.
    pub kind: &'a str,
    /// One line, at most 200 characters.
    pub title: String,
    /// More detail, at most 1000 characters.
    pub body: Option<String>,
    /// The record it is about (type name and id).
    pub subject: Option<(&'a str, Uuid)>,
}

/// Notifies each recipient once (duplicates are dropped).
pub async fn notify(tx: &TenantTx, recipients: &[Uuid], notice: &Notice<'_>) -> AppResult<()> {
    let mut seen = Vec::with_capacity(recipients.len());
    for &user in recipients {
        if seen.contains(&user) {
            continue;
        }
        seen.push(user);
        let mut am = notification::ActiveModel {
            recipient_user_id: Set(user),
            kind: Set(notice.kind.to_owned()),
            title: Set(notice.title.chars().take(200).collect()),
            body: Set(notice.body.as_ref().map(|b| b.chars().take(1000).collect())),
            subject_type: Set(notice.subject.map(|(t, _)| t.to_owned())),
            subject_id: Set(notice.subject.map(|(_, id)| id)),
            read_at: Set(None),
            archived_at: Set(None),
            ..Default::default()
        };
        stamp_new::<notification::Entity>(&mut am, tx.actor().id)?;
        tx.insert::<notification::Entity, _>(am).await?;
    }
    Ok(())
}
