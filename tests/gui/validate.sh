#!/bin/sh
# Usage: validate.sh TOOL ARGS...
# Runs a validator (desktop-file-validate, appstreamcli, glib-compile-schemas)
# on the application's data files; skipped (77) when the tool is missing.
tool=$1
shift
if ! command -v "$tool" >/dev/null 2>&1; then
  echo "$tool is not installed: skipped"
  exit 77
fi
exec "$tool" "$@"
