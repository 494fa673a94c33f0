#!/bin/sh
# A process tree for sandbox.kill tests. Usage: tree.sh DIR [ignore-term]
# Writes one pid per file in DIR: root, child, mid, mid-child, detached (a grandchild that
# called setsid through the setsid binary), and with ignore-term also stubborn (ignores SIGTERM).
d=$1
sleep 300 & echo $! > "$d/child.tmp"; mv "$d/child.tmp" "$d/child"
sh -c 'setsid sh -c "echo \$\$ > \"\$1/detached.tmp\"; mv \"\$1/detached.tmp\" \"\$1/detached\"; exec sleep 300" detached "$1" &
       sleep 300 & echo $! > "$1/mid-child.tmp"; mv "$1/mid-child.tmp" "$1/mid-child"
       echo $$ > "$1/mid.tmp"; mv "$1/mid.tmp" "$1/mid"; wait' mid "$d" &
if [ "${2:-}" = ignore-term ]; then
  sh -c 'trap "" TERM; echo $$ > "$1/stubborn.tmp"; mv "$1/stubborn.tmp" "$1/stubborn"; while :; do sleep 1; done' stubborn "$d" &
fi
echo $$ > "$d/root.tmp"; mv "$d/root.tmp" "$d/root"
wait
