//! API keys of the active organisation: create one (its secret is shown once), see when each
//! was last used, revoke it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::api_keys::{ApiKeySummary, CreateApiKeyRequest};
use vizkraft_domain::api::auth::Role;

use crate::api::{self, ClientError};
use crate::components::{confirmed, format_timestamp, grantable_roles, CopyField, ErrorMessage, RoleSelect, Timestamp};
use crate::session::Session;
use crate::state::Remote;

/// The expiry field: empty means the key lasts until revoked, otherwise whole days from 1.
pub fn parse_expiry(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(0) | Err(_) => {
            Err("Give the number of days the key should work (at least 1), or leave it empty.".to_owned())
        }
        Ok(days) => Ok(Some(days)),
    }
}

#[component]
pub fn ApiKeysPage(session: Session) -> impl IntoView {
    let own_role = session.auth.with_untracked(|a| a.role()).unwrap_or(Role::Viewer);
    let keys = RwSignal::new(Remote::<Vec<ApiKeySummary>>::Loading);
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let expiry = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<ClientError>);
    let expiry_error = RwSignal::new(None::<String>);
    let list_error = RwSignal::new(None::<ClientError>);
    // The new key's secret lives only here, only until the dialog is closed or the page left.
    let secret = RwSignal::new(None::<(String, String)>);

    let load = move || spawn_local(async move { keys.set(api::list_api_keys().await.map(|r| r.keys).into()) });
    load();

    let create = move || {
        if busy.get_untracked() {
            return;
        }
        let expires_in_days = match parse_expiry(&expiry.get_untracked()) {
            Ok(days) => days,
            Err(message) => {
                expiry_error.set(Some(message));
                return;
            }
        };
        expiry_error.set(None);
        form_error.set(None);
        let request = CreateApiKeyRequest {
            name: name.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
            expires_in_days,
        };
        busy.set(true);
        spawn_local(async move {
            match api::create_api_key(&request).await {
                Ok(created) => {
                    secret.set(Some((created.key.name, created.secret)));
                    name.set(String::new());
                    expiry.set(String::new());
                    load();
                }
                Err(failure) => form_error.set(Some(failure)),
            }
            busy.set(false);
        });
    };

    let revoke = move |key: ApiKeySummary| {
        let question =
            format!("Revoke the key “{}” ({})? Anything using it stops working at once.", key.name, key.display_prefix);
        if !confirmed(&question) {
            return;
        }
        list_error.set(None);
        spawn_local(async move {
            match api::revoke_api_key(&key.id).await {
                Ok(()) => load(),
                Err(failure) => list_error.set(Some(failure)),
            }
        });
    };

    view! {
        <section class="admin-page">
            <div class="page-head">
                <h1>"API keys"</h1>
                <p class="muted">"Keys let scripts and other tools use Vizkraft's API with a role of their own. "
                    "Send one as " <code>"Authorization: Bearer vk_…"</code> "."</p>
            </div>

            <form class="card stack" on:submit=move |ev| { ev.prevent_default(); create(); }>
                <h2>"Create a key"</h2>
                <div class="inline-form">
                    <div class="field grow">
                        <label class="field-label" for="key-name">"Name"</label>
                        <input id="key-name" type="text" data-testid="key-name" required=true maxlength="100" autocomplete="off"
                            placeholder="e.g. Nightly report"
                            prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label class="field-label" for="key-role">"Role"</label>
                        <RoleSelect id="key-role".to_owned() testid="key-role" options=grantable_roles(own_role)
                            selected=Role::Viewer on_pick=move |picked| role.set(picked) />
                    </div>
                    <div class="field narrow-field">
                        <label class="field-label" for="key-expiry">"Expires after (days)"</label>
                        <input id="key-expiry" type="number" min="1" step="1" inputmode="numeric" data-testid="key-expiry"
                            placeholder="never" aria-describedby="key-expiry-hint"
                            prop:value=move || expiry.get() on:input=move |ev| expiry.set(event_target_value(&ev)) />
                    </div>
                    <button type="submit" class="button primary" data-testid="key-create" disabled=move || busy.get()>
                        {move || if busy.get() { "Creating…" } else { "Create key" }}
                    </button>
                </div>
                <p id="key-expiry-hint" class="muted small">"Leave the days empty for a key that works until it is revoked."</p>
                {move || expiry_error.get().map(|message| view! { <p class="error-text small" role="alert">{message}</p> })}
                {move || form_error.get().map(|error| view! { <ErrorMessage error=error /> })}
            </form>

            {move || list_error.get().map(|error| view! { <ErrorMessage error=error /> })}
            <div class="card">
                {move || match keys.get() {
                    Remote::Loading => view! { <p class="muted">"Loading keys…"</p> }.into_any(),
                    Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                    Remote::Ready(list) if list.is_empty() => view! { <p class="muted">"No API keys yet."</p> }.into_any(),
                    Remote::Ready(list) => view! {
                        <div class="table-scroll plain">
                            <table class="admin-table">
                                <thead><tr>
                                    <th>"Key"</th><th>"Role"</th><th class="hide-narrow">"Created"</th>
                                    <th class="hide-narrow">"Last used"</th><th>"Status"</th><th></th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(|key| key_row(key, revoke)).collect_view()}</tbody>
                            </table>
                        </div>
                    }.into_any(),
                }}
            </div>

            {move || secret.get().map(|(key_name, text)| view! {
                <div class="dialog-backdrop">
                    <div class="dialog card stack" role="dialog" aria-modal="true" aria-labelledby="secret-title">
                        <h2 id="secret-title">{format!("Your new key “{key_name}”")}</h2>
                        <p class="note"><strong>"Copy it now: you will not see it again."</strong>
                            " Vizkraft keeps only a hash of it. If it is lost, revoke it and create a new one."</p>
                        <CopyField text=text testid="key-secret" label="Secret" />
                        <div>
                            <button type="button" class="button primary" data-testid="key-secret-done"
                                on:click=move |_| secret.set(None)>"Done, I have copied it"</button>
                        </div>
                    </div>
                </div>
            })}
        </section>
    }
}

fn key_row(key: ApiKeySummary, revoke: impl Fn(ApiKeySummary) + Copy + 'static) -> impl IntoView {
    let status = match (&key.revoked_at, &key.expires_at) {
        (Some(at), _) => format!("Revoked {}", format_timestamp(at)),
        (None, Some(at)) => format!("Expires {}", format_timestamp(at)),
        (None, None) => "Active, no expiry".to_owned(),
    };
    let revoked = key.revoked_at.is_some();
    let for_revoke = key.clone();
    view! {
        <tr data-testid="key-row" data-key-id=key.id.clone() class:revoked=revoked>
            <td>
                <div class="who">{key.name.clone()}</div>
                <div class="muted small"><code>{key.display_prefix.clone()}"…"</code> " · by " {key.created_by.clone()}</div>
            </td>
            <td><span class="badge role">{key.role.label()}</span></td>
            <td class="hide-narrow"><Timestamp at=key.created_at.clone() /></td>
            <td class="hide-narrow">{match key.last_used_at.clone() {
                Some(at) => view! { <Timestamp at=at /> }.into_any(),
                None => view! { <span class="muted">"Never"</span> }.into_any(),
            }}</td>
            <td class="small">{status}</td>
            <td class="actions">
                {(!revoked).then(|| view! {
                    <button type="button" class="button danger-quiet" data-testid="key-revoke"
                        on:click=move |_| revoke(for_revoke.clone())>"Revoke"</button>
                })}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_expiry_means_the_key_lasts_until_revoked() {
        assert_eq!(parse_expiry("  "), Ok(None));
        assert_eq!(parse_expiry("30"), Ok(Some(30)));
        assert!(parse_expiry("0").is_err());
        assert!(parse_expiry("-3").is_err());
        assert!(parse_expiry("a week").is_err());
    }
}
