//! The committed JSON Schema of the status document (`docs/status.schema.json`) is the one the
//! type makes: a change to the type that forgets the schema fails here, and so in CI.

use std::path::Path;

use pinghu::daemon::status::Status;

#[test]
fn the_committed_status_schema_is_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/status.schema.json");
    let generated = Status::schema_json();
    if std::env::var_os("PINGHU_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/status.schema.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/status.schema.json differs from the status type (controller/daemon/src/status/): \
         regenerate it with `PINGHU_BLESS=1 cargo test -p pinghu --test status_schema`, check the \
         difference and docs/mqtt.md, and commit it"
    );
}

/// The schema accepts what the daemon writes: every field the type writes is in it.
#[test]
fn the_schema_names_every_field_of_the_document() {
    let schema: serde_json::Value = serde_json::from_str(&Status::schema_json()).unwrap();
    let props = schema["properties"].as_object().unwrap();
    let doc = serde_json::to_value(Status::default()).unwrap();
    for key in doc.as_object().unwrap().keys() {
        assert!(props.contains_key(key), "{key} is not in the schema");
    }
}
