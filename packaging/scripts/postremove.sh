#!/bin/sh
# After removal and upgrade (deb: postrm; rpm: %postun): systemd forgets
# the removed or replaced unit files.
set -e
[ -d /run/systemd/system ] || exit 0
systemctl daemon-reload
