#!/bin/sh
# The entrypoint of every haicap image (deploy/Dockerfile).
#   serve [options]   listen on all interfaces at $SERVICE_PORT (uvicorn, one worker)
#   anything else     the service's own command line: migrate, import-units, create-admin, ...
set -eu
if [ "$#" -eq 0 ] || [ "$1" = serve ]; then
  [ "$#" -gt 0 ] && shift
  # NOTE: exec, so the service itself is PID 1 and gets SIGTERM directly (uvicorn then
  # finishes the requests in flight before it exits).
  exec haicap-service serve --host 0.0.0.0 --port "${SERVICE_PORT:?SERVICE_PORT is set by the image}" "$@"
fi
exec haicap-service "$@"
