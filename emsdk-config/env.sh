# Environment for every Emscripten call; sourced by setup.sh and the scripts,
# and passed to the compiler through CMake's launcher so a bare `cmake --build`
# works too.
HUSH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export HUSH_ROOT
# Debian's emscripten tools import acorn and friends from Debian's node modules.
export NODE_PATH=/usr/share/nodejs
export EM_CONFIG="$HUSH_ROOT/emsdk-config/emscripten.config"
export HUSH_DEPS="${HUSH_DEPS:-$HUSH_ROOT/.deps}"
export CHROMIUM=/usr/bin/chromium
