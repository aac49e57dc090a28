//! Configuration: layering, rejection of unknown keys, secrets, and production refusal.
// `figment::Jail` closures return `figment::Error`, which is large by design.
#![allow(clippy::result_large_err)]

use api::config::{DEV_JWT_SECRET, LogFormat, Mode, Settings};
use figment::Jail;

fn load(jail: &Jail, file: Option<&str>) -> Result<Settings, String> {
    let path = file.map(|f| jail.directory().join(f));
    Settings::load(path.as_deref()).map_err(|e| e.to_string())
}

#[test]
fn defaults_are_the_embedded_default() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        let s = load(jail, None)?;
        assert_eq!(s.mode, Mode::Development);
        assert_eq!((s.http.host.as_str(), s.http.port), ("127.0.0.1", 8080));
        assert!(
            s.database_url().is_none(),
            "no database URL means embedded SQLite"
        );
        assert!(
            s.redis_url().is_none(),
            "no Redis URL means the in-process cache"
        );
        assert!(s.demo.enabled);
        assert!(!s.json_logs());
        Ok(())
    });
}

#[test]
fn file_overrides_defaults_and_env_overrides_file() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "urakata.toml",
            r#"
            [http]
            port = 9000
            host = "0.0.0.0"
            [log]
            format = "json"
            "#,
        )?;
        let s = load(jail, Some("urakata.toml"))?;
        assert_eq!(s.http.port, 9000, "the file overrides the default");
        assert_eq!(s.log.format, LogFormat::Json);

        jail.set_env("URAKATA_HTTP__PORT", "9100");
        jail.set_env("DATABASE_URL", "postgres://u:p@db.internal/urakata");
        jail.set_env("REDIS_URL", "redis://cache.internal:6379");
        let s = load(jail, Some("urakata.toml"))?;
        assert_eq!(s.http.port, 9100, "the environment overrides the file");
        assert_eq!(
            s.http.host, "0.0.0.0",
            "untouched keys keep the file's value"
        );
        assert_eq!(s.database_url(), Some("postgres://u:p@db.internal/urakata"));
        assert_eq!(s.redis_url(), Some("redis://cache.internal:6379"));

        // URAKATA_CONFIG names the file when --config is absent.
        jail.set_env("URAKATA_CONFIG", "urakata.toml");
        let s = Settings::load(None).map_err(|e| e.to_string())?;
        assert_eq!(s.log.format, LogFormat::Json);
        Ok(())
    });
}

#[test]
fn unknown_keys_are_rejected_in_every_layer() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file("typo.toml", "[http]\nprot = 9000\n")?;
        let err = load(jail, Some("typo.toml")).expect_err("unknown key in the file");
        assert!(err.contains("prot"), "the error names the key: {err}");

        jail.create_file("section.toml", "[htpp]\nport = 9000\n")?;
        let err = load(jail, Some("section.toml")).expect_err("unknown section in the file");
        assert!(err.contains("htpp"), "{err}");

        jail.set_env("URAKATA_HTTP__PROT", "9000");
        let err = load(jail, None).expect_err("unknown key in the environment");
        assert!(err.contains("prot"), "{err}");
        Ok(())
    });
}

#[test]
fn wrong_types_and_missing_files_are_rejected() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("URAKATA_HTTP__PORT", "eighty");
        assert!(load(jail, None).is_err(), "a port must be a number");
        jail.clear_env();
        assert!(
            load(jail, Some("missing.toml")).is_err(),
            "a named file must exist"
        );
        jail.set_env("URAKATA_MODE", "staging");
        assert!(load(jail, None).is_err(), "unknown mode");
        Ok(())
    });
}

#[test]
fn secrets_never_print() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env(
            "URAKATA_AUTH__JWT_SECRET",
            "a-very-secret-signing-key-of-sufficient-length",
        );
        jail.set_env(
            "DATABASE_URL",
            "postgres://user:hunter2-password@db/urakata",
        );
        let s = load(jail, None)?;
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("a-very-secret"),
            "the signing secret leaked: {shown}"
        );
        assert!(
            !shown.contains("hunter2"),
            "the database password leaked: {shown}"
        );
        Ok(())
    });
}

#[test]
fn production_refuses_unsafe_settings() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("URAKATA_MODE", "production");
        jail.set_env("URAKATA_DEMO__ENABLED", "false");
        jail.set_env("DATABASE_URL", "postgres://u@db/urakata");
        let err = load(jail, None).expect_err("the development secret is refused");
        assert!(err.contains("signing secret"), "{err}");

        jail.set_env(
            "URAKATA_AUTH__JWT_SECRET",
            "production-secret-0123456789-abcdefghijkl",
        );
        jail.set_env("URAKATA_DEMO__ENABLED", "true");
        let err = load(jail, None).expect_err("demo data is refused");
        assert!(err.contains("demo"), "{err}");

        jail.set_env("URAKATA_DEMO__ENABLED", "false");
        jail.set_env("DATABASE_URL", "");
        let err = load(jail, None).expect_err("SQLite is refused");
        assert!(err.contains("PostgreSQL"), "{err}");

        jail.set_env("DATABASE_URL", "postgres://u@db/urakata");
        let s = load(jail, None)?;
        assert!(s.json_logs(), "production logs JSON");
        Ok(())
    });
}

#[test]
fn short_secrets_and_bad_urls_are_refused() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("URAKATA_AUTH__JWT_SECRET", "short");
        assert!(load(jail, None).is_err());
        jail.clear_env();
        jail.set_env("DATABASE_URL", "mysql://u@db/x");
        assert!(load(jail, None).is_err());
        jail.clear_env();
        jail.set_env("REDIS_URL", "http://cache");
        assert!(load(jail, None).is_err());
        Ok(())
    });
}

#[test]
fn the_development_secret_is_the_default() {
    use secrecy::ExposeSecret;
    assert_eq!(
        Settings::default().auth.jwt_secret.expose_secret(),
        DEV_JWT_SECRET
    );
}

#[test]
fn every_setting_is_documented_in_the_readme() {
    fn keys(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v.as_object() {
            Some(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    keys(&key, v, out);
                }
            }
            None => out.push(prefix.to_owned()),
        }
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README");
    let mut all = Vec::new();
    keys(
        "",
        &serde_json::to_value(Settings::default()).expect("serialize"),
        &mut all,
    );
    let missing: Vec<_> = all
        .iter()
        .filter(|k| !readme.contains(&format!("| `{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's configuration table lacks {missing:?}"
    );
}
