#!/bin/sh
# .deb post-install: the socket's group, and berthd as a system service when systemd runs.
set -e
getent group berth >/dev/null 2>&1 || groupadd --system berth
chmod 0755 /opt/Berth/resources/bin/berthd 2>/dev/null || true
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl enable berthd.service >/dev/null 2>&1 || true
  systemctl start berthd.service || echo "berthd did not start now; see: journalctl -u berthd" >&2
fi
echo "Berth: add yourself to the berth group to use the engine without root: sudo usermod -aG berth \$USER (then log in again)"
