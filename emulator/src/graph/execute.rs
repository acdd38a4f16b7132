//! The single path every Graph operation takes, from HTTP or from `$batch`:
//! bearer token, route, mailbox, throttling, injected faults and latency,
//! Exchange permissions, then the operation itself. That one path is what
//! makes counting, throttling and fault injection behave the same everywhere.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::{HeaderValue, Method, StatusCode};
use chrono::Utc;
use uuid::Uuid;

use super::cal_route::CalOp;
use super::ctx::Ctx;
use super::error::GraphError;
use super::fault::{draw_fault, fault_error};
use super::request::{GraphRequest, Prefer};
use super::response::GraphResponse;
use super::route::{self, MailboxRef, Op};
use super::{
    access, attachments, cal_delta, calendars, compose, contacts, delta, event_views, events,
    folders, meetings, messages, render, schedule, send, todo_tasks, uploads,
};
use crate::tenant::Emulator;
use crate::throttle::Refusal;
use crate::tokens::{self, Principal};

/// Run one Graph operation and always produce a response.
pub(crate) async fn execute(em: &Arc<Emulator>, req: GraphRequest) -> GraphResponse {
    let request_id = Uuid::new_v4().to_string();
    let client_rid = req.header("client-request-id").map(str::to_string);
    let mut resp = match execute_inner(em, &req).await {
        Ok(r) => r,
        Err(e) => e.into_response(&request_id, client_rid.as_deref()),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers.insert("request-id", v);
    }
    if let Some(v) = client_rid.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers.insert("client-request-id", v);
    }
    resp
}

fn bearer(req: &GraphRequest) -> Option<&str> {
    let v = req.header("authorization")?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

async fn execute_inner(
    em: &Arc<Emulator>,
    req: &GraphRequest,
) -> Result<GraphResponse, GraphError> {
    let now = Utc::now();
    let token = bearer(req).ok_or_else(|| {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token is empty.",
        )
    })?;
    let principal = {
        let dir = em.directory.read();
        tokens::verify_access_token(&em.keys, &dir, token, now.timestamp())
    }
    .map_err(|r| {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            r.message(),
        )
    })?;
    let route = route::parse(&req.method, &req.path)?;
    let owner = {
        let dir = em.directory.read();
        let actor = match &principal {
            Principal::Delegated { user, .. } => dir.user_by_oid(*user).cloned(),
            Principal::App { .. } => None,
        };
        match &route.mailbox {
            MailboxRef::Me => match actor {
                Some(a) => a,
                None => {
                    return Err(GraphError::bad_request(
                        "/me request is only valid with delegated authentication flow.",
                    ));
                }
            },
            MailboxRef::User(key) => dir.user(key).cloned().ok_or_else(|| {
                GraphError::new(
                    StatusCode::NOT_FOUND,
                    "ErrorInvalidUser",
                    format!("The requested user '{key}' is invalid."),
                )
            })?,
        }
    };
    let settings = em.settings.read().clone();
    em.stats.operation(Some(&owner.upn), &route.template);
    let _slot = em
        .throttle
        .admit(
            principal.client_id(),
            &owner.upn,
            settings.concurrency_per_mailbox,
            settings.rate_limit_requests,
            Duration::from_secs(settings.rate_limit_window_s),
        )
        .map_err(|refusal| {
            em.stats.throttled.fetch_add(1, Ordering::Relaxed);
            match refusal {
                Refusal::Concurrency(s) => {
                    em.stats
                        .throttled_concurrency
                        .fetch_add(1, Ordering::Relaxed);
                    GraphError::throttled(s, "Application is over its MailboxConcurrency limit.")
                }
                Refusal::Rate(s) => {
                    em.stats.throttled_rate.fetch_add(1, Ordering::Relaxed);
                    GraphError::throttled(s, "Application is over its request limit.")
                }
            }
        })?;
    if let Some(status) = em.take_planned_fault(&route.template) {
        em.stats.faults.fetch_add(1, Ordering::Relaxed);
        let mut e = fault_error(status);
        if status == 410 {
            e.location = Some(format!("{}/v1.0{}?$deltatoken=", req.base, req.path));
        }
        return Err(e);
    }
    let fault = draw_fault(&settings, &route.template);
    if let Some(f) = &fault
        && !f.after
    {
        em.stats.faults.fetch_add(1, Ordering::Relaxed);
        return Err(fault_error(f.status));
    }
    if settings.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
    }
    {
        let dir = em.directory.read();
        access::authorize(&dir, &principal, &owner, &route.op)?;
    }
    let ctx = Ctx {
        em,
        req,
        principal: &principal,
        owner,
        prefer: Prefer::parse(&req.headers),
        settings,
        now,
    };
    let result = dispatch(&ctx, route.op).await;
    if result.as_ref().is_ok_and(|r| r.status.is_success()) && route_writes(&req.method) {
        em.mark_dirty();
    }
    if let Some(f) = fault {
        em.stats.faults.fetch_add(1, Ordering::Relaxed);
        return Err(fault_error(f.status));
    }
    result
}

fn route_writes(m: &Method) -> bool {
    *m != Method::GET
}

async fn dispatch(ctx: &Ctx<'_>, op: Op) -> Result<GraphResponse, GraphError> {
    match op {
        Op::GetUser => Ok(render::user_response(ctx)),
        Op::GetMailboxSettings(zone_only) => render::mailbox_settings(ctx, zone_only),
        Op::ListFolders { parent } => folders::list(ctx, parent.as_deref()),
        Op::CreateFolder { parent } => folders::create(ctx, parent.as_deref()),
        Op::GetFolder(f) => folders::get(ctx, &f),
        Op::PatchFolder(f) => folders::patch(ctx, &f),
        Op::DeleteFolder(f) => folders::delete(ctx, &f, false),
        Op::PermanentDeleteFolder(f) => folders::delete(ctx, &f, true),
        Op::MoveFolder(f) => folders::move_or_copy(ctx, &f, false),
        Op::CopyFolder(f) => folders::move_or_copy(ctx, &f, true),
        Op::FolderDelta => delta::folders(ctx),
        Op::ListMessages { folder } => messages::list(ctx, folder.as_deref()),
        Op::CreateMessage { folder } => compose::create(ctx, folder.as_deref()),
        Op::MessageDelta { folder: Some(f) } => delta::messages(ctx, &f),
        Op::MessageDelta { folder: None } => Err(GraphError::invalid_request(
            "Change tracking is not supported against 'microsoft.graph.message'.",
        )),
        Op::GetMessage { folder, id } => messages::get(ctx, folder.as_deref(), &id),
        Op::PatchMessage { folder, id } => compose::patch(ctx, folder.as_deref(), &id),
        Op::DeleteMessage { folder, id } => messages::delete(ctx, folder.as_deref(), &id, false),
        Op::PermanentDeleteMessage(id) => messages::delete(ctx, None, &id, true),
        Op::GetMime { folder, id } => messages::get_mime(ctx, folder.as_deref(), &id),
        Op::PutMime { folder, id } => compose::put_mime(ctx, folder.as_deref(), &id),
        Op::MoveMessage(id) => messages::move_or_copy(ctx, &id, false),
        Op::CopyMessage(id) => messages::move_or_copy(ctx, &id, true),
        Op::SendDraft(id) => send::send_draft(ctx, &id),
        Op::CreateReply(id, kind) => send::create_reply(ctx, &id, kind),
        Op::ReplyNow(id, kind) => send::reply_now(ctx, &id, kind),
        Op::SendMail => send::send_mail(ctx),
        Op::ListAttachments(id) => attachments::list(ctx, &id),
        Op::CreateAttachment(id) => attachments::create(ctx, &id),
        Op::GetAttachment(id, a) => attachments::get(ctx, &id, &a),
        Op::DeleteAttachment(id, a) => attachments::delete(ctx, &id, &a),
        Op::GetAttachmentValue(id, a) => attachments::value(ctx, &id, &a),
        Op::CreateUploadSession(id) => uploads::create_session(ctx, &id),
        Op::TranslateIds => messages::translate_ids(ctx),
        Op::Cal(c) => dispatch_calendar(ctx, c),
        Op::Contact(c) => contacts::dispatch(ctx, c),
        Op::Todo(t) => todo_tasks::dispatch(ctx, t),
    }
}

fn dispatch_calendar(ctx: &Ctx<'_>, op: CalOp) -> Result<GraphResponse, GraphError> {
    if ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    match op {
        CalOp::ListCalendars => calendars::list(ctx),
        CalOp::CreateCalendar => calendars::create(ctx),
        CalOp::GetCalendar(c) => calendars::get(ctx, &c),
        CalOp::PatchCalendar(c) => calendars::patch(ctx, &c),
        CalOp::DeleteCalendar(c) => calendars::delete(ctx, &c),
        CalOp::ListEvents(c) => event_views::list(ctx, &c),
        CalOp::CreateEvent(c) => events::create(ctx, &c),
        CalOp::GetEvent { cal, id } => events::get(ctx, cal.as_ref(), &id),
        CalOp::PatchEvent { cal, id } => events::patch(ctx, cal.as_ref(), &id),
        CalOp::DeleteEvent { cal, id } => events::delete_endpoint(ctx, cal.as_ref(), &id),
        CalOp::Instances(id) => event_views::instances(ctx, &id),
        CalOp::CalendarView(c) => event_views::calendar_view(ctx, &c),
        CalOp::ViewDelta(c) => cal_delta::view_delta(ctx, &c),
        CalOp::Respond(id, reply) => meetings::respond(ctx, &id, reply),
        CalOp::Cancel(id) => events::cancel(ctx, &id),
        CalOp::GetSchedule => schedule::get_schedule(ctx),
    }
}
