# Shared set-up steps for scripts/demo and scripts/test. Every step checks first and does
# nothing when already done, so a second run is quick. Sourced, not executed.

ECHARTS_VERSION=5.6.0
TRUNK_VERSION_PREFIX=0.21
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# wasm-bindgen-cli must match the crate pinned in app/Cargo.toml exactly.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' "$ROOT/app/Cargo.toml")

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

APT_UPDATED=
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "Please install these packages with your system's package manager: ${missing[*]}"
    return 1
  fi
  local sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
  say "Installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Sets WASM_BUILD_ENV to the environment the client build needs. Either rustup's own
# wasm32 target (a normal online machine) or Debian's rustc-web with std built from source
# (offline machines, where rustup cannot download the target). See docs/building.md.
WASM_BUILD_ENV=()
ensure_wasm_toolchain() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "wasm toolchain: rustup's wasm32-unknown-unknown target"
    return 0
  fi
  if ! [ -d /usr/lib/rustlib/src/rust ] && command -v rustup >/dev/null \
    && timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    say "wasm toolchain: installed rustup's wasm32-unknown-unknown target"
    return 0
  fi
  say "wasm toolchain: rustup cannot provide wasm32 here; using Debian's rustc-web and building std from source"
  apt_install rustc-web cargo-web rust-web-src lld-22
  rustup toolchain list 2>/dev/null | grep -q '^web' || rustup toolchain link web /usr
  WASM_BUILD_ENV=(RUSTUP_TOOLCHAIN=web RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort)
}

ensure_cargo_tool() { # binary, crate, version-check-regex, install args...
  local bin=$1 crate=$2 want=$3; shift 3
  if command -v "$bin" >/dev/null && "$bin" --version 2>/dev/null | grep -qE "$want"; then return 0; fi
  say "Installing $crate (once; a few minutes)"
  cargo install "$crate" "$@"
}

ensure_build_tools() {
  ensure_wasm_toolchain
  ensure_cargo_tool trunk trunk "^trunk ${TRUNK_VERSION_PREFIX//./\\.}\." --version "~$TRUNK_VERSION_PREFIX" --locked
  # No --locked: the 0.2.130 lock file names a webpki-roots release the registry lacks.
  ensure_cargo_tool wasm-bindgen wasm-bindgen-cli "^wasm-bindgen ${WASM_BINDGEN_VERSION//./\\.}$" --version "$WASM_BINDGEN_VERSION"
  ensure_echarts
}

# ECharts is served by the relay itself, never from a CDN; npm verifies the package's integrity.
ensure_echarts() {
  local target=$ROOT/public/vendor/echarts.min.js stamp=$ROOT/public/vendor/echarts.version
  [ -f "$target" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ECHARTS_VERSION" ] && return 0
  say "Fetching echarts@$ECHARTS_VERSION from npm"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null && tar xzf "echarts-$ECHARTS_VERSION.tgz" package/dist/echarts.min.js)
  mkdir -p "$(dirname "$target")"
  mv "$tmp/package/dist/echarts.min.js" "$target"
  echo "$ECHARTS_VERSION" > "$stamp"
  rm -rf "$tmp"
}

build_app() {
  say "Building the browser app (release)"
  # Trunk builds offline; fetch first what the build needs, std's own dependencies included
  # when std is built from source. Quick when everything is already in cargo's cache.
  (cd "$ROOT" && env "${WASM_BUILD_ENV[@]}" cargo fetch --target wasm32-unknown-unknown >/dev/null)
  (cd "$ROOT" && env "${WASM_BUILD_ENV[@]}" trunk build --release --offline)
}
