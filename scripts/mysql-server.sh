#!/usr/bin/env bash
# A real MySQL 9.7 LTS for the tests, in .tools/, without touching the system's packages.
#
#   bash scripts/mysql-server.sh install   # once: a Debian sid root with mysql-server-core in .tools/mysql/
#   bash scripts/mysql-server.sh start     # installs if needed, starts it on 127.0.0.1:$MYSQL_PORT, waits until it answers
#   bash scripts/mysql-server.sh stop      # stops it (its data stays for the next start)
#   bash scripts/mysql-server.sh url       # prints the URL to give the tests as TEST_DATABASE_SERVER
#   bash scripts/mysql-server.sh socket    # prints the host path of mysqld's own unix socket
#
# Why this way: production is Cloud SQL for MySQL 8.4. Debian's registry carries MySQL 9.7 LTS
# (8.4's successor: same default authentication, caching_sha2_password, same timeout rules and
# error numbers) only in its sid suite, and this machine is bookworm. So debootstrap (itself
# unpacked from its .deb, not installed) builds a minimal sid root, apt installs the server in
# there, and mysqld runs chrooted into it (CI runs as root), with its data directory and socket
# inside that root. The root user has no password and authenticates with caching_sha2_password,
# the default; mysqld counts a login from 127.0.0.1 as root@localhost, so the tests log in over
# TCP as production does.
set -euo pipefail
project="$(cd "$(dirname "$0")/.." && pwd)"
home="$project/.tools/mysql"
root="$home/root"
port="${MYSQL_PORT:-3406}"
data=/var/lib/mysql-test # inside the root
sock=/run/mysqld/mysqld.sock # inside the root
pidfile=/run/mysqld/mysqld.pid # inside the root

mirror() {
  # The mirror apt uses on this machine (deb.debian.org, reached through the machine's package proxy).
  local uri
  uri="$(sed -n 's/^URIs:[[:space:]]*\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

say() { echo "mysql-server: $*" >&2; }

answers() { [ -S "$root$sock" ] && chroot "$root" mysqladmin --socket="$sock" -u root ping >/dev/null 2>&1; }

install() {
  if [ -f "$home/installed" ] && [ -x "$root/usr/sbin/mysqld" ]; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || { say "installing needs root (debootstrap and chroot)"; exit 1; }
  local started=$SECONDS
  mkdir -p "$home"
  if [ ! -x "$home/debootstrap/usr/sbin/debootstrap" ]; then
    say "fetching debootstrap (unpacked into .tools/, not installed)"
    rm -rf "$home/debootstrap-deb" && mkdir -p "$home/debootstrap-deb"
    (cd "$home/debootstrap-deb" && { apt-get download debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get download debootstrap; }; })
    dpkg-deb -x "$home"/debootstrap-deb/debootstrap_*.deb "$home/debootstrap"
    rm -rf "$home/debootstrap-deb"
  fi
  if [ ! -f "$root/.debootstrap-done" ]; then
    say "building a minimal Debian sid root in $root"
    rm -rf "$root"
    DEBOOTSTRAP_DIR="$home/debootstrap/usr/share/debootstrap" \
      "$home/debootstrap/usr/sbin/debootstrap" --variant=minbase sid "$root" "$(mirror)" >"$home/debootstrap.log" 2>&1 ||
      { tail -n 30 "$home/debootstrap.log" >&2; say "debootstrap failed (log: $home/debootstrap.log)"; exit 1; }
    touch "$root/.debootstrap-done"
  fi
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  say "installing mysql-server-core in the sid root"
  # The registry's sid index can carry a Valid-Until already past; the packages are still signed.
  local apt=(chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false)
  "${apt[@]}" update >"$home/apt.log" 2>&1 &&
    "${apt[@]}" install --no-install-recommends mysql-server-core mysql-client-core >>"$home/apt.log" 2>&1 ||
    { tail -n 30 "$home/apt.log" >&2; say "apt-get in the sid root failed (log: $home/apt.log)"; exit 1; }
  "${apt[@]}" clean >/dev/null 2>&1 || true
  touch "$home/installed"
  say "installed $(chroot "$root" mysqld --version) in $((SECONDS - started)) s"
}

initialize() {
  [ -f "$home/initialized" ] && return 0
  say "initializing a data directory (root@localhost, caching_sha2_password, no password)"
  rm -rf "${root:?}$data"
  chroot "$root" mysqld --no-defaults --initialize-insecure --user=root --datadir="$data" --secure-file-priv="" \
    >"$home/initialize.log" 2>&1 || { cat "$home/initialize.log" >&2; exit 1; }
  touch "$home/initialized"
}

start() {
  install
  mkdir -p "$root/run/mysqld" "$root/var/log"
  if answers; then
    say "already running on 127.0.0.1:$port"
    return 0
  fi
  initialize
  local started=$SECONDS
  chroot "$root" mysqld --no-defaults --user=root --datadir="$data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$sock" --pid-file="$pidfile" --secure-file-priv="" --mysqlx=OFF \
    --log-error=/var/log/mysqld.err --daemonize >/dev/null ||
    { tail -n 30 "$root/var/log/mysqld.err" >&2; say "mysqld did not start"; exit 1; }
  for _ in $(seq 1 60); do answers && break; sleep 1; done
  answers || { tail -n 30 "$root/var/log/mysqld.err" >&2; say "mysqld did not answer within 60 s"; exit 1; }
  say "MySQL $(chroot "$root" mysqld --version | sed -n 's/.*Ver \([^ ]*\).*/\1/p') answers on 127.0.0.1:$port (started in $((SECONDS - started)) s)"
}

stop() {
  local pid
  pid="$(cat "$root$pidfile" 2>/dev/null || true)"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then say "mysqld ($pid) did not stop within 60 s"; exit 1; fi
  say "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  url) echo "mysql://root@127.0.0.1:$port" ;;
  socket) echo "$root$sock" ;;
  *) echo "usage: $0 install|start|stop|url|socket" >&2; exit 2 ;;
esac
