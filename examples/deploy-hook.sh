#!/usr/bin/env bash
# A deploy hook for `rollwise rollout --target exec:./deploy-hook.sh`.
#
# rollwise runs it once per operation (directly, no shell in between):
#   deploy-hook.sh apply weight 25   move 25 % of traffic to the candidate
#   deploy-hook.sh apply cohort 5    move 5 % of a device fleet to the candidate
#   deploy-hook.sh promote           the candidate becomes the stable release
#   deploy-hook.sh rollback          everything back on stable (must be idempotent)
#   deploy-hook.sh status            print {"phase","healthy","detail","current"} as JSON
# with ROLLWISE_ROLLOUT_ID, ROLLWISE_SERVICE, ROLLWISE_VERSION, ROLLWISE_OPERATION,
# ROLLWISE_STEP_KIND and ROLLWISE_STEP_PERCENT in the environment.
#
# Answer with the exit status: 0 done; 75 try again later (rollwise retries with
# backoff); 77 not allowed; 78 not found; anything else refused, with the last
# stderr line as the reason. Values of variables named *TOKEN*, *PASSWORD*,
# *SECRET*, *KEY* are masked in everything rollwise shows or records.
#
# This example only keeps the state in a file, so it runs anywhere. Replace the
# marked lines with your tooling, e.g. for an NGINX canary Ingress:
#   kubectl annotate ingress "$ROLLWISE_SERVICE-canary" --overwrite \
#     nginx.ingress.kubernetes.io/canary-weight="$3"
set -euo pipefail

state="${DEPLOY_HOOK_STATE:-.rollwise/deploy-hook-${ROLLWISE_ROLLOUT_ID:-default}.state}"
mkdir -p "$(dirname "$state")"
phase="$(cat "$state" 2>/dev/null || echo idle)"

case "${1:-}" in
  apply)
    [[ "$phase" == promoted || "$phase" == rolled_back ]] && { echo "cannot apply a step: the rollout is $phase" >&2; exit 1; }
    echo "setting ${2:-weight} to ${3:-0} % for ${ROLLWISE_SERVICE:-?} ${ROLLWISE_VERSION:-}" >&2  # ← your tooling here
    echo "progressing ${2:-weight} ${3:-0}" > "$state"
    ;;
  promote)
    [[ "$phase" == rolled_back ]] && { echo "cannot promote: the rollout was rolled back" >&2; exit 1; }
    echo "promoting ${ROLLWISE_SERVICE:-?} ${ROLLWISE_VERSION:-}" >&2                            # ← your tooling here
    echo promoted > "$state"
    ;;
  rollback)
    [[ "$phase" == promoted ]] && { echo "cannot roll back: already promoted" >&2; exit 1; }
    echo "all traffic back on stable for ${ROLLWISE_SERVICE:-?}" >&2                              # ← your tooling here
    echo rolled_back > "$state"
    ;;
  status)
    read -r p kind percent <<<"$phase" || true
    if [[ -n "${kind:-}" ]]; then
      printf '{"phase":"%s","healthy":true,"detail":"%s %s %%","current":{"%s":%s}}\n' "$p" "$kind" "$percent" "$kind" "$percent"
    else
      printf '{"phase":"%s","healthy":true,"detail":"%s"}\n' "$p" "$p"
    fi
    ;;
  *)
    echo "usage: $0 apply weight|cohort PERCENT | promote | rollback | status" >&2
    exit 64
    ;;
esac
