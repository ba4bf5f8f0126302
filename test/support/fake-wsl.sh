#!/bin/sh
# Stands for wsl.exe in tests: takes `-d <distro> -u <user> --exec <program> <args…>` as wsl.exe
# does and runs the program here, so the WSL connection's code runs unchanged on Linux.
# BERTH_FAKE_WSL_LOG, when set, gets one line per invocation (the tests count processes).
distro=
user=
while [ $# -gt 0 ]; do
  case "$1" in
    -d | --distribution) distro=$2; shift 2 ;;
    -u | --user) user=$2; shift 2 ;;
    --exec | -e) shift; break ;;
    *) echo "fake-wsl: unexpected argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$distro" ] || [ "$user" != root ] || [ $# -eq 0 ]; then
  echo "fake-wsl: want -d <distro> -u root --exec <program> …" >&2
  exit 2
fi
if [ -n "$BERTH_FAKE_WSL_LOG" ]; then echo "$distro $1" >> "$BERTH_FAKE_WSL_LOG"; fi
exec "$@"
