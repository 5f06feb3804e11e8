#!/bin/sh
# After install and upgrade (deb: postinst configure [old version]; rpm:
# %post 1 on install, 2 on upgrade). Starts nothing: the DSN file must be
# written first. On upgrade, a running service restarts on the new binary.
set -e
[ -d /run/systemd/system ] || exit 0
systemctl daemon-reload
case "$1:${2:-}" in
configure:?* | 2:*) systemctl try-restart kos_exporter.service kos_report.service ;;
esac
