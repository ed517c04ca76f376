//! The OpenAPI document, generated from the handlers' annotations and the shared wire types.

use axum::Json;
use utoipa::OpenApi;

use crate::access::{Access, ApiRoutes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vizkraft relay API",
        description = "Ask your database, get a chart. Query results are streamed and never stored. \
                       Authenticate with the session cookie from /api/v1/session or an API key in \
                       `Authorization: Bearer vk_…`."
    ),
    paths(
        crate::auth::get_setup_status,
        crate::auth::complete_setup,
        crate::auth::sign_in,
        crate::auth::sign_out,
        crate::auth::switch_organisation,
        crate::auth::create_organisation,
        crate::auth::get_me,
        crate::auth::change_password,
        crate::members::list_members,
        crate::members::change_member_role,
        crate::members::remove_member,
        crate::members::invitations::list_invitations,
        crate::members::invitations::create_invitation,
        crate::members::invitations::revoke_invitation,
        crate::members::invitations::accept_invitation,
        crate::api_keys::list_api_keys,
        crate::api_keys::create_api_key,
        crate::api_keys::revoke_api_key,
        crate::audit::list_audit_events,
        crate::sources::list_sources,
        crate::sources::get_source_schema,
        crate::sources::manage::list_source_settings,
        crate::sources::manage::list_sqlite_files,
        crate::sources::manage::add_source,
        crate::sources::manage::test_new_source,
        crate::sources::manage::change_source,
        crate::sources::manage::remove_source,
        crate::sources::manage::test_saved_source,
        crate::sources::manage::refresh_source,
        crate::ask::ask_question,
        crate::ask::run_question,
        crate::query::run_query,
        crate::charts::list_charts,
        crate::charts::save_chart,
        crate::charts::get_chart,
        crate::charts::change_chart,
        crate::charts::delete_chart,
        crate::charts::duplicate_chart,
        crate::charts::run_chart,
        crate::dashboards::list_dashboards,
        crate::dashboards::create_dashboard,
        crate::dashboards::get_dashboard,
        crate::dashboards::change_dashboard,
        crate::dashboards::delete_dashboard,
        crate::dashboards::archive_dashboard,
        crate::dashboards::restore_dashboard,
        crate::dashboards::run_tile,
        crate::dashboards::share::list_links,
        crate::dashboards::share::create_link,
        crate::dashboards::share::revoke_link,
        crate::dashboards::share::revoke_all_links,
        crate::dashboards::share::rotate_link,
        crate::dashboards::share::shared_dashboard,
        crate::dashboards::share::run_shared_tile,
        crate::dashboards::share::get_sharing_policy,
        crate::dashboards::share::change_sharing_policy,
    )
)]
pub struct ApiDoc;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default().get("/openapi.json", Access::Public, || async { Json(ApiDoc::openapi()) })
}
