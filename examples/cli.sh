#!/usr/bin/env bash
# The rxbs command line as an operator uses it: a job went wrong; find it, look at it, retry it
# or clear it. Every command takes --json for scripts; `rxbs --help` lists them all.
#
#   bash examples/cli.sh [beanstalk://127.0.0.1:11300]
#
# Uses `npx rxbs` (the package's bin); set RXBS to run another build, e.g. RXBS="node dist/cjs/cli/rxbs.js".
set -euo pipefail
export BEANSTALKD_URL="${1:-${BEANSTALKD_URL:-beanstalk://127.0.0.1:11300}}"
rxbs() { ${RXBS:-npx rxbs} "$@"; }
tube=cli-example

# Two jobs arrive; a worker handles the first and buries the second.
rxbs put --tube "$tube" '{"to":"ada@example.com"}'
rxbs put --tube "$tube" --priority 10 '{"to":"nobody@nowhere.invalid"}'
rxbs reserve --tube "$tube" --timeout 1 --bury # priority 10 comes first
rxbs reserve --tube "$tube" --timeout 1 --delete

rxbs stats                                  # every tube at a glance; buried jobs stand out
rxbs stats --tube "$tube" --json            # the same for scripts
rxbs peek buried --tube "$tube"             # the buried job's body
rxbs kick 10 --tube "$tube"                 # give it another chance...
rxbs drain "$tube" --ready --buried --yes   # ...or clear the tube for good
