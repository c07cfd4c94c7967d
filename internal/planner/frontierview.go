package planner

import (
	"fmt"
	"html/template"
	"sort"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The frontier in the plan's outputs: a short table of the efficient
// points for the terminal and Markdown, a chart for HTML.

// frontierTitle is the heading line: what the points are.
func frontierTitle(p *Plan) string {
	f := p.Frontier
	return fmt.Sprintf("Efficient frontier: expected savings against risk (mean loss in the worst %s of scenarios) — %s",
		pct(100*(1-f.RiskLevel)), f.Description)
}

func frontierHeads(p *Plan) []string {
	return []string{"Plan", fmt.Sprintf("Worst-%s regret/mo", pct(100*(1-p.Frontier.RiskLevel))), "Expected savings/mo", "Savings/mo p10",
		"Chance of losing money", "Expected waste/mo", "Commit/h", "Upfront"}
}

// frontierRows are the efficient points by risk, the plan's marked, then
// a summary line.
func frontierRows(p *Plan) [][]string {
	c := p.Currency
	var rows [][]string
	for _, pt := range efficientByRisk(p.Frontier.Points) {
		label := pt.Label
		if pt.Chosen {
			label += " ← the plan"
		}
		rows = append(rows, []string{label, money(c, pt.CVaRRegret), money(c, pt.ExpectedMonthlySavings), money(c, pt.MonthlySavingsP10),
			pct(pt.ProbabilityOfLoss), money(c, pt.ExpectedMonthlyWaste), rate(c, pt.HourlyCommitment), money(c, pt.UpfrontCost)})
	}
	return rows
}

// frontierSummary says how many points are efficient and where the plan
// stands.
func frontierSummary(p *Plan) string {
	n, onIt, chosen := 0, false, false
	for _, pt := range p.Frontier.Points {
		if pt.Efficient {
			n++
		}
		if pt.Chosen {
			chosen, onIt = true, pt.Efficient
		}
	}
	s := fmt.Sprintf("%d of %d points are efficient (no other saves more in expectation at no more risk)", n, len(p.Frontier.Points))
	switch {
	case chosen && onIt:
		s += "; the plan is one of them"
	case chosen:
		s += "; the plan is NOT: another point saves at least as much at no more risk"
		if p.Frontier.Method == "curve" && hasLater(p) {
			s += " — over these purchases to make now alone: the plan's later tranches, which it counts on for the rest of the horizon, are re-planned at their dates and billed in no point, so buying more now can look better here than it is"
		}
	}
	return s + "."
}

// hasLater reports whether the plan has later tranches.
func hasLater(p *Plan) bool {
	for _, l := range p.Lines {
		if l.Tranche == "later" {
			return true
		}
	}
	return false
}

func efficientByRisk(pts []FrontierPoint) []FrontierPoint {
	var out []FrontierPoint
	for _, pt := range pts {
		if pt.Efficient {
			out = append(out, pt)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].CVaRRegret != out[j].CVaRRegret {
			return out[i].CVaRRegret < out[j].CVaRRegret
		}
		return out[i].ExpectedMonthlySavings < out[j].ExpectedMonthlySavings
	})
	return out
}

// chartFrontier plots expected monthly savings against risk: every point,
// the efficient ones joined, the plan's marked.
func chartFrontier(p *Plan) (template.HTML, error) {
	f := p.Frontier
	if f == nil || len(f.Points) == 0 {
		return "", nil
	}
	pl := plot.New()
	pl.Title.Text = "Efficient frontier: expected savings against risk"
	pl.X.Label.Text = fmt.Sprintf("risk: mean loss in the worst %s of scenarios (%s/month)", pct(100*(1-f.RiskLevel)), p.Currency)
	pl.Y.Label.Text = fmt.Sprintf("expected savings per month (%s)", p.Currency)
	var dom, eff, at plotter.XYs
	for _, pt := range f.Points {
		xy := plotter.XY{X: pt.CVaRRegret, Y: pt.ExpectedMonthlySavings}
		if !pt.Efficient {
			dom = append(dom, xy)
		}
		if pt.Chosen {
			at = append(at, xy)
		}
	}
	for _, pt := range efficientByRisk(f.Points) {
		eff = append(eff, plotter.XY{X: pt.CVaRRegret, Y: pt.ExpectedMonthlySavings})
	}
	if len(dom) > 0 {
		s, err := plotter.NewScatter(dom)
		if err != nil {
			return "", err
		}
		s.Color, s.Shape = grey, draw.CircleGlyph{}
		pl.Add(s)
		pl.Legend.Add("dominated", s)
	}
	if len(eff) > 0 {
		l, pts, err := plotter.NewLinePoints(eff)
		if err != nil {
			return "", err
		}
		l.Color, pts.Color = blue, blue
		pl.Add(l, pts)
		pl.Legend.Add("efficient", l, pts)
	}
	if len(at) > 0 {
		s, err := plotter.NewScatter(at)
		if err != nil {
			return "", err
		}
		s.Color, s.Radius, s.Shape = green, vg.Points(5), draw.CircleGlyph{}
		pl.Add(s)
		pl.Legend.Add("the plan", s)
	}
	pl.Legend.Top, pl.Legend.Left = legendCorner(f.Points)
	pl.Add(plotter.NewGrid())
	return inlineSVG(pl, 16*vg.Centimeter, 8*vg.Centimeter)
}

// writeFrontierTable writes the efficient points for a terminal.
func writeFrontierTable(ew *errWriter, p *Plan) {
	if p.Frontier == nil {
		return
	}
	ew.printf("\n%s\n", frontierTitle(p))
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(frontierHeads(p), "\t"))
	for _, row := range frontierRows(p) {
		fmt.Fprintln(tw, "  "+strings.Join(row, "\t"))
	}
	tw.Flush()
	ew.printf("  %s Every point: --output json or html.\n", frontierSummary(p))
}

// writeFrontierMarkdown writes the efficient points as Markdown.
func writeFrontierMarkdown(ew *errWriter, p *Plan) {
	if p.Frontier == nil {
		return
	}
	ew.printf("\n## Efficient frontier\n\n%s.\n\n", mdEscape(frontierTitle(p)))
	mdTable(ew, frontierHeads(p), func(row func([]string)) {
		for _, r := range frontierRows(p) {
			row(r)
		}
	})
	ew.printf("\n%s\n", mdEscape(frontierSummary(p)))
}

// legendCorner picks the first corner of the plot, of top left, bottom
// right, bottom left and top right, where no point lies, so that the
// legend hides none (top left when every corner has one).
func legendCorner(pts []FrontierPoint) (top, left bool) {
	if len(pts) == 0 {
		return true, true
	}
	x0, x1, y0, y1 := pts[0].CVaRRegret, pts[0].CVaRRegret, pts[0].ExpectedMonthlySavings, pts[0].ExpectedMonthlySavings
	for _, pt := range pts {
		x0, x1 = min(x0, pt.CVaRRegret), max(x1, pt.CVaRRegret)
		y0, y1 = min(y0, pt.ExpectedMonthlySavings), max(y1, pt.ExpectedMonthlySavings)
	}
	empty := func(top, left bool) bool {
		for _, pt := range pts {
			x, y := 0.5, 0.5
			if x1 > x0 {
				x = (pt.CVaRRegret - x0) / (x1 - x0)
			}
			if y1 > y0 {
				y = (pt.ExpectedMonthlySavings - y0) / (y1 - y0)
			}
			if (left && x < 0.4 || !left && x > 0.6) && (top && y > 0.7 || !top && y < 0.3) {
				return false
			}
		}
		return true
	}
	for _, c := range [][2]bool{{true, true}, {false, false}, {false, true}, {true, false}} {
		if empty(c[0], c[1]) {
			return c[0], c[1]
		}
	}
	return true, true
}
