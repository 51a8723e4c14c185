#!/usr/bin/env bash
# Run the azure adapter's tests once more under Python 3.13+ with azure-functions 2.x (the
# library the Functions worker brings for Python 3.13 and newer). Usage, from the repo root:
#   bash adapters/azure/test-azure-functions-2.sh [pytest args]
# PYTHON313 names the interpreter; otherwise python3.13 from PATH or pyenv is used.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON313:-}"
if [ -z "$python" ]; then
  for candidate in python3.13 "$(command -v pyenv >/dev/null && pyenv root)"/versions/3.13*/bin/python3.13; do
    if [ -x "$(command -v "$candidate" 2>/dev/null || echo "$candidate")" ] && \
       "$candidate" -c 'import sys; assert sys.version_info >= (3, 13)' 2>/dev/null; then
      python="$candidate"; break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "no Python 3.13 found: install one (pyenv install 3.13) or set PYTHON313" >&2
  exit 2
fi
venv="${AZURE2_VENV:-${TMPDIR:-/tmp}/portside-azure-functions-2}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet -e "$root[azure,azure-publish]" "azure-functions>=2" \
  pytest pytest-timeout hypothesis
"$venv/bin/python" -c 'import azure.functions as f, sys; print("azure-functions", f.__version__, "on Python", sys.version.split()[0])'
cd "$root"
exec "$venv/bin/python" -m pytest tests/azure -q -p no:cacheprovider "$@"
