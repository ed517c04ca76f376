//! A failure shown in words, with the stable code a user can quote and a test can match.

use leptos::prelude::*;

use crate::api::ClientError;

/// A headline per code; the relay's message follows it, so the headline stays short.
fn headline(code: &str) -> &'static str {
    match code {
        "read_only_violation" => "Only read-only queries can run",
        "sql_syntax" => "The SQL could not be parsed",
        "query_timeout" => "The query took too long",
        "query_failed" => "The database rejected the query",
        "source_unreachable" => "The data source could not be reached",
        "connection_failed" => "The connection did not work",
        "not_found" => "Not found",
        // Sessions that end send the app to sign-in, so a shown 401 is a password not accepted.
        "unauthenticated" => "Not accepted",
        "forbidden" => "Your role does not allow this",
        "rate_limited" => "Too many attempts",
        "conflict" => "That is not possible right now",
        "token_invalid" => "This link no longer works",
        "cross_origin" => "A request from another site was refused",
        "bad_request" => "The request was not understood",
        "network" => "The Vizkraft relay could not be reached",
        "stream_incomplete" => "The result was cut off",
        "bad_response" => "The relay's answer could not be read",
        "cancelled" => "Cancelled",
        _ => "Something went wrong",
    }
}

#[component]
pub fn ErrorMessage(error: ClientError) -> impl IntoView {
    let code = error.code();
    view! {
        <div class="error" role="alert" data-testid="error" data-error-code=code.clone()>
            <div class="error-head">
                <strong>{headline(&code)}</strong>
                <code class="error-code">{code.clone()}</code>
            </div>
            <p class="error-message">{error.message()}</p>
        </div>
    }
}
