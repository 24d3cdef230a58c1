#!/usr/bin/env bash
# Regenerates tests/golden/ from the current build. Run it only when a change of results is
# intended, and say why in the commit message: these files are how CI notices any other change.
#   tests/golden/<fig>.r200.summary.json  exact summary at 200 repetitions (determinism)
#   tests/golden/<fig>.r200.sha256        exact runs.csv and summary.csv at 200 repetitions
#   tests/golden/<fig>.means.json         each configuration's mean size and 95% CI at 1000 repetitions
#   tests/golden/claims.json              the verdicts on the paper's statements at 1000 repetitions
#   tests/golden/<fig>_protocol.*.sha256  exact runs.csv and summary.csv of the protocol model
set -euo pipefail
cd "$(dirname "$0")/.."
cansim=build/cansim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for fig in fig4_2 fig4_3; do
  $cansim run "scenarios/$fig.json" --set repetitions=200 -o "$tmp/$fig.r200" >/dev/null
  cp "$tmp/$fig.r200/summary.json" "tests/golden/$fig.r200.summary.json"
  (cd "$tmp/$fig.r200" && sha256sum runs.csv summary.csv) > "tests/golden/$fig.r200.sha256"
  $cansim run "scenarios/$fig.json" -o "$tmp/$fig" >/dev/null
  /usr/bin/python3 - "$tmp/$fig/summary.json" > "tests/golden/$fig.means.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
out = [{"f": c["params"]["f"], "j": c["params"]["j"], "mean": c["size"]["mean"],
        "ci95_low": c["size"]["ci95_low"], "ci95_high": c["size"]["ci95_high"]} for c in s["configurations"]]
print(json.dumps(out, indent=1))
PY
done
$cansim claims --json "$tmp/fig4_2" "$tmp/fig4_3" > tests/golden/claims.json
# The protocol model: exact bytes under the literal reading (100 repetitions) and under a
# bootstrap sampled after the joins (Figure 4.2, 50 repetitions).
for fig in fig4_2_protocol fig4_3_protocol; do
  $cansim run "scenarios/$fig.json" --set repetitions=100 -o "$tmp/$fig.r100" >/dev/null
  (cd "$tmp/$fig.r100" && sha256sum runs.csv summary.csv) > "tests/golden/$fig.r100.sha256"
done
$cansim run scenarios/fig4_2_protocol.json --set repetitions=50 --set params.at_zero=bootstrap \
  --set params.sample=after_joins -o "$tmp/bootstrap" >/dev/null
(cd "$tmp/bootstrap" && sha256sum runs.csv summary.csv) > tests/golden/fig4_2_protocol.bootstrap.r50.sha256
echo "updated tests/golden/"
