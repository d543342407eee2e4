// Command rulecheck checks Prometheus rule files as `promtool check rules` does: each file is parsed
// and validated by Prometheus's own rulefmt package (YAML structure, rule names, durations, labels,
// annotation templates) and every expression by its PromQL parser. Exit 0 when every file is valid,
// 1 otherwise, with the errors on stderr. With -metrics it also prints, one a line, the metric names
// the expressions select (for checking them against a scrape).
//
// Why not promtool itself: `go install .../cmd/promtool` compiles Prometheus with every service
// discovery SDK (AWS, Azure, GCE, Kubernetes, ...); this needs only the rule parser (docs/decisions.md).
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

func main() {
	metrics := flag.Bool("metrics", false, "print the metric names the rules select")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rulecheck [-metrics] rules.yml...")
		os.Exit(2)
	}
	p := parser.NewParser(parser.Options{})
	logger := promslog.NewNopLogger()
	failed := false
	names := map[string]bool{}
	for _, f := range flag.Args() {
		rgs, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, p, logger)
		if errs != nil {
			failed = true
			fmt.Fprintf(os.Stderr, "%s: FAILED:\n", f)
			for _, e := range errs {
				fmt.Fprintln(os.Stderr, e.Error())
			}
			continue
		}
		n := 0
		for _, g := range rgs.Groups {
			for _, r := range g.Rules {
				n++
				expr, err := p.ParseExpr(r.Expr)
				if err != nil { // already validated by ParseFile; kept for -metrics
					failed = true
					fmt.Fprintf(os.Stderr, "%s: %s: %v\n", f, r.Alert+r.Record, err)
					continue
				}
				for _, sel := range parser.ExtractSelectors(expr) {
					for _, m := range sel {
						if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
							names[m.Value] = true
						}
					}
				}
			}
		}
		fmt.Fprintf(os.Stderr, "%s: SUCCESS: %d rules found\n", f, n)
	}
	if *metrics {
		sorted := make([]string, 0, len(names))
		for name := range names {
			sorted = append(sorted, name)
		}
		sort.Strings(sorted)
		for _, name := range sorted {
			fmt.Println(name)
		}
	}
	if failed {
		os.Exit(1)
	}
}
