#!/usr/bin/env bash
# Set-up for a fresh machine of this kind; idempotent, so both README commands
# call it on every run and a second run installs and fetches nothing.
#
#  1. Debian packages that are missing (emscripten, chromium, firefox-esr,
#     cmake, ...).
#  2. Pinned third-party sources into .deps/ (ignored by git), each checked
#     against emsdk-config/sources.sha256: libsodium from Debian's source
#     package, the SQLite amalgamation from the better-sqlite3 npm tarball.
#  3. The test tools from npm (tests/package-lock.json pins them).
#
# On anything it cannot get it stops with a message naming what and why.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$HUSH_ROOT/emsdk-config/versions.env"

die() { echo "setup: $*" >&2; exit 1; }
say() { echo "setup: $*"; }

# ---- 1. Debian packages ---------------------------------------------------
# command-or-file  package
NEEDED=(
  "emcc                          emscripten"
  "/usr/bin/chromium             chromium"
  "/usr/bin/firefox-esr          firefox-esr"
  "cmake                         cmake"
  "make                          make"
  "cc                            gcc"
  "clang                         clang"
  "dpkg-source                   dpkg-dev"
  "/usr/include/sodium.h         libsodium-dev"
  "pkg-config                    pkg-config"
  "valgrind                      valgrind"
  "sqlite3                       sqlite3"
  "gzip                          gzip"
  "patch                         patch"
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core"
  "/usr/sbin/apache2              apache2"
)
missing=()
for row in "${NEEDED[@]}"; do
  read -r what pkg <<<"$row"
  if [[ $what == /* ]]; then [[ -e $what ]] || missing+=("$pkg")
  else command -v "$what" >/dev/null 2>&1 || missing+=("$pkg"); fi
done

# apt-get source needs a deb-src entry; Debian images ship only deb lines.
DEB_SRC_LIST=/etc/apt/sources.list.d/hush-deb-src.sources
need_deb_src=0
if [[ ! -s "$HUSH_DEPS/libsodium-$LIBSODIUM_VERSION/.verified" ]] &&
   ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  need_deb_src=1
fi

if (( ${#missing[@]} )) || (( need_deb_src )); then
  [[ $(id -u) == 0 ]] || die "need root to install ${missing[*]:-a deb-src entry} (apt-get)"
  if (( need_deb_src )); then
    say "adding a deb-src entry for Debian's source packages ($DEB_SRC_LIST)"
    cat >"$DEB_SRC_LIST" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  say "apt-get update"
  apt-get update -q >/dev/null || die "apt-get update failed: is Debian's package mirror reachable?"
  if (( ${#missing[@]} )); then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
      die "apt-get install ${missing[*]} failed"
  fi
fi

# ---- 2. Pinned sources ----------------------------------------------------
mkdir -p "$HUSH_DEPS/downloads"
DL="$HUSH_DEPS/downloads"

check_sha() { # file
  local want got
  want=$(awk -v f="$(basename "$1")" '$2 == f {print $1}' "$HUSH_ROOT/emsdk-config/sources.sha256")
  [[ -n $want ]] || die "no pinned sha256 for $(basename "$1") in emsdk-config/sources.sha256"
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [[ $got == "$want" ]] || { rm -f "$1"; die "sha256 mismatch for $(basename "$1"): got $got, want $want (file removed)"; }
}

SODIUM_DIR="$HUSH_DEPS/libsodium-$LIBSODIUM_VERSION"
# The stamp records our patches too, so editing one re-unpacks the source.
sodium_stamp=$(cat "$HUSH_ROOT"/emsdk-config/patches/libsodium-*.patch | sha256sum | cut -d' ' -f1)
if [[ $(cat "$SODIUM_DIR/.verified" 2>/dev/null) != "$sodium_stamp" ]]; then
  say "fetching libsodium $LIBSODIUM_DEB_VERSION (Debian source package)"
  files=(libsodium_$LIBSODIUM_VERSION.orig.tar.gz libsodium_$LIBSODIUM_DEB_VERSION.debian.tar.xz libsodium_$LIBSODIUM_DEB_VERSION.dsc)
  need=0; for f in "${files[@]}"; do [[ -f $DL/$f ]] || need=1; done
  if (( need )); then
    (cd "$DL" && apt-get source --download-only -q "libsodium=$LIBSODIUM_DEB_VERSION" >/dev/null 2>&1) ||
      die "apt-get source libsodium=$LIBSODIUM_DEB_VERSION failed (no deb-src entry, or the version left the mirror)"
  fi
  for f in "${files[@]}"; do check_sha "$DL/$f"; done
  rm -rf "$SODIUM_DIR"
  # dpkg-source applies Debian's patches, so the wasm build matches Debian's
  # libsodium23 byte for byte (the known-answer test compares against it).
  (cd "$HUSH_DEPS" && dpkg-source --no-check -x "$DL/libsodium_$LIBSODIUM_DEB_VERSION.dsc" "$SODIUM_DIR" >/dev/null) ||
    die "dpkg-source could not unpack libsodium"
  rm -f "$HUSH_DEPS"/libsodium_*.orig.tar.gz  # dpkg-source's symlink
  for p in "$HUSH_ROOT"/emsdk-config/patches/libsodium-*.patch; do
    patch -s -p1 -d "$SODIUM_DIR" <"$p" || die "patch $(basename "$p") does not apply to libsodium $LIBSODIUM_VERSION"
  done
  echo "$sodium_stamp" >"$SODIUM_DIR/.verified"
fi

SQLITE_DIR="$HUSH_DEPS/sqlite-$SQLITE_VERSION"
if [[ ! -f $SQLITE_DIR/.verified ]]; then
  say "fetching SQLite $SQLITE_VERSION (npm better-sqlite3@$BETTER_SQLITE3_VERSION)"
  tgz="$DL/better-sqlite3-$BETTER_SQLITE3_VERSION.tgz"
  if [[ ! -f $tgz ]]; then
    (cd "$DL" && npm pack --silent "better-sqlite3@$BETTER_SQLITE3_VERSION" >/dev/null) ||
      die "npm pack better-sqlite3@$BETTER_SQLITE3_VERSION failed: is the npm registry reachable?"
  fi
  check_sha "$tgz"
  rm -rf "$SQLITE_DIR"; mkdir -p "$SQLITE_DIR"
  tar -xzf "$tgz" -C "$SQLITE_DIR" --strip-components=3 package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h
  grep -q "define SQLITE_VERSION *\"$SQLITE_VERSION\"" "$SQLITE_DIR/sqlite3.h" ||
    die "better-sqlite3@$BETTER_SQLITE3_VERSION does not hold SQLite $SQLITE_VERSION"
  touch "$SQLITE_DIR/.verified"
fi

# ---- 3. Test and benchmark tools from npm ---------------------------------
# The test tools (tests/) and the relay's one dependency (web/relay/), each
# pinned by its package-lock.json; reinstalled only when the lock changes.
for dir in "$HUSH_ROOT/tests" "$HUSH_ROOT/web/relay"; do
  if [[ ! -f $dir/node_modules/.package-lock.json ]] ||
     ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.hush-lock"; then
    say "npm ci (${dir#"$HUSH_ROOT"/}/)"
    (cd "$dir" && npm ci --silent --no-audit --no-fund) || die "npm ci in ${dir#"$HUSH_ROOT"/}/ failed: is the npm registry reachable?"
    cp "$dir/package-lock.json" "$dir/node_modules/.hush-lock"
  fi
done
