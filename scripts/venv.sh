#!/usr/bin/env bash
# Creates (or refreshes) the Python venv from a requirements file; a stamp holding the file's checksum
# makes a second run a no-op.
set -euo pipefail
venv="$1"
requirements="$2"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
stamp="$venv/.argus-requirements.sha256"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "venv: up to date ($venv)"
    exit 0
fi
echo "venv: installing $requirements into $venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
echo "$want" > "$stamp"
