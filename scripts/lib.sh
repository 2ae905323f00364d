# shellcheck shell=bash
# Helpers shared by scripts/services, scripts/up and scripts/test. Source it, do not run it.
#
# Sets REPO_ROOT (the checkout this file lives in) and STATE (where pid files, logs and
# local data go; $LOOKBOOK_STATE or <repo>/.run, which is gitignored).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${LOOKBOOK_STATE:-$REPO_ROOT/.run}"
PID_DIR="$STATE/pids"
LOG_DIR="$STATE/logs"

# cargo-installed tools (s3s-fs, sqlx-cli) land here; rustup does not always put it on PATH.
if [[ -d "${CARGO_HOME:-$HOME/.cargo}/bin" && ":$PATH:" != *":${CARGO_HOME:-$HOME/.cargo}/bin:"* ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  export PATH
fi

log() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$@" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Run a command as root: directly when we are root, through sudo when it exists.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  # The subshell owns the descriptor, so nothing stays open; timeout guards odd networks.
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# wait_port HOST PORT SECONDS: wait until the port accepts connections; false on timeout.
wait_port() {
  local host=$1 port=$2 seconds=$3 deadline
  deadline=$((SECONDS + seconds))
  until port_open "$host" "$port"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

_APT_UPDATED=${_APT_UPDATED:-0}

# ensure_pkg PKG...: install the Debian packages that are missing (apt-get update at most once).
ensure_pkg() {
  local missing=() p
  for p in "$@"; do
    pkg_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get to install them"
  if [[ $_APT_UPDATED -eq 0 ]]; then
    log "apt: updating package lists"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  log "apt: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# pip_install PKG...: install into the python3 on PATH; retry with --break-system-packages
# where the distribution marks its Python as externally managed (PEP 668).
pip_install() {
  if ! python3 -m pip --version >/dev/null 2>&1; then
    ensure_pkg python3-pip
  fi
  local out
  if out=$(python3 -m pip install -q --disable-pip-version-check "$@" 2>&1); then
    return 0
  fi
  if [[ $out == *externally-managed* ]]; then
    python3 -m pip install -q --disable-pip-version-check --break-system-packages "$@" ||
      die "pip install $* failed"
  else
    printf '%s\n' "$out" >&2
    die "pip install $* failed"
  fi
}

# require_cargo: make sure the Rust toolchain is there; we cannot fetch rustup from here.
require_cargo() {
  command -v cargo >/dev/null 2>&1 && return 0
  cat >&2 <<'EOF'
error: cargo (Rust) is not installed.
Install the Rust toolchain with rustup, then run this again:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y
    . "$HOME/.cargo/env"
EOF
  exit 1
}

# load_env_file FILE: export KEY=VALUE lines that the environment does not already set.
# Lines are read literally (no shell evaluation), so values such as `*` or `%2f` are safe.
load_env_file() {
  local file=$1 line key value
  while IFS= read -r line || [[ -n $line ]]; do
    line="${line%$'\r'}"
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] ||
      die "$file: cannot parse line: $line"
    key=${BASH_REMATCH[2]}
    value=${BASH_REMATCH[3]}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    [[ -n ${!key+set} ]] || export "$key=$value"
  done <"$file"
}

# load_env: .env when present, else the documented defaults in .env.example.
load_env() {
  if [[ -f "$REPO_ROOT/.env" ]]; then
    load_env_file "$REPO_ROOT/.env"
  elif [[ -f "$REPO_ROOT/.env.example" ]]; then
    load_env_file "$REPO_ROOT/.env.example"
  fi
}

# pid_alive PIDFILE [MATCH]: the recorded process runs (and its command line contains MATCH,
# which guards against a stale pid file naming a recycled pid).
pid_alive() {
  local file=$1 match=${2:-} pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -z $match ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$match"
}

# start_bg NAME CMD...: run CMD detached in its own session (Ctrl-C in this terminal does not
# reach it), output to $LOG_DIR/NAME.log, pid in $PID_DIR/NAME.pid. Prints nothing.
start_bg() {
  local name=$1
  shift
  mkdir -p "$PID_DIR" "$LOG_DIR"
  # The inner shell writes its own pid and then execs, so the pid file names CMD itself.
  # shellcheck disable=SC2016 # expanded by the inner shell, on purpose
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_DIR/$name.pid" "$@" \
    </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  local _
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [[ -s "$PID_DIR/$name.pid" ]] && return 0
    sleep 0.1
  done
}

# stop_pidfile PIDFILE [MATCH] [SIGNAL] [GRACE_SECONDS]: signal the process, wait for it to
# exit, kill it if it overstays the grace period, remove the pid file.
stop_pidfile() {
  local file=$1 match=${2:-} sig=${3:-TERM} grace=${4:-25} pid deadline
  if pid_alive "$file" "$match"; then
    pid=$(<"$file")
    kill -s "$sig" "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      warn "$(basename "$file" .pid): did not stop within ${grace}s, killing"
      kill -s KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# tail_log NAME: the last lines of a service log, for failure messages.
tail_log() {
  [[ -f "$LOG_DIR/$1.log" ]] && tail -n 20 "$LOG_DIR/$1.log" >&2
  return 0
}
