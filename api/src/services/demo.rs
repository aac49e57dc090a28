//! The demo tenant: a believable mid-sized Japanese company, created once.

use chrono::NaiveDate;
use entity::org::org_unit;
use entity::platform;
use entity::{TenantId, TenantTx};
use sea_orm::{ActiveValue::Set, DatabaseConnection, IntoActiveModel};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::services::sessions;
use crate::services::tenants::{self, NewEmployee, NewTenant};

/// The demo tenant's slug.
pub const DEMO_SLUG: &str = "demo";
/// The demo tenant administrator's email.
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.urakata.example";
/// The demo tenant administrator's password. Public on purpose: production refuses demo data.
pub const DEMO_ADMIN_PASSWORD: &str = "urakata-demo-password";

/// Departments of the demo company: code, name, and how many people work there.
const UNITS: &[(&str, &str, usize)] = &[
    ("ACC", "経理部 Accounting & Finance", 7),
    ("HR", "人事部 Human Resources", 6),
    ("IT", "情報システム部 IT", 7),
    ("SCM", "物流部 Logistics & Supply Chain", 6),
    ("PUR", "購買部 Purchasing", 5),
    ("LEG", "法務部 Legal & Compliance", 4),
    ("SEC", "秘書室 Secretariat", 3),
    ("FAC", "施設管理部 Facilities", 5),
    ("GA", "総務部 General Affairs", 6),
];

const FAMILY: &[&str] = &[
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "山下",
    "中島",
];
const GIVEN: &[&str] = &[
    "翔太",
    "美咲",
    "大輔",
    "陽子",
    "健一",
    "さくら",
    "拓也",
    "恵",
    "直樹",
    "由美",
    "誠",
    "愛",
    "和也",
    "真由美",
    "亮",
    "彩",
    "隆",
    "奈々",
    "剛",
    "綾香",
    "悠斗",
    "千尋",
    "修",
    "優子",
    "浩二",
    "結衣",
    "達也",
    "智子",
];
const ROMAJI_FAMILY: &[&str] = &[
    "sato",
    "suzuki",
    "takahashi",
    "tanaka",
    "ito",
    "watanabe",
    "yamamoto",
    "nakamura",
    "kobayashi",
    "kato",
    "yoshida",
    "yamada",
    "sasaki",
    "yamaguchi",
    "matsumoto",
    "inoue",
    "kimura",
    "hayashi",
    "saito",
    "shimizu",
    "yamazaki",
    "mori",
    "ikeda",
    "hashimoto",
    "abe",
    "ishikawa",
    "yamashita",
    "nakajima",
];

/// Creates the demo tenant unless it exists. Returns the tenant id and its administrator's user
/// id either way, so the caller can mint a token for it.
pub async fn ensure(db: &DatabaseConnection) -> AppResult<(Uuid, Uuid)> {
    if let Some(t) = platform::find_tenant_by_slug(db, DEMO_SLUG).await? {
        let admin = platform::find_user_by_email(db, DEMO_ADMIN_EMAIL)
            .await?
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!(
                    "the demo tenant exists but its admin does not"
                ))
            })?;
        // Demo databases made before built-in sign-in existed (or before passwords moved to
        // memberships) have no password yet.
        sessions::ensure_password(db, TenantId(t.id), admin.id, DEMO_ADMIN_PASSWORD).await?;
        return Ok((t.id, admin.id));
    }
    let mut new = NewTenant::japanese(DEMO_SLUG, "株式会社うらかた (Urakata Demo Co., Ltd.)");
    new.is_demo = true;
    new.admin = Some((DEMO_ADMIN_EMAIL.into(), "Demo Admin".into()));
    let created = tenants::create_tenant_with(db, new, async |tx, admin| fill(tx, admin).await)
        .await?
        .map_err(tenants::problems_to_error)?;
    let admin = created
        .admin_user_id
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo admin missing")))?;
    sessions::set_password(db, TenantId(created.tenant.id), admin, DEMO_ADMIN_PASSWORD).await?;
    tracing::info!(tenant = %created.tenant.id, "created the demo tenant");
    Ok((created.tenant.id, admin))
}

/// The company tree and about fifty employees with managers. Names cycle deterministically, so
/// every fresh demo looks the same.
async fn fill(tx: &TenantTx, admin: Option<Uuid>) -> AppResult<()> {
    let root = tx
        .insert(tenants::new_unit(tx, "HQ", "本社 Head Office", None))
        .await?;
    let mut person = 0usize;
    let mut next = |unit: Uuid, manager: Option<Uuid>, user: Option<Uuid>| {
        let f = person % FAMILY.len();
        let g = (person * 7 + 3) % GIVEN.len();
        let hire = NaiveDate::from_ymd_opt(
            2008 + (person % 17) as i32,
            1 + (person % 12) as u32,
            1 + (person % 28) as u32,
        )
        .unwrap_or_default();
        person += 1;
        NewEmployee {
            number: format!("E{person:05}"),
            family: FAMILY[f],
            given: GIVEN[g],
            email: format!("{}.{person:03}@demo.urakata.example", ROMAJI_FAMILY[f]),
            unit: Some(unit),
            manager,
            hire_date: hire,
            user_id: user,
            national_id_number: Some(my_number(400_000_000 + person as u64 * 7_919)),
            bank_account: Some(format!(
                "みずほ銀行 本店 普通 {:07}",
                1_000_000 + person * 37
            )),
        }
    };
    // The president heads the company and is also the demo administrator's employee record.
    let president = tx
        .insert(next(root.id, None, admin).into_active(tx))
        .await?;
    set_manager(tx, root.clone(), president.id).await?;
    for (code, name, size) in UNITS {
        let unit = tx
            .insert(tenants::new_unit(tx, code, name, Some(root.id)))
            .await?;
        let head = tx
            .insert(next(unit.id, Some(president.id), None).into_active(tx))
            .await?;
        set_manager(tx, unit.clone(), head.id).await?;
        for _ in 1..*size {
            tx.insert(next(unit.id, Some(head.id), None).into_active(tx))
                .await?;
        }
    }
    Ok(())
}

async fn set_manager(tx: &TenantTx, unit: org_unit::Model, manager: Uuid) -> AppResult<()> {
    let mut am = unit.into_active_model();
    am.manager_id = Set(Some(manager));
    tx.update(am).await?;
    Ok(())
}

/// A made-up My Number: eleven digits from `seed` and the official check digit, so demo data
/// passes the same validation as real numbers.
fn my_number(seed: u64) -> String {
    let digits = format!("{:011}", seed % 100_000_000_000);
    // Weights from the right: 2..7 for the first six digits, 2..6 for the next five.
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i < 6 { i as u32 + 2 } else { i as u32 - 4 })
        .sum();
    let remainder = sum % 11;
    let check = if remainder <= 1 { 0 } else { 11 - remainder };
    format!("{digits}{check}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn my_number_check_digit() {
        // The check digit of 12345678901 is 8 (a published worked example).
        assert_eq!(super::my_number(12_345_678_901), "123456789018");
        assert_eq!(super::my_number(1).len(), 12);
    }
}
