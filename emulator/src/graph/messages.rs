//! Message endpoints: list (paging that walks every item, `$filter`,
//! `$orderby`, `$search`), get, PATCH, delete, create from MIME or JSON,
//! `$value` read and replace, move, copy, translateExchangeIds.

use std::cmp::Ordering;

use axum::http::{HeaderValue, StatusCode};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::lookup::{find, key_of, resolve};
use super::params::{destination, next_link, paging};
use super::render::{MessageEntity, message_expand, message_json, message_select};
use super::response::GraphResponse;
use crate::mailstore::{ItemClass, Mailbox, Removal, StoredMessage};
use crate::odata::{self, EntityType, Filter, OrderBy, Search};

/// Most `$search` results Graph returns.
const SEARCH_CAP: usize = 1000;

fn recoverable(mb: &Mailbox) -> String {
    mb.well_known_id("recoverableitemsdeletions")
}

pub(crate) fn list(ctx: &Ctx<'_>, folder: Option<&str>) -> Result<GraphResponse, GraphError> {
    let select = message_select(ctx)?;
    let expand = message_expand(ctx)?;
    let search = ctx.req.query("$search").map(Search::parse).transpose()?;
    let filter = ctx
        .req
        .query("$filter")
        .map(|f| Filter::parse(f, EntityType::Message))
        .transpose()?;
    let orderby = ctx
        .req
        .query("$orderby")
        .map(|o| OrderBy::parse(o, EntityType::Message))
        .transpose()?;
    if search.is_some() && filter.is_some() {
        return Err(GraphError::bad_request(
            "The query parameter '$filter' is not supported with '$search'.",
        ));
    }
    if search.is_some() && orderby.is_some() {
        return Err(GraphError::bad_request(
            "The query parameter '$orderBy' is not supported with '$search'.",
        ));
    }
    if let (Some(f), Some(o)) = (&filter, &orderby) {
        odata::check_filter_orderby(f, o)?;
    }
    let (top, skip) = paging(ctx, 10, 1000)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let items: Vec<&StoredMessage> = match folder {
        Some(f) => {
            let fid = resolve(&mb, f)?;
            mb.folder_items(&fid)
        }
        None => {
            let hidden = recoverable(&mb);
            let mut v: Vec<&StoredMessage> = mb
                .messages
                .values()
                .filter(|m| m.folder_id != hidden)
                .collect();
            v.sort_by(|a, b| {
                b.received
                    .cmp(&a.received)
                    .then_with(|| a.immutable_id.cmp(&b.immutable_id))
            });
            v
        }
    };
    let entity = |m: &'_ StoredMessage| -> bool { m.class == ItemClass::Message };
    // The sequence the service walks: with a restriction only matching
    // messages; without one every item, so `$skip` counts non-mail items too.
    let mut walk: Vec<&StoredMessage> = if let Some(s) = &search {
        let mut v: Vec<&StoredMessage> = items
            .into_iter()
            .filter(|m| entity(m) && s.matches(&MessageEntity { ctx, m }))
            .collect();
        v.sort_by_key(|m| std::cmp::Reverse(m.props.sent));
        v.truncate(SEARCH_CAP);
        v
    } else if let Some(f) = &filter {
        items
            .into_iter()
            .filter(|m| entity(m) && f.matches(&MessageEntity { ctx, m }))
            .collect()
    } else {
        items
    };
    if let Some(o) = &orderby {
        walk.sort_by(|a, b| {
            o.compare(&MessageEntity { ctx, m: a }, &MessageEntity { ctx, m: b })
                .then_with(|| b.received.cmp(&a.received))
                .then(Ordering::Equal)
        });
    }
    let total_messages = walk.iter().filter(|m| entity(m)).count();
    let mut page = Vec::new();
    let mut walked = 0;
    for m in walk.iter().skip(skip) {
        if page.len() == top {
            break;
        }
        walked += 1;
        if entity(m) {
            page.push(message_json(ctx, m, select.as_deref(), &expand));
        }
    }
    let more = walk.iter().skip(skip + walked).any(|m| entity(m));
    let context = match folder {
        Some(f) => format!(
            "{}/$metadata#{}/mailFolders('{}')/messages",
            ctx.service_root(),
            ctx.context_user(),
            f
        ),
        None => format!(
            "{}/$metadata#{}/messages",
            ctx.service_root(),
            ctx.context_user()
        ),
    };
    let mut body = json!({"@odata.context": context, "value": page});
    if ctx
        .req
        .query("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"))
    {
        body["@odata.count"] = json!(total_messages);
    }
    if more {
        body["@odata.nextLink"] = json!(next_link(ctx, skip + walked, top));
    }
    let mut resp = GraphResponse::json(StatusCode::OK, &body);
    if ctx.prefer.body_text {
        resp.headers.insert(
            "preference-applied",
            HeaderValue::from_static("outlook.body-content-type=\"text\""),
        );
    }
    Ok(resp)
}

pub(crate) fn entity_response(
    ctx: &Ctx<'_>,
    m: &StoredMessage,
    status: StatusCode,
) -> Result<GraphResponse, GraphError> {
    let select = message_select(ctx)?;
    let expand = message_expand(ctx)?;
    let mut v = message_json(ctx, m, select.as_deref(), &expand);
    if let Value::Object(o) = &mut v {
        let mut with_ctx = serde_json::Map::new();
        with_ctx.insert(
            "@odata.context".into(),
            json!(format!(
                "{}/$metadata#{}/messages/$entity",
                ctx.service_root(),
                ctx.context_user()
            )),
        );
        with_ctx.append(o);
        v = Value::Object(with_ctx);
    }
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn get(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let m = find(&mb, folder, id)?;
    entity_response(ctx, m, StatusCode::OK)
}

pub(crate) fn get_mime(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let m = find(&mb, folder, id)?;
    Ok(GraphResponse::new(
        StatusCode::OK,
        m.mime.clone(),
        "text/plain",
    ))
}

pub(crate) fn delete(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
    permanent: bool,
) -> Result<GraphResponse, GraphError> {
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb_arc = ctx.mailbox()?;
    let mut mb = mb_arc.lock();
    let key = key_of(&mb, folder, id)?;
    let dumpster = recoverable(&mb);
    let in_dumpster = mb
        .messages
        .get(&key)
        .is_some_and(|m| m.folder_id == dumpster);
    if permanent {
        mb.remove_message(&key, cap);
    } else if in_dumpster {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorCannotDeleteObject",
            "Object cannot be deleted.",
        ));
    } else {
        // A soft delete: the item goes to Recoverable Items, not to Deleted Items,
        // and the folder it left reports it as deleted.
        mb.relocate(&key, &dumpster, ctx.now, cap, Removal::Deleted);
    }
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

pub(crate) fn move_or_copy(
    ctx: &Ctx<'_>,
    id: &str,
    copy: bool,
) -> Result<GraphResponse, GraphError> {
    let dest_key = destination(&ctx.body_json()?)?;
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb_arc = ctx.mailbox()?;
    let mut mb = mb_arc.lock();
    let key = key_of(&mb, None, id)?;
    let dest = resolve(&mb, &dest_key)?;
    let result = if copy {
        mb.copy_message(&key, &dest, ctx.now)
            .ok_or_else(GraphError::item_not_found)?
    } else {
        mb.move_message(&key, &dest, ctx.now, cap);
        key
    };
    let m = mb
        .messages
        .get(&result)
        .ok_or_else(GraphError::item_not_found)?;
    entity_response(ctx, m, StatusCode::CREATED)
}

pub(crate) fn translate_ids(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let body = ctx.body_json()?;
    let get = |a: &str, b: &str| {
        body.get(a)
            .or_else(|| body.get(b))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let inputs = get("inputIds", "InputIds");
    let inputs = inputs
        .as_array()
        .ok_or_else(|| GraphError::bad_request("inputIds is required."))?;
    if inputs.len() > 1000 {
        return Err(GraphError::bad_request(
            "At most 1000 ids can be translated in one request.",
        ));
    }
    let source = get("sourceIdType", "SourceIdType")
        .as_str()
        .unwrap_or("restId")
        .to_string();
    let target = get("targetIdType", "TargetIdType")
        .as_str()
        .unwrap_or("restId")
        .to_string();
    let known = [
        "entryId",
        "ewsId",
        "immutableEntryId",
        "restId",
        "restImmutableEntryId",
    ];
    for t in [&source, &target] {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(t)) {
            return Err(GraphError::bad_request(format!(
                "The value '{t}' is not a valid exchangeIdFormat."
            )));
        }
    }
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let values: Vec<Value> = inputs
        .iter()
        .map(|i| {
            let sid = i.as_str().unwrap_or_default();
            let lookup = if source.eq_ignore_ascii_case("ewsId") { sid.replace('/', "-").replace('+', "_") } else { sid.to_string() };
            let found = mb.message(&lookup).filter(|m| {
                if source.eq_ignore_ascii_case("restImmutableEntryId") { m.immutable_id == lookup } else { m.rest_id == lookup }
            });
            let target_id = found.and_then(|m| match target.to_ascii_lowercase().as_str() {
                "restid" => Some(m.rest_id.clone()),
                "restimmutableentryid" => Some(m.immutable_id.clone()),
                "ewsid" => Some(m.rest_id.replace('-', "/").replace('_', "+")),
                _ => None,
            });
            match target_id {
                Some(t) => json!({"sourceId": sid, "targetId": t}),
                None => json!({"sourceId": sid, "errorDetails": {"code": "ErrorInvalidIdMalformed", "message": "Id is malformed."}}),
            }
        })
        .collect();
    Ok(GraphResponse::json(
        StatusCode::OK,
        &json!({"@odata.context": format!("{}/$metadata#Collection(microsoft.graph.convertIdResult)", ctx.service_root()), "value": values}),
    ))
}
