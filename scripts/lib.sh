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

# cargo_install ARGS... : `cargo install` for a build tool. Tools need no whole-program
# optimisation: trunk's own release profile (fat LTO, one codegen unit) alone made its install
# take minutes longer on two cores for no difference a build can notice.
cargo_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install "$@"
}

ensure_trunk() {
  [[ "$(trunk --version 2>/dev/null)" == "trunk $TRUNK_VERSION" ]] && return 0
  log "Installing trunk $TRUNK_VERSION (once; takes several minutes)"
  cargo_install trunk --version "$TRUNK_VERSION" --locked --root "$TOOLS"
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
  cargo_install wasm-bindgen-cli --version "$version" --root "$TOOLS"
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
  cargo_install cargo-nextest --version "$NEXTEST_VERSION" --locked --root "$TOOLS"
}

# Everything `scripts/build-web` needs.
ensure_web_toolchain() {
  ensure_rust
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen
  ensure_wasm_opt
}

# free_port : prints a TCP port on 127.0.0.1 that nothing listens on, below Linux's ephemeral
# range (32768 and up), where a test's outgoing connection could hold it without listening.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free TCP port found"
}

# --- PostgreSQL for tests -------------------------------------------------------------------

PG_TMP=""

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# start_postgres : starts a private, throwaway PostgreSQL server on a free port (unless
# STARCRM_TEST_POSTGRES_URL already points at one) and exports STARCRM_TEST_POSTGRES_URL.
# The system's own cluster is left alone. stop_postgres removes it again.
start_postgres() {
  if [[ -n "${STARCRM_TEST_POSTGRES_URL:-}" ]]; then
    log "Using the PostgreSQL server in STARCRM_TEST_POSTGRES_URL"
    return 0
  fi
  [[ -n "$(pg_bin_dir)" ]] || apt_install postgresql
  local bin port run_as=()
  bin="$(pg_bin_dir)"
  PG_TMP="$(mktemp -d /tmp/starcrm-pg.XXXXXX)"
  # initdb refuses to run as root: the server runs as the `postgres` user then.
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$PG_TMP"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$PG_TMP/initdb.log" 2>&1 ||
    { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
  # A port free when probed can be taken before the server binds it: try another then.
  local attempt
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    if [[ -f "$PG_TMP/postgres.log" ]]; then : >"$PG_TMP/postgres.log"; fi
    log "Starting a throwaway PostgreSQL ($("$bin/postgres" --version | awk '{print $3}')) on port $port"
    # Durability settings off: this database lives for one test run.
    if "${run_as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 \
      -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
      export STARCRM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    grep -q "could not create any TCP/IP sockets" "$PG_TMP/postgres.log" || break
    log "Port $port was taken meanwhile (attempt $attempt)"
  done
  cat "$PG_TMP/postgres.log" >&2
  die "PostgreSQL did not start"
}

stop_postgres() {
  [[ -n "$PG_TMP" && -d "$PG_TMP/data" ]] || return 0
  local run_as=()
  [[ $EUID -eq 0 ]] && run_as=(runuser -u postgres --)
  "${run_as[@]}" "$(pg_bin_dir)/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=""
}

STANDARDWEBHOOKS_VERSION=1.1.0
AIOSMTPD_VERSION=1.4.6
# The reference the purchase-behaviour model tests hold StarCRM's fits against, and the
# numerical stack it runs on (versions checked together on Python 3.11).
LIFETIMES_VERSION=0.11.3
LIFETIMES_STACK="numpy==2.4.6 scipy==1.17.1 pandas==3.1.1 autograd==1.9.1 dill==0.4.1"

# ensure_webhook_verifier : a Python virtualenv with the Standard Webhooks reference library
# (PyPI `standardwebhooks`), which the webhook tests use to check our signatures as an
# integrator's receiver would, aiosmtpd (PyPI), the real SMTP server the email tests send
# to, and lifetimes (PyPI), the reference for the purchase-behaviour models. Exports
# STARCRM_WEBHOOK_VERIFIER, the virtualenv's python.
ensure_webhook_verifier() {
  local venv="$TOOLS/python"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('standardwebhooks') != '$STANDARDWEBHOOKS_VERSION' or m.version('aiosmtpd') != '$AIOSMTPD_VERSION' or m.version('lifetimes') != '$LIFETIMES_VERSION')" 2>/dev/null; then
    apt_install python3 python3-venv
    log "Installing standardwebhooks $STANDARDWEBHOOKS_VERSION, aiosmtpd $AIOSMTPD_VERSION and lifetimes $LIFETIMES_VERSION (PyPI) for the webhook, email and model tests"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    # shellcheck disable=SC2086 # the stack is a list of requirements
    "$venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$STANDARDWEBHOOKS_VERSION" \
      "aiosmtpd==$AIOSMTPD_VERSION" "lifetimes==$LIFETIMES_VERSION" $LIFETIMES_STACK
  fi
  export STARCRM_WEBHOOK_VERIFIER="$venv/bin/python"
}
