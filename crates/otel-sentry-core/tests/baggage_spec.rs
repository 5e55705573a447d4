//! W3C Baggage: one test per rule of the specification text (§3.3 Definition,
//! §3.3.1 baggage-string, key, value, property, §3.3.2 Limits, §3.5 Mutations).

mod common;

use std::collections::HashMap;

use common::extract;
use opentelemetry::baggage::Baggage;
use otel_sentry_core::BaggageMemberError;
use otel_sentry_core::codecs::{
    baggage, baggage::BaggageMember, baggage::MAX_BYTES, baggage::MAX_MEMBERS, baggage::parse_lines,
};

fn value<'a>(baggage: &'a Baggage, key: &str) -> Option<&'a str> {
    baggage.get(key).map(|value| value.as_str())
}

fn metadata<'a>(baggage: &'a Baggage, key: &str) -> Option<&'a str> {
    baggage
        .get_with_metadata(key)
        .map(|(_, metadata)| metadata.as_str())
}

/// The members of a sent header, decoded again.
fn sent_members(header: &str) -> HashMap<String, String> {
    let baggage = parse_lines(&[header]);
    baggage
        .iter()
        .map(|(key, (value, _))| (key.as_str().to_owned(), value.as_str().to_owned()))
        .collect()
}

#[test]
fn header_is_read_from_the_request() {
    let incoming = extract(&[(
        "baggage",
        "userId=alice,serverNode=DF%2028,isProduction=false",
    )]);
    assert_eq!(value(&incoming.baggage, "userId"), Some("alice"));
    assert_eq!(value(&incoming.baggage, "serverNode"), Some("DF 28"));
    assert_eq!(value(&incoming.baggage, "isProduction"), Some("false"));
}

#[test]
fn multiple_headers_are_combined() {
    let incoming = extract(&[
        ("baggage", "userId=alice"),
        ("baggage", "serverNode=DF%2028,isProduction=false"),
    ]);
    assert_eq!(incoming.baggage.len(), 3);
}

#[test]
fn optional_whitespace_around_key_equals_and_value_is_ignored() {
    let baggage = parse_lines(&[
        "userId =   alice",
        " serverNode = DF%2028, isProduction = false \t",
    ]);
    assert_eq!(value(&baggage, "userId"), Some("alice"));
    assert_eq!(value(&baggage, "serverNode"), Some("DF 28"));
    assert_eq!(value(&baggage, "isProduction"), Some("false"));
}

#[test]
fn key_is_a_case_sensitive_token() {
    let baggage = parse_lines(&["userId=a,userid=b,!#$%&'*+-.^_`|~09AZaz=c"]);
    assert_eq!(value(&baggage, "userId"), Some("a"));
    assert_eq!(value(&baggage, "userid"), Some("b"));
    assert_eq!(value(&baggage, "!#$%&'*+-.^_`|~09AZaz"), Some("c"));
}

#[test]
fn key_that_is_not_a_token_drops_the_member() {
    for member in ["bad key=1", "bad/key=1", "=1", "k\"ey=1", "caf\u{e9}=1"] {
        assert_eq!(
            BaggageMember::parse(member),
            Err(BaggageMemberError::InvalidKey),
            "{member}"
        );
    }
}

#[test]
fn value_is_percent_decoded_as_utf8() {
    let baggage = parse_lines(&["userId=Am%C3%A9lie,greeting=hello%20world%2C%20%3Bfriend%25"]);
    assert_eq!(value(&baggage, "userId"), Some("Amélie"));
    assert_eq!(value(&baggage, "greeting"), Some("hello world, ;friend%"));
}

#[test]
fn percent_decoded_bytes_that_are_not_utf8_become_replacement_characters() {
    let baggage = parse_lines(&["a=%80,b=%C3,c=hello%80world"]);
    assert_eq!(value(&baggage, "a"), Some("\u{fffd}"));
    assert_eq!(value(&baggage, "b"), Some("\u{fffd}"));
    assert_eq!(value(&baggage, "c"), Some("hello\u{fffd}world"));
}

#[test]
fn value_may_contain_equals_signs() {
    let baggage = parse_lines(&["SomeKey=SomeValue=equals"]);
    assert_eq!(value(&baggage, "SomeKey"), Some("SomeValue=equals"));
}

#[test]
fn value_may_be_empty() {
    let baggage = parse_lines(&["SomeKey=,Other \t = \t ;prop"]);
    assert_eq!(value(&baggage, "SomeKey"), Some(""));
    assert_eq!(value(&baggage, "Other"), Some(""));
    assert_eq!(metadata(&baggage, "Other"), Some("prop"));
}

#[test]
fn value_with_a_character_that_must_be_encoded_drops_the_member() {
    for member in ["k=a b", "k=a\"b", "k=a\\b", "k=a\tb"] {
        assert_eq!(
            BaggageMember::parse(member),
            Err(BaggageMemberError::InvalidValue),
            "{member:?}"
        );
    }
}

#[test]
fn percent_sign_is_always_an_escape() {
    for member in ["k=100%", "k=%2", "k=%zz", "k=%%41"] {
        assert_eq!(
            BaggageMember::parse(member),
            Err(BaggageMemberError::InvalidValue),
            "{member}"
        );
    }
    assert_eq!(value(&parse_lines(&["k=%2a%2A"]), "k"), Some("**"));
}

#[test]
fn properties_follow_the_value() {
    let baggage = parse_lines(&[
        "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
    ]);
    assert_eq!(metadata(&baggage, "key1"), Some("property1;property2"));
    assert_eq!(metadata(&baggage, "key2"), Some(""));
    assert_eq!(
        metadata(&baggage, "key3"),
        Some("propertyKey=propertyValue")
    );
}

#[test]
fn optional_whitespace_around_properties_is_ignored() {
    let baggage = parse_lines(&[
        "SomeKey \t = \t SomeValue \t ; \t SomeProp \t ; \t SecondProp \t = \t PropValue",
    ]);
    assert_eq!(value(&baggage, "SomeKey"), Some("SomeValue"));
    assert_eq!(
        metadata(&baggage, "SomeKey"),
        Some("SomeProp;SecondProp=PropValue")
    );
}

#[test]
fn property_keys_are_not_decoded() {
    let baggage = parse_lines(&["SomeKey=SomeValue;ValueProp%20%09%20%3D%20%09%20PropVal"]);
    assert_eq!(
        metadata(&baggage, "SomeKey"),
        Some("ValueProp%20%09%20%3D%20%09%20PropVal")
    );
}

#[test]
fn invalid_property_drops_the_member() {
    for member in ["k=v;bad prop", "k=v;p=a b", "k=v;", "k=v;;p"] {
        assert_eq!(
            BaggageMember::parse(member),
            Err(BaggageMemberError::InvalidProperty),
            "{member:?}"
        );
    }
}

#[test]
fn invalid_member_is_dropped_and_its_neighbours_kept() {
    let baggage = parse_lines(&["k1=v1,justKey,k2=v2,bad key=3,k3=%zz,k4=v4"]);
    assert_eq!(baggage.len(), 3);
    for key in ["k1", "k2", "k4"] {
        assert!(baggage.get(key).is_some(), "{key}");
    }
    assert_eq!(
        BaggageMember::parse("justKey"),
        Err(BaggageMemberError::MissingEquals)
    );
}

#[test]
fn empty_members_are_ignored() {
    let baggage = parse_lines(&[",k1=v1,, \t ,k2=v2,", ""]);
    assert_eq!(baggage.len(), 2);
}

#[test]
fn repeated_key_keeps_the_first_member() {
    let baggage = parse_lines(&["key=value1;prop1", "key=value2;prop2=val"]);
    assert_eq!(baggage.len(), 1);
    assert_eq!(value(&baggage, "key"), Some("value1"));
    assert_eq!(metadata(&baggage, "key"), Some("prop1"));
}

#[test]
fn sixty_four_members_are_kept() {
    let header: Vec<String> = (0..MAX_MEMBERS).map(|i| format!("key{i}=value")).collect();
    assert_eq!(parse_lines(&[&header.join(",")]).len(), 64);
}

#[test]
fn members_beyond_sixty_four_are_dropped_whole() {
    let header: Vec<String> = (0..100).map(|i| format!("key{i}=value")).collect();
    let baggage = parse_lines(&[&header.join(",")]);
    assert_eq!(baggage.len(), 64);
    assert_eq!(
        value(&baggage, "key63"),
        Some("value"),
        "members are kept in order"
    );
    assert!(baggage.get("key64").is_none());
}

#[test]
fn member_of_8192_bytes_is_kept() {
    let member = format!("a={}", "0123456789".repeat(819));
    assert_eq!(member.len(), MAX_BYTES);
    assert_eq!(parse_lines(&[&member]).len(), 1);
}

#[test]
fn bytes_beyond_8192_drop_whole_members() {
    // Limits apply across all lines, commas between members included.
    let first = format!("a={}", "x".repeat(4000));
    let second = format!("b={}", "y".repeat(4000));
    let third = format!("c={}", "z".repeat(200));
    let baggage = parse_lines(&[&first, &second, &third, "d=1"]);
    assert!(baggage.get("a").is_some() && baggage.get("b").is_some());
    assert!(
        baggage.get("c").is_none(),
        "4002 + 1 + 4002 + 1 + 202 > 8192"
    );
    assert_eq!(
        value(&baggage, "d"),
        Some("1"),
        "a later member that fits is kept"
    );
    assert_eq!(parse_lines(&[&format!("a={}", "x".repeat(8191))]).len(), 0);
}

#[test]
fn values_are_percent_encoded_when_sent() {
    let original = "\t \"';=asdf!@#$%^&*(),\\Amélie";
    let sent = baggage::header_value([("SomeKey", original, "")]).unwrap();
    assert_eq!(
        sent,
        "SomeKey=%09%20%22'%3B=asdf!@#$%25^&*()%2C%5CAm%C3%A9lie"
    );
    assert_eq!(sent_members(&sent)["SomeKey"], original);
}

#[test]
fn properties_are_sent_after_the_value() {
    let sent = baggage::header_value([("k", "v", "p1;p2=v2")]).unwrap();
    assert_eq!(sent, "k=v;p1;p2=v2");
    let dropped = baggage::header_value([("k", "v", "not a property")]).unwrap();
    assert_eq!(
        dropped, "k=v",
        "invalid properties are left out, the entry is kept"
    );
}

#[test]
fn entries_with_a_non_token_key_are_not_sent() {
    assert_eq!(baggage::header_value([("bad key", "v", "")]), None);
}

#[test]
fn at_most_sixty_four_members_are_sent() {
    let keys: Vec<String> = (0..100).map(|i| format!("key{i}")).collect();
    let sent = baggage::header_value(keys.iter().map(|key| (key.as_str(), "v", ""))).unwrap();
    assert_eq!(sent.split(',').count(), 64);
}

#[test]
fn at_most_8192_bytes_are_sent_and_never_a_partial_member() {
    let long = "x".repeat(5000);
    let sent = baggage::header_value([
        ("a", long.as_str(), ""),
        ("b", long.as_str(), ""),
        ("c", "1", ""),
    ])
    .unwrap();
    assert!(sent.len() <= MAX_BYTES);
    let members = sent_members(&sent);
    assert_eq!(members.len(), 2);
    assert_eq!(members["a"], long);
    assert_eq!(members["c"], "1");
}

#[test]
fn empty_baggage_is_not_sent() {
    assert_eq!(baggage::header_value(std::iter::empty()), None);
}

#[test]
fn header_name_is_matched_in_any_case() {
    let incoming = extract(&[("Baggage", "a=1"), ("BAGGAGE", "b=2")]);
    assert_eq!(incoming.baggage.len(), 2);
}

#[test]
fn property_value_is_percent_encoded_as_values_are() {
    assert_eq!(
        BaggageMember::parse("k=v;p=%zz"),
        Err(BaggageMemberError::InvalidProperty)
    );
    assert_eq!(metadata(&parse_lines(&["k=v;p=%41"]), "k"), Some("p=%41"));
}

#[test]
fn limits_apply_to_all_lines_together() {
    let line: Vec<String> = (0..40).map(|i| format!("a{i}=v")).collect();
    let other: Vec<String> = (0..40).map(|i| format!("b{i}=v")).collect();
    let baggage = parse_lines(&[&line.join(","), &other.join(",")]);
    assert_eq!(baggage.len(), 64);
    assert!(baggage.get("b23").is_some() && baggage.get("b24").is_none());
}
