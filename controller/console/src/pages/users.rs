//! The users page, for admins: every console user with their role, state and tokens, and the
//! changes an admin makes (add, role, password, disable, enable, remove, a new token, tokens
//! revoked); the script sends them to `/api/v1/users`, which audits each.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{PageCtx, page, with_lang};
use crate::AppState;
use crate::auth::Role;
use crate::words::{role_word, t};

const ROLES: [Role; 4] = [Role::Viewer, Role::Operator, Role::Technician, Role::Admin];

pub(super) async fn users(State(s): State<AppState>, PageCtx { c, l, q }: PageCtx) -> Response {
    if c.role != Role::Admin {
        return (StatusCode::FORBIDDEN, t(l, "admins_only")).into_response();
    }
    let list = s.auth.user_list();
    let body = html! {
        h1 { (t(l, "users")) }
        p.note { (t(l, "roles_hint")) }
        table #users data-confirm-remove=(t(l, "confirm_remove_user")) data-confirm-disable=(t(l, "confirm_disable_user"))
            data-ask-password=(t(l, "ask_password")) data-token-once=(t(l, "token_once")) data-done=(t(l, "done"))
            data-ask-code=(t(l, "totp_ask_code")) data-confirm-totp-reset=(t(l, "totp_confirm_reset")) {
            tr { th { (t(l, "user")) } th { (t(l, "role")) } th { (t(l, "state")) } th { (t(l, "tokens")) } th { (t(l, "two_step")) } th {} }
            @for u in &list {
                tr data-name=(u.name) {
                    td { (u.name) @if u.name == c.name { " " em { (t(l, "you")) } } }
                    td {
                        // Your own role, state and account are another admin's to change: the
                        // controls that would be refused are not offered.
                        select.role data-name=(u.name) disabled[u.name == c.name] title=[(u.name == c.name).then(|| t(l, "yourself_other_admin"))] {
                            @for r in ROLES { option value=(r.name()) selected[r == u.role] { (role_word(l, r)) } }
                        }
                    }
                    td { @if u.disabled { span.error { (t(l, "disabled")) } } @else { (t(l, "enabled")) } }
                    td { (u.tokens) }
                    td.totp { @if u.totp { (t(l, "totp_on")) } @else { span.note { (t(l, "totp_off")) } } }
                    td.user-actions {
                        button type="button" data-action="password" { (t(l, "reset_password")) } " "
                        button type="button" data-action="new_token" { (t(l, "new_token")) } " "
                        @if u.name == c.name {
                            span.note { (t(l, "yourself_other_admin")) }
                        } @else {
                            @if u.tokens > 0 { button type="button" data-action="revoke_tokens" { (t(l, "revoke_tokens")) } " " }
                            @if u.disabled {
                                button type="button" data-action="enable" { (t(l, "enable")) } " "
                            } @else {
                                button type="button" data-action="disable" { (t(l, "disable")) } " "
                            }
                            button type="button" data-action="remove" { (t(l, "delete")) }
                        }
                        // Two-step sign-in: set up or turned off by the admin themself (with a
                        // code); another admin resets it when the phone is lost.
                        @if u.name == c.name && !u.totp {
                            " " button type="button" data-action="totp_begin" { (t(l, "totp_begin")) }
                        } @else if u.name == c.name {
                            " " button type="button" data-action="totp_disable" { (t(l, "totp_disable")) }
                        } @else if u.totp {
                            " " button type="button" data-action="totp_reset" { (t(l, "totp_reset")) }
                        }
                    }
                }
            }
        }
        // Filled in by the script when the admin begins setting up two-step sign-in.
        section #totp-setup hidden {
            h2 { (t(l, "totp_setup")) }
            ol {
                li { (t(l, "totp_step_app")) }
                li { (t(l, "totp_step_scan")) }
                li { (t(l, "totp_step_code")) }
            }
            div.totp-box {
                img #totp-qr width="220" height="220" alt=(t(l, "totp_qr_alt"));
                div {
                    p.note { (t(l, "totp_manual")) }
                    p { code #totp-secret {} }
                    p.note { a #totp-uri href="#" { (t(l, "totp_open_app")) } }
                    form #totp-confirm {
                        label { (t(l, "code")) " " input name="code" inputmode="numeric" autocomplete="one-time-code"
                            pattern="[0-9 ]{6,7}" maxlength="7" required; } " "
                        button type="submit" { (t(l, "totp_confirm")) }
                    }
                }
            }
        }
        h2 { (t(l, "add_user")) }
        form #add-user {
            label { (t(l, "user")) " " input name="name" required pattern="[a-z0-9-]{1,32}" autocomplete="off"; } " "
            label { (t(l, "role")) " " select name="role" { @for r in ROLES { option value=(r.name()) selected[r == Role::Operator] { (role_word(l, r)) } } } } " "
            label { (t(l, "password")) " " input name="password" type="password" required minlength="8" autocomplete="new-password"; } " "
            button type="submit" { (t(l, "add")) }
        }
        p #user-result role="status" {}
    };
    with_lang(&q, page(l, Some(&c), t(l, "users"), &body))
}
