#!/usr/bin/env bash
# Installs what the benchmark peers need, idempotently:
#   Debian: xfonts-wqy (WenQuanYi bitmap fonts, 12 and 16 px), fonts-wqy-zenhei (outline, other sizes),
#           mosquitto (the broker of the MQTT peer)
#   PyPI:   Pillow and paho-mqtt, in a virtual environment at $PINGHU_PEER_VENV
#           (default: $TMPDIR/pinghu-peers-venv, which the benches look for)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PINGHU_PEER_VENV:-${TMPDIR:-/tmp}/pinghu-peers-venv}"
need=()
for p in xfonts-wqy fonts-wqy-zenhei mosquitto python3-venv; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
"$venv/bin/python" "$here/pillow_render.py" --repeat 1 >/dev/null
echo "peers ready: $venv/bin/python"
