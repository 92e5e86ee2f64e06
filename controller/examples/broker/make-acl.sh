#!/usr/bin/env bash
# Make a mosquitto ACL and password file for a fleet of Pinghu boards.
#
#   make-acl.sh BOARDS OUT_DIR
#
# BOARDS has one line per board: its screen id, then its groups, e.g.
#   yiling-pinghu yiling-all xiaoxita
# The passwords of the portal, the bridge and each board are generated (printed once to
# OUT_DIR/passwords.txt, mode 600: put each board's in its mqtt.password_file, the bridge's in
# bridge.conf's remote_password); OUT_DIR/acl.conf, OUT_DIR/passwd (the boards) and
# OUT_DIR/office.passwd (the portal and the bridge) are what mosquitto.conf names, in
# /etc/mosquitto/pinghu/ when OUT_DIR is that.
set -euo pipefail
boards=${1:?usage: make-acl.sh BOARDS OUT_DIR}
out=${2:?usage: make-acl.sh BOARDS OUT_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
umask 077
cp "$here/acl.conf" "$out/acl.conf"
: > "$out/passwd"
: > "$out/office.passwd"
: > "$out/passwords.txt"
pw() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
add_user() {
  local file=$1 user=$2 pass
  pass=$(pw)
  mosquitto_passwd -b "$out/$file" "$user" "$pass"
  printf '%s %s\n' "$user" "$pass" >> "$out/passwords.txt"
}
add_user office.passwd portal
add_user office.passwd bridge
while read -r screen groups; do
  [ -z "${screen:-}" ] && continue
  case "$screen" in \#*) continue ;; esac
  if ! [[ "$screen" =~ ^[a-z0-9-]{1,32}$ ]]; then
    echo "make-acl.sh: screen id \"$screen\" must be 1-32 of a-z 0-9 -" >&2
    exit 1
  fi
  case "$screen" in portal|bridge)
    echo "make-acl.sh: \"$screen\" is the office's user name, not a screen id: name the board otherwise" >&2
    exit 1 ;;
  esac
  add_user passwd "$screen"
  {
    printf '\n# %s: its groups\nuser %s\n' "$screen" "$screen"
    for g in $groups; do
      printf 'topic read pinghu/v1/groups/%s/announcements\n' "$g"
      printf 'topic read pinghu/v1/groups/%s/alerts\n' "$g"
      printf 'topic read pinghu/v1/groups/%s/playlist\n' "$g"
      printf 'topic read pinghu/v1/groups/%s/pictures/+\n' "$g"
    done
  } >> "$out/acl.conf"
done < "$boards"
echo "wrote $out/acl.conf, $out/passwd, $out/office.passwd and $out/passwords.txt (keep the last one secret)"
