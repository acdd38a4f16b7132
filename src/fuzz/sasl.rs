//! The SASL bearer mechanisms (`accounts::sasl`): whatever bytes a client
//! sends, parsing ends in a verdict, never a panic; a response that parses
//! carries a token of RFC 6750's character set only; and an OAUTHBEARER
//! response built from what was parsed parses back to the same authzid and
//! token (the GS2 escapes are read exactly as written).

use super::{Shape, Verdict, fuzz};
use crate::accounts::sasl::{Mechanism, parse};

const SHAPE: Shape = Shape {
    dictionary: &[
        "\x01",
        "\x01\x01",
        "n,,",
        "y,",
        "p=tls-unique,",
        "a=",
        "=2C",
        "=3D",
        "=",
        ",",
        "auth=Bearer ",
        "auth=bearer ",
        "user=",
        "host=",
        "port=993",
    ],
    max_len: 4096,
    literals: false,
};

fn escape(authzid: &str) -> String {
    authzid.replace('=', "=3D").replace(',', "=2C")
}

fn check(input: &[u8]) -> Verdict {
    for mechanism in Mechanism::ALL {
        let Ok(response) = parse(mechanism, input) else {
            continue;
        };
        let token = response.token.expose();
        let body = token.trim_end_matches('=');
        if body.is_empty()
            || !body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
        {
            return Err(format!("{mechanism:?} accepted the token {token:?}"));
        }
        let a = response
            .authzid
            .as_deref()
            .map(|a| format!("a={}", escape(a)))
            .unwrap_or_default();
        let rebuilt = format!("n,{a},\x01auth=Bearer {token}\x01\x01");
        let again = parse(Mechanism::OauthBearer, rebuilt.as_bytes())
            .map_err(|e| format!("{rebuilt:?} does not parse back: {e}"))?;
        if again.authzid != response.authzid || again.token.expose() != token {
            return Err(format!("{input:?} and {rebuilt:?} parse differently"));
        }
    }
    Ok(())
}

#[test]
fn sasl_bearer_responses_parse_to_a_verdict_and_round_trip() {
    fuzz("sasl", &SHAPE, check);
}
