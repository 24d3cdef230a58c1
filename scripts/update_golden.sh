#!/usr/bin/env bash
# Regenerates tests/golden/ from the current build. Run it only when a change of results is
# intended, and say why in the commit message: these files are how CI notices any other change.
#   tests/golden/<fig>.r200.summary.json  exact summary at 200 repetitions (determinism)
#   tests/golden/<fig>.r200.sha256        exact runs.csv and summary.csv at 200 repetitions
#   tests/golden/<fig>.means.json         each configuration's mean size and 95% CI at 1000 repetitions
#   tests/golden/claims.json              the verdicts on the paper's statements at 1000 repetitions
#   tests/golden/<fig>_protocol.*.sha256  exact runs.csv and summary.csv of the protocol model
#   tests/golden/exact.json               the exact solution's figures and verdicts, under the
#                                         literal reading and the closest combination
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
# The step model solved exactly (no noise): the literal reading and the combination of choices
# that meets the most statements (docs/reproduction.md, "The closest combination").
closest=(--set params.at_zero=bootstrap --set params.sample=after_joins --set params.initial_size=4)
for pin in literal closest; do
  sets=(); [ $pin = closest ] && sets=("${closest[@]}")
  for fig in fig4_2 fig4_3; do
    $cansim run "scenarios/${fig}_exact.json" "${sets[@]}" -o "$tmp/$pin.$fig" >/dev/null
  done
  $cansim claims --json "$tmp/$pin.fig4_2" "$tmp/$pin.fig4_3" > "$tmp/$pin.claims.json"
done
/usr/bin/python3 - "$tmp" > tests/golden/exact.json <<'PY'
import json, sys
tmp = sys.argv[1]
keys = ["mean", "sd", "q1", "median", "q3", "whisker_low", "whisker_high", "max"]
out = {}
for pin in ["literal", "closest"]:
    out[pin] = {"claims": [c["verdict"] for c in json.load(open(f"{tmp}/{pin}.claims.json"))]}
    for fig in ["fig4_2", "fig4_3"]:
        s = json.load(open(f"{tmp}/{pin}.{fig}/summary.json"))
        out[pin][fig] = [dict({"f": c["params"]["f"], "j": c["params"]["j"]},
                              **{k: c["size"][k] for k in keys},
                              **{k: c[k] for k in ["share_below_nmin", "share_runs_reached_zero", "share_dead_at_end"]})
                         for c in s["configurations"]]
print(json.dumps(out, indent=1))
PY
echo "updated tests/golden/"
