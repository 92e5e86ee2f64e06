#!/usr/bin/env bash
# Make a mosquitto ACL and password file for a fleet of Pinghu boards.
#
#   make-acl.sh BOARDS OUT_DIR
#
# BOARDS has one line per board: its screen id, then its groups, e.g.
#   yiling-pinghu yiling-all xiaoxita
# The portal's password and each board's are generated (printed once to OUT_DIR/passwords.txt,
# mode 600: put each in its board's mqtt.password_file); OUT_DIR/acl.conf and OUT_DIR/passwd are
# what mosquitto.conf names in acl_file and password_file.
set -euo pipefail
boards=${1:?usage: make-acl.sh BOARDS OUT_DIR}
out=${2:?usage: make-acl.sh BOARDS OUT_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
umask 077
cp "$here/acl.conf" "$out/acl.conf"
: > "$out/passwd"
: > "$out/passwords.txt"
pw() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
add_user() {
  local user=$1 pass
  pass=$(pw)
  mosquitto_passwd -b "$out/passwd" "$user" "$pass"
  printf '%s %s\n' "$user" "$pass" >> "$out/passwords.txt"
}
add_user portal
while read -r screen groups; do
  [ -z "${screen:-}" ] && continue
  case "$screen" in \#*) continue ;; esac
  if ! [[ "$screen" =~ ^[a-z0-9-]{1,32}$ ]]; then
    echo "make-acl.sh: screen id \"$screen\" must be 1-32 of a-z 0-9 -" >&2
    exit 1
  fi
  add_user "$screen"
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
echo "wrote $out/acl.conf, $out/passwd and $out/passwords.txt (keep the last one secret)"
