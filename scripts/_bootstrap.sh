# Sourced by scripts/serve and scripts/test: find Python >= 3.12, make .venv, install the project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidates=()
  [ -n "${STANCEMARK_PYTHON:-}" ] && candidates+=("$STANCEMARK_PYTHON")
  candidates+=(python3.13 python3.12)
  # pyenv's shims refuse versions that are not selected, so also try its interpreters directly.
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    for found in "$root"/versions/3.13*/bin/python3 "$root"/versions/3.12*/bin/python3; do
      [ -x "$found" ] && candidates+=("$found")
    done
  fi
  candidates+=(python3 python)
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  echo "Stancemark needs Python 3.12 or newer; none found (set STANCEMARK_PYTHON=/path/to/python3.12)." >&2
  return 1
}

ensure_venv() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ] || ! python_ok "$VENV/bin/python"; then
    local python; python=$(find_python)
    echo "==> Creating .venv with $python"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
  fi
  # Reinstall only when pyproject.toml or the extras asked for changed.
  local stamp="$VENV/.stancemark-installed"
  local want; want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> Installing Stancemark and its dependencies into .venv"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".$extras"
    echo "$want" > "$stamp"
  fi
}
