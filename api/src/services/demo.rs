//! The demo tenant: a believable mid-sized Japanese company, created once.

use chrono::NaiveDate;
use entity::org::org_unit;
use entity::platform;
use entity::{TenantId, TenantTx};
use sea_orm::{ActiveValue::Set, DatabaseConnection, IntoActiveModel};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::graphql::resource::create_valid;
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
        cost_centre(tx, code, name, unit.id, head.id).await?;
        for _ in 1..*size {
            tx.insert(next(unit.id, Some(head.id), None).into_active(tx))
                .await?;
        }
    }
    parties_and_sites(tx).await?;
    approvals(tx, admin).await?;
    match admin {
        Some(admin) => {
            crate::services::hr::demo::setup(tx, admin).await?;
            crate::services::accounting::demo::books(tx, admin).await
        }
        None => Ok(()),
    }
}

/// An approval rule (purchases from ¥100,000 need a tenant administrator and, from ¥1,000,000,
/// a finance manager too) and a draft purchase request of the administrator's to submit.
async fn approvals(tx: &TenantTx, admin: Option<Uuid>) -> AppResult<()> {
    use crate::graphql::approvals::{
        ApprovalMode, ApprovalTierInput, ApproverInput, ApproverKind, CreateApprovalRuleInput,
    };
    use crate::graphql::scalars::Decimal;
    let role = |tier: &str, role: &str, min: Option<i64>| ApprovalTierInput {
        name: tier.into(),
        mode: ApprovalMode::Any,
        min_amount: min.map(|m| Decimal(rust_decimal::Decimal::from(m))),
        approvers: vec![ApproverInput {
            kind: ApproverKind::Role,
            role: Some(role.into()),
            user_id: None,
            level: None,
        }],
    };
    create_valid::<entity::kernel::approval_rule::Entity>(
        tx,
        &CreateApprovalRuleInput {
            document_type: "PurchaseRequest".into(),
            name: "Purchases from ¥100,000".into(),
            description: Some("Smaller purchases are approved at submission.".into()),
            priority: 10,
            currency: Some("JPY".into()),
            min_amount: Some(Decimal(rust_decimal::Decimal::from(100_000))),
            max_amount: None,
            cost_centre_id: None,
            org_unit_id: None,
            category: None,
            tiers: vec![
                role("Administration", "tenant_admin", None),
                role("Finance", "finance_manager", Some(1_000_000)),
            ],
        },
    )
    .await?;
    // Rules fail closed (a request no rule covers is refused), so say what needs no approval.
    create_valid::<entity::kernel::approval_rule::Entity>(
        tx,
        &CreateApprovalRuleInput {
            document_type: "PurchaseRequest".into(),
            name: "Everything else".into(),
            description: Some("Approved at submission.".into()),
            priority: 100,
            currency: None,
            min_amount: None,
            max_amount: None,
            cost_centre_id: None,
            org_unit_id: None,
            category: None,
            tiers: Vec::new(),
        },
    )
    .await?;
    let Some(admin) = admin else { return Ok(()) };
    let mut pr = entity::purchasing::purchase_request::ActiveModel {
        number: Set(crate::services::numbering::allocate(
            tx,
            crate::services::numbering::DocumentType::PurchaseRequest,
            chrono::Utc::now().date_naive(),
        )
        .await?),
        title: Set("ノートPC 2台 (two laptops)".into()),
        description: Set(Some(
            "For the two new members of the accounting team.".into(),
        )),
        requester_user_id: Set(admin),
        cost_centre_id: Set(None),
        org_unit_id: Set(None),
        category: Set(Some("IT".into())),
        amount: Set(rust_decimal::Decimal::from(96_000)),
        currency: Set("JPY".into()),
        needed_by: Set(None),
        status: Set("draft".into()),
        submitted_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<entity::purchasing::purchase_request::Entity>(
        &mut pr,
        Some(admin),
    )?;
    tx.insert::<entity::purchasing::purchase_request::Entity, _>(pr)
        .await?;
    Ok(())
}

/// One cost centre per unit, owned by it and run by its head.
async fn cost_centre(
    tx: &TenantTx,
    unit_code: &str,
    unit_name: &str,
    unit: Uuid,
    head: Uuid,
) -> AppResult<()> {
    use crate::graphql::core::GlobalId;
    use entity::org::{employee, org_unit};
    let input = crate::graphql::org::CreateCostCentreInput {
        code: format!("CC-{unit_code}"),
        name: format!("{unit_name} cost centre"),
        description: None,
        org_unit_id: Some(GlobalId::of::<org_unit::Entity>(unit)),
        manager_id: Some(GlobalId::of::<employee::Entity>(head)),
    };
    create_valid::<entity::org::cost_centre::Entity>(tx, &input).await?;
    Ok(())
}

/// Customers and suppliers with Japanese qualified invoice numbers, sites and tags.
async fn parties_and_sites(tx: &TenantTx) -> AppResult<()> {
    use crate::graphql::org::{
        AddressInput, CreateLocationInput, CreatePartyInput, CreateTagInput, LocationKind,
        PartyKind,
    };
    use crate::graphql::scalars::Decimal;
    use entity::org::{location, party, tag};
    let address = |postal: &str, region: &str, city: &str, line1: &str| AddressInput {
        country: Some("JP".into()),
        postal_code: Some(postal.into()),
        region: Some(region.into()),
        city: Some(city.into()),
        line1: Some(line1.into()),
        line2: None,
    };
    for (code, name, kind, postal, region, city, line1) in [
        (
            "TYO-HQ",
            "本社 東京",
            LocationKind::Office,
            "100-0005",
            "東京都",
            "千代田区",
            "丸の内1-1-1",
        ),
        (
            "OSA",
            "大阪支店",
            LocationKind::Office,
            "530-0001",
            "大阪府",
            "大阪市北区",
            "梅田2-2-2",
        ),
        (
            "SAI-WH",
            "埼玉物流センター",
            LocationKind::Warehouse,
            "330-0854",
            "埼玉県",
            "さいたま市大宮区",
            "桜木町3-3-3",
        ),
        (
            "TYO-DC",
            "東京データセンター",
            LocationKind::DataCentre,
            "135-0064",
            "東京都",
            "江東区",
            "青海4-4-4",
        ),
    ] {
        let input = CreateLocationInput {
            code: code.into(),
            name: name.into(),
            kind: Some(kind),
            address: Some(address(postal, region, city, line1)),
        };
        create_valid::<location::Entity>(tx, &input).await?;
    }
    // (code, name, kana, customer, supplier, terms, limit, corporate-number seed)
    type DemoParty = (
        &'static str,
        &'static str,
        &'static str,
        bool,
        bool,
        i32,
        i64,
        u64,
    );
    let parties: [DemoParty; 12] = [
        (
            "C-0001",
            "株式会社さくら商事",
            "サクラショウジ",
            true,
            false,
            30,
            5_000_000,
            1_010_001_000_001,
        ),
        (
            "C-0002",
            "みなと電機株式会社",
            "ミナトデンキ",
            true,
            false,
            60,
            20_000_000,
            1_010_001_000_002,
        ),
        (
            "C-0003",
            "株式会社ひかりフーズ",
            "ヒカリフーズ",
            true,
            false,
            30,
            3_000_000,
            1_010_001_000_003,
        ),
        (
            "C-0004",
            "北斗建設株式会社",
            "ホクトケンセツ",
            true,
            false,
            45,
            50_000_000,
            1_010_001_000_004,
        ),
        (
            "C-0005",
            "株式会社青葉メディカル",
            "アオバメディカル",
            true,
            false,
            30,
            8_000_000,
            1_010_001_000_005,
        ),
        (
            "S-0001",
            "株式会社オフィスサプライ東京",
            "オフィスサプライトウキョウ",
            false,
            true,
            30,
            0,
            1_010_001_000_101,
        ),
        (
            "S-0002",
            "日本クラウドサービス株式会社",
            "ニホンクラウドサービス",
            false,
            true,
            30,
            0,
            1_010_001_000_102,
        ),
        (
            "S-0003",
            "株式会社まるやま運輸",
            "マルヤマウンユ",
            false,
            true,
            45,
            0,
            1_010_001_000_103,
        ),
        (
            "S-0004",
            "東邦ビルメンテナンス株式会社",
            "トウホウビルメンテナンス",
            false,
            true,
            30,
            0,
            1_010_001_000_104,
        ),
        (
            "S-0005",
            "やまと法律事務所",
            "ヤマトホウリツジムショ",
            false,
            true,
            30,
            0,
            1_010_001_000_105,
        ),
        (
            "S-0006",
            "株式会社テクノリース",
            "テクノリース",
            false,
            true,
            60,
            0,
            1_010_001_000_106,
        ),
        (
            "B-0001",
            "株式会社あおぞら物産",
            "アオゾラブッサン",
            true,
            true,
            30,
            10_000_000,
            1_010_001_000_201,
        ),
    ];
    for (code, name, kana, customer, supplier, terms, limit, seed) in parties {
        let input = CreatePartyInput {
            code: code.into(),
            name: name.into(),
            name_kana: Some(kana.into()),
            kind: Some(PartyKind::Company),
            is_customer: customer,
            is_supplier: supplier,
            tax_registration_number: Some(invoice_number(seed)),
            email: Some(format!("billing@{}.example", code.to_lowercase())),
            phone: Some("03-1234-5678".into()),
            payment_terms_days: Some(terms),
            currency: None,
            credit_limit: (limit > 0).then(|| Decimal(limit.into())),
            address: Some(address("100-0005", "東京都", "千代田区", "丸の内1-1-1")),
        };
        create_valid::<party::Entity>(tx, &input).await?;
    }
    for (name, color) in [
        ("重要 Important", "#D32F2F"),
        ("要確認 To check", "#F9A825"),
        ("完了 Done", "#388E3C"),
    ] {
        let input = CreateTagInput {
            name: name.into(),
            color: Some(color.into()),
            description: None,
        };
        create_valid::<tag::Entity>(tx, &input).await?;
    }
    Ok(())
}

/// A made-up qualified invoice issuer number: `T`, the check digit, and twelve digits from
/// `seed`, so demo data passes the same validation as real numbers.
pub fn invoice_number(seed: u64) -> String {
    let digits = format!("{:012}", seed % 1_000_000_000_000);
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    format!("T{}{digits}", 9 - sum % 9)
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

    #[test]
    fn invoice_numbers_validate() {
        assert_eq!(super::invoice_number(12_050_002), "T7000012050002");
        assert!(crate::services::org::valid_invoice_number(
            &super::invoice_number(1_010_001_000_105)
        ));
    }
}
