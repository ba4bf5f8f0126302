#!/bin/sh
# .deb post-remove: stop and forget the service. Images, containers and volumes under
# /var/lib/berth are kept (remove that directory by hand to free the space).
set -e
if [ -d /run/systemd/system ]; then
  systemctl stop berthd.service >/dev/null 2>&1 || true
  systemctl disable berthd.service >/dev/null 2>&1 || true
  systemctl daemon-reload || true
fi
