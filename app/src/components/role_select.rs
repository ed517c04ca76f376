//! Picking a role: the `<select>` used for members, invitations and API keys, and which roles
//! a member may hand out.

use leptos::prelude::*;
use vizkraft_domain::api::auth::Role;

/// The role's wire name, used as the option value so tests and the relay read the same word.
pub fn role_value(role: Role) -> &'static str {
    match role {
        Role::Viewer => "viewer",
        Role::Editor => "editor",
        Role::Admin => "admin",
        Role::Owner => "owner",
    }
}

pub fn role_from_value(value: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|role| role_value(*role) == value)
}

/// Roles a member with `own` may give to others, invitations and API keys: never more than
/// their own (the relay refuses anything higher with `forbidden`).
pub fn grantable_roles(own: Role) -> Vec<Role> {
    Role::ALL.into_iter().filter(|role| *role <= own).collect()
}

#[component]
pub fn RoleSelect(
    id: String,
    testid: &'static str,
    /// The roles offered; `selected` is added when missing, so the current role always shows.
    options: Vec<Role>,
    selected: Role,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] label: Option<String>,
    on_pick: impl Fn(Role) + 'static,
) -> impl IntoView {
    let mut options = options;
    if !options.contains(&selected) {
        options.push(selected);
        options.sort();
    }
    view! {
        <select id=id class="role-select" data-testid=testid aria-label=label disabled=move || disabled.get()
            on:change=move |ev| {
                if let Some(role) = role_from_value(&event_target_value(&ev)) {
                    on_pick(role);
                }
            }>
            {options.into_iter().map(|role| view! {
                <option value=role_value(role) selected=role == selected>{role.label()}</option>
            }).collect_view()}
        </select>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_values_are_the_wire_names_and_read_back() {
        for role in Role::ALL {
            let wire = serde_json::to_value(role).unwrap();
            assert_eq!(wire, serde_json::Value::String(role_value(role).to_owned()));
            assert_eq!(role_from_value(role_value(role)), Some(role));
        }
        assert_eq!(role_from_value("root"), None);
    }

    #[test]
    fn admins_may_grant_up_to_admin_and_only_owners_may_grant_owner() {
        assert_eq!(grantable_roles(Role::Admin), vec![Role::Viewer, Role::Editor, Role::Admin]);
        assert_eq!(grantable_roles(Role::Owner), Role::ALL.to_vec());
    }
}
