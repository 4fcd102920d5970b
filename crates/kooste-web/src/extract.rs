//! Who may make a request, checked once for every page: [`Signed`] for a page that is
//! read (a signed-in user with the role the page needs), [`Post`] for a state-changing
//! request (the same, and the session's CSRF token in the posted form). No handler looks at
//! the session, the role or the CSRF token itself.
//!
//! Not signed in: a page read redirects to `/login?next=…`; a post gets the login form (401)
//! that brings the user back, carrying what the page says it carries ([`PostRoute::carry`]).
//! Signed in without the role: 403. A post without the session's CSRF token: what the page
//! says ([`PostRoute::refused`]; by default a 403 page).

use crate::accounts::Role;
use crate::app::{App, Ctx};
use crate::pages::{Fields, field, login};
use crate::session::same;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::marker::PhantomData;
use std::sync::Arc;

/// The least role a page needs.
pub(crate) trait Need: Send + Sync + 'static {
    /// The role.
    const ROLE: Role;
}

/// Every signed-in user.
pub(crate) struct Anyone;
/// Researchers.
pub(crate) struct Researcher;

impl Need for Anyone {
    const ROLE: Role = Role::Participant;
}
impl Need for Researcher {
    const ROLE: Role = Role::Researcher;
}

/// A signed-in user with at least the role `R`, reading a page.
pub(crate) struct Signed<R> {
    /// Who is asking, in which language, at which address.
    pub(crate) ctx: Ctx,
    role: PhantomData<R>,
}

impl<R: Need> FromRequestParts<Arc<App>> for Signed<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let ctx = app.page(&parts.headers, &parts.uri, R::ROLE)?;
        Ok(Signed {
            ctx,
            role: PhantomData,
        })
    }
}

/// What a state-changing route says about itself: the role it needs, where its user comes
/// back to after signing in again, what rides along, and how it refuses a post without the
/// session's CSRF token.
pub(crate) trait PostRoute: Send + Sync + 'static {
    /// The least role.
    const ROLE: Role;

    /// Where the user comes back to after signing in again (and the address the pages of
    /// the answer are for); `path` is the path posted to.
    fn back(path: &str, _fields: &Fields) -> String {
        path.to_string()
    }

    /// What the login form carries across a new sign-in (JSON; see `forms::resume`).
    fn carry(_app: &App, _path: &str, _fields: &Fields) -> String {
        String::new()
    }

    /// The answer to a post without the session's CSRF token (a stale page, a forged post).
    fn refused(app: &App, ctx: &Ctx, _fields: &Fields) -> Response {
        app.message(StatusCode::FORBIDDEN, ctx, "err_csrf_title", "err_csrf")
    }
}

/// A post by a signed-in user with the role route `P` needs and the session's CSRF token,
/// with the posted form's fields. It reads the body, so it is a handler's last argument.
pub(crate) struct Post<P> {
    /// Who is posting; `ctx.path` is [`PostRoute::back`].
    pub(crate) ctx: Ctx,
    /// The posted fields, in order.
    pub(crate) fields: Fields,
    route: PhantomData<P>,
}

impl<P: PostRoute> FromRequest<Arc<App>> for Post<P> {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let headers = parts.headers.clone();
        let path = parts.uri.path().to_string();
        let Form(fields) = Form::<Fields>::from_request(Request::from_parts(parts, body), app)
            .await
            .map_err(IntoResponse::into_response)?;
        let back = P::back(&path, &fields);
        // No live session (it ended, or the server restarted): sign in again, without
        // losing what the page carries.
        let Some(ctx) = app
            .session(&headers)
            .and_then(|view| login::ctx_after_login(app, &headers, &view, &back))
        else {
            return Err(login::relogin(
                app,
                &headers,
                &back,
                P::carry(app, &path, &fields),
            ));
        };
        if !ctx.user.role.allows(P::ROLE) {
            return Err(app.forbidden(&ctx, "forbidden_text"));
        }
        if !same(&ctx.view.csrf, field(&fields, "csrf_token")) {
            return Err(P::refused(app, &ctx, &fields));
        }
        Ok(Post {
            ctx,
            fields,
            route: PhantomData,
        })
    }
}
