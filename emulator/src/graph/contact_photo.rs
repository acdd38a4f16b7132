//! A contact's photo: its metadata (`GET …/photo`: media type, media etag,
//! pixel size), its bytes (`GET …/photo/$value`), and replacing it (`PUT`
//! or `PATCH …/photo/$value` with a JPEG or PNG under 4 MB; 200 with no
//! body, and the contact gets a new change key). A contact without a photo
//! answers 404. Graph cannot delete a contact's photo: Microsoft documents
//! DELETE for user and group photos only, and a DELETE on a contact's photo
//! is refused with "The OData request is not supported." (observed).

use axum::http::StatusCode;
use bytes::Bytes;
use rand::RngCore;
use serde_json::json;

use super::contact_json::contact_id;
use super::contacts::find;
use super::ctx::Ctx;
use super::error::GraphError;
use super::response::GraphResponse;
use crate::contactstore::{MAX_PHOTO_BYTES, Photo, sniff_image};

fn no_photo() -> GraphError {
    GraphError::item_not_found()
}

pub(crate) fn metadata(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let c = find(&mb, folder, id)?;
    let p = c.photo.as_ref().ok_or_else(no_photo)?;
    let v = json!({
        "@odata.context": format!(
            "{}/$metadata#{}/contacts('{}')/photo/$entity",
            ctx.service_root(),
            ctx.context_user(),
            contact_id(ctx, c)
        ),
        "@odata.mediaContentType": p.content_type,
        "@odata.mediaEtag": format!("\"{}\"", p.etag),
        "id": format!("{}x{}", p.width, p.height),
        "width": p.width,
        "height": p.height,
    });
    Ok(GraphResponse::json(StatusCode::OK, &v))
}

pub(crate) fn value(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let c = find(&mb, folder, id)?;
    let p = c.photo.as_ref().ok_or_else(no_photo)?;
    Ok(GraphResponse::new(
        StatusCode::OK,
        Bytes::from(p.bytes.clone()),
        &p.content_type,
    ))
}

fn not_an_image() -> GraphError {
    GraphError::invalid_request("The photo must be a JPEG or PNG image.")
}

pub(crate) fn put(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let body = &ctx.req.body;
    if body.len() >= MAX_PHOTO_BYTES || body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    let ct = ctx.req.content_type();
    if !ct.is_empty() && !ct.starts_with("image/") {
        return Err(not_an_image());
    }
    let (content_type, width, height) = sniff_image(body).ok_or_else(not_an_image)?;
    let mut etag = [0u8; 4];
    rand::rng().fill_bytes(&mut etag);
    let photo = Photo {
        content_type: content_type.to_string(),
        width,
        height,
        etag: hex::encode_upper(etag),
        bytes: body.to_vec(),
    };
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let key = find(&mb, folder, id)?.immutable_id.clone();
    if let Some(c) = mb.contacts.contacts.get_mut(&key) {
        c.photo = Some(photo);
    }
    mb.contacts.touch(&key, ctx.now);
    Ok(GraphResponse::empty(StatusCode::OK))
}

pub(crate) fn delete(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    find(&mb, folder, id)?;
    Err(GraphError::invalid_request(
        "The OData request is not supported.",
    ))
}
