//! The conversation rules against the shared cases in
//! `tests/vectors/conversation_rules.json`, which the UI's copies of these
//! rules are checked against too (`ui/tests/vectors.test.ts`), so the two
//! cannot drift apart.

use hearth_protocol::rules::{check_emoji, check_query, mentioned_names};
use serde_json::Value;

fn vectors(kind: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/conversation_rules.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = all[kind].as_array().unwrap().clone();
    assert!(cases.len() >= 5, "too few {kind} cases");
    cases
}

fn text<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap()
}

#[test]
fn mentions_are_read_as_the_cases_say() {
    for case in vectors("mentions") {
        let want: Vec<&str> = case["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(mentioned_names(text(&case, "text")), want, "{case}");
    }
}

#[test]
fn emojis_are_told_from_text_as_the_cases_say() {
    for case in vectors("emoji") {
        let ok = case["ok"].as_bool().unwrap();
        assert_eq!(check_emoji(text(&case, "text")).is_ok(), ok, "{case}");
    }
}

#[test]
fn search_queries_are_checked_as_the_cases_say() {
    for case in vectors("queries") {
        let ok = case["ok"].as_bool().unwrap();
        assert_eq!(check_query(text(&case, "query")).is_ok(), ok, "{case}");
    }
}
