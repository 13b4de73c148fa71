# Shared by scripts/run and scripts/test: make .venv and install the project with the given extras,
# again only when the packaging files change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extras="$1"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Safnama needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv …"
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  echo "Installing Safnama and its dependencies (${extras:-base}) …"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
