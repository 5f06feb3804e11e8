#!/bin/sh
# Before removal (deb: prerm remove; rpm: %preun 0), not before an upgrade
# (deb: prerm upgrade; rpm: %preun 1): stop and disable both services.
set -e
[ -d /run/systemd/system ] || exit 0
case "$1" in
remove | 0) systemctl --no-reload disable --now kos_exporter.service kos_report.service ;;
esac
