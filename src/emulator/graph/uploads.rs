//! Attachment upload sessions (3-150 MB attachments, PUT in byte ranges).

#[derive(Default)]
pub struct UploadSessions {}
