#!/bin/sh
# The image's entry point: `serve` (gunicorn), `worker`, `init`, or any other notice-service command.
# The role is written to $TMPDIR so that the HEALTHCHECK knows whether this container serves HTTP.
set -eu
role="${1:-serve}"
printf '%s\n' "$role" > "${TMPDIR:-/tmp}/notice-role"
exec notice-service "$@"
