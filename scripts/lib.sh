# Shared by the scripts in this folder: paths, pinned tool versions and idempotent installers.
# Source it; do not run it. Installs come only from package registries (Debian, crates.io, npm)
# and the Rust dist server behind `rustup target add`.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Tools and (in CI) the cargo target dir live outside the clone, so a fresh clone reuses them.
STARCRM_CACHE="${STARCRM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/starcrm}"
TOOLS="$STARCRM_CACHE/tools"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PATH="$TOOLS/bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132      # Debian's binaryen 108 miscompiles the wasm; npm has 132.
NEXTEST_VERSION=0.9.143

# trunk 0.21 accepts only NO_COLOR=true/false.
if [[ -n "${NO_COLOR:-}" ]]; then export NO_COLOR=true; fi

log() { printf '\n\033[1;34m==>\033[0m \033[1m%s\033[0m\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "root is needed to run: $*"
  fi
}

# apt_install PKG... : installs the Debian packages that are missing.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "Installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
  command -v cc >/dev/null 2>&1 || apt_install gcc libc6-dev
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || {
    log "Adding the wasm32-unknown-unknown Rust target"
    rustup target add wasm32-unknown-unknown
  }
}

# lock_version CRATE : the version of CRATE in Cargo.lock.
lock_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_trunk() {
  [[ "$(trunk --version 2>/dev/null)" == "trunk $TRUNK_VERSION" ]] && return 0
  log "Installing trunk $TRUNK_VERSION (once; takes several minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --root "$TOOLS"
}

ensure_wasm_bindgen() {
  local version pinned
  version="$(lock_version wasm-bindgen)"
  [[ -n "$version" ]] || die "wasm-bindgen is missing from Cargo.lock"
  pinned="$(sed -n 's/^wasm_bindgen *= *"\(.*\)"/\1/p' "$ROOT/Trunk.toml")"
  [[ "$pinned" == "$version" ]] ||
    die "Trunk.toml pins wasm_bindgen = \"$pinned\" but Cargo.lock has $version: make them equal"
  [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $version" ]] && return 0
  log "Installing wasm-bindgen-cli $version (once; takes a few minutes)"
  # Not --locked: its lockfile names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$version" --root "$TOOLS"
}

ensure_wasm_opt() {
  wasm-opt --version 2>/dev/null | grep -q "(version_$BINARYEN_VERSION)" && return 0
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  log "Installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  npm install --prefix "$TOOLS/npm" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION"
  mkdir -p "$TOOLS/bin"
  ln -sf "$TOOLS/npm/node_modules/.bin/wasm-opt" "$TOOLS/bin/wasm-opt"
}

ensure_nextest() {
  cargo nextest --version >/dev/null 2>&1 && return 0
  log "Installing cargo-nextest $NEXTEST_VERSION (once)"
  cargo install cargo-nextest --version "$NEXTEST_VERSION" --locked --root "$TOOLS"
}

# Everything `scripts/build-web` needs.
ensure_web_toolchain() {
  ensure_rust
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen
  ensure_wasm_opt
}

# free_port : prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free TCP port found"
}
