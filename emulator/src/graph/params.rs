//! What list and action requests ask for beyond the path: `$top` and
//! `$skip` with their limits, the `@odata.nextLink` that continues a list,
//! and the `destinationId` of a move or copy.

use axum::http::StatusCode;
use serde_json::Value;

use super::ctx::Ctx;
use super::error::GraphError;

/// `$top` (1..=max, default `default`) and `$skip` of a list request.
pub(crate) fn paging(
    ctx: &Ctx<'_>,
    default: usize,
    max: usize,
) -> Result<(usize, usize), GraphError> {
    let top = match ctx.req.query("$top") {
        None => default,
        Some(t) => match t.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            Ok(0) => default,
            _ => {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidUrlQuery",
                    format!(
                        "The value '{t}' of the $top query option is not valid; it must be between 1 and {max}."
                    ),
                ));
            }
        },
    };
    let skip = match ctx.req.query("$skip") {
        None => 0,
        Some(s) => s.trim().parse::<usize>().map_err(|_| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidUrlQuery",
                format!("The value '{s}' of the $skip query option is not valid."),
            )
        })?,
    };
    Ok((top, skip))
}

/// The request's own URL with `$skip` replaced, for `@odata.nextLink`.
pub(crate) fn next_link(ctx: &Ctx<'_>, skip: usize, top: usize) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    let mut had_top = false;
    for (k, v) in &ctx.req.query {
        let bare = k.trim_start_matches('$');
        if bare.eq_ignore_ascii_case("skip") {
            continue;
        }
        if bare.eq_ignore_ascii_case("top") {
            had_top = true;
        }
        ser.append_pair(k, v);
    }
    if !had_top {
        ser.append_pair("$top", &top.to_string());
    }
    ser.append_pair("$skip", &skip.to_string());
    format!(
        "{}{}?{}",
        ctx.service_root(),
        ctx.req.path,
        ser.finish().replace('+', "%20")
    )
}

pub(crate) fn destination(body: &Value) -> Result<String, GraphError> {
    body.get("destinationId")
        .or_else(|| body.get("DestinationId"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            GraphError::invalid_request(
                "The request is missing the required parameter 'destinationId'.",
            )
        })
}
