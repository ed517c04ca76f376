//! Boots the browser app: panics go to the console, then `App` mounts on `<body>`.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(vizkraft_app::App);
}
