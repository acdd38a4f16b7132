use super::*;

fn line(tag: &str, items: &Items<'_>) -> String {
    String::from_utf8(encode(tag, items)).unwrap()
}

#[test]
fn sequence_sets_are_minimal_runs_in_the_given_order() {
    let table: [(&[u32], &str); 7] = [
        (&[], ""),
        (&[7], "7"),
        (&[1, 2, 3, 5], "1:3,5"),
        (&[2, 10, 11, 12, 13, 14, 15, 21], "2,10:15,21"),
        (&[1, 3, 5], "1,3,5"),
        // Sort order: only ascending runs are joined.
        (&[5, 4, 3, 7, 8], "5,4,3,7:8"),
        (&[u32::MAX - 1, u32::MAX], "4294967294:4294967295"),
    ];
    for (numbers, want) in table {
        assert_eq!(sequence_set(numbers), want, "{numbers:?}");
    }
}

#[test]
fn the_response_follows_rfc_4731() {
    let all = [1, 2, 3, 5];
    assert_eq!(
        line(
            "a1",
            &Items {
                uid: true,
                min: Some(1),
                max: Some(5),
                count: Some(4),
                all: Some(&all),
                modseq: None,
            }
        ),
        "* ESEARCH (TAG \"a1\") UID MIN 1 MAX 5 COUNT 4 ALL 1:3,5\r\n"
    );
    assert_eq!(
        line(
            "A284",
            &Items {
                min: Some(4),
                modseq: Some(917162488),
                ..Default::default()
            }
        ),
        "* ESEARCH (TAG \"A284\") MIN 4 MODSEQ 917162488\r\n"
    );
}

#[test]
fn an_empty_result_carries_only_the_tag_and_count() {
    assert_eq!(line("x", &Items::default()), "* ESEARCH (TAG \"x\")\r\n");
    assert_eq!(
        line(
            "x",
            &Items {
                uid: true,
                count: Some(0),
                all: Some(&[]),
                ..Default::default()
            }
        ),
        "* ESEARCH (TAG \"x\") UID COUNT 0\r\n"
    );
}

#[test]
fn the_tag_is_a_valid_quoted_string() {
    // A tag cannot hold `"` or `\`, but the encoder does not rely on it.
    assert_eq!(
        line("a]b\"c\\", &Items::default()),
        "* ESEARCH (TAG \"a]b\\\"c\\\\\")\r\n"
    );
}
