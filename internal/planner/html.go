package planner

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

//go:embed plan.html.tmpl
var htmlTemplate string

var htmlTmpl = template.Must(template.New("plan").Funcs(template.FuncMap{
	"money":     func(p *Plan, x float64) string { return money(p.Currency, x) },
	"pct":       pct,
	"rate":      func(p *Plan, x float64) string { return rate(p.Currency, x) },
	"qty":       qty,
	"breakEven": breakEven,
	"offering":  offeringShort,
	"policy":    PolicyText,
	"curve":     curveCells,
	"lineCells": lineCells,
	"inc":       func(i int) int { return i + 1 },
	"riskRows":  riskRows,
	// The frontier and the risk limits (frontierview.go, limits.go).
	"frontierTitle": frontierTitle, "frontierHeads": frontierHeads, "frontierRows": frontierRows, "frontierSummary": frontierSummary,
	"riskLimits": RiskLimitsText, "riskFlags": riskFlags,
}).Parse(htmlTemplate))

var (
	blue  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	green = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	grey  = color.RGBA{R: 0xaa, G: 0xaa, B: 0xaa, A: 0xff}
)

// WriteHTML writes the plan as one self-contained HTML page: inline CSS,
// charts as inline SVG, no script and no external resource.
func WriteHTML(w io.Writer, p *Plan) error {
	cv, err := chartCurve(p)
	if err != nil {
		return err
	}
	pools := topPools(p, 12)
	cov, err := chartCoverage(p, pools)
	if err != nil {
		return err
	}
	// Expected savings against risk (frontierview.go).
	fr, err := chartFrontier(p)
	if err != nil {
		return err
	}
	// The provider's recommendation beside the plan (compare.go).
	cmp, err := newComparisonView(p)
	if err != nil {
		return err
	}
	return htmlTmpl.Execute(w, map[string]any{
		"P": p, "Header": header(p), "Proof": proof(p), "Heads": lineHeads, "RiskHeads": riskHeads, "CurveHeads": curveHeads, "Totals": totalsRows(p),
		"Curve": cv, "Coverage": cov, "TopPools": pools, "Cmp": cmp,
		"Frontier": fr,
	})
}

func inlineSVG(pl *plot.Plot, w, h vg.Length) (template.HTML, error) {
	c := vgsvg.New(w, h)
	pl.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("planner: rendering a chart: %w", err)
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	// Generated here from numbers and our own labels.
	return template.HTML(s), nil
}

// chartCurve plots monthly savings against hourly commitment, the plan's
// point marked.
func chartCurve(p *Plan) (template.HTML, error) {
	pl := plot.New()
	pl.Title.Text = "Savings versus commitment"
	pl.X.Label.Text = fmt.Sprintf("hourly commitment (%s/h)", p.Currency)
	pl.Y.Label.Text = fmt.Sprintf("savings per month (%s)", p.Currency)
	var xy, at plotter.XYs
	for _, c := range p.Curve {
		xy = append(xy, plotter.XY{X: c.HourlyCommitment, Y: c.MonthlySavings})
		if c.Scale == 1 {
			at = append(at, plotter.XY{X: c.HourlyCommitment, Y: c.MonthlySavings})
		}
	}
	if len(xy) > 0 {
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return "", err
		}
		l.Color, pts.Color = blue, blue
		pl.Add(l, pts)
	}
	if len(at) > 0 {
		s, err := plotter.NewScatter(at)
		if err != nil {
			return "", err
		}
		s.Color, s.Radius, s.Shape = green, vg.Points(5), draw.CircleGlyph{}
		pl.Add(s)
		pl.Legend.Add("the plan", s)
		pl.Legend.Top = true
	}
	pl.Add(plotter.NewGrid())
	return inlineSVG(pl, 16*vg.Centimeter, 8*vg.Centimeter)
}

// chartCoverage plots coverage before and after the plan for the largest
// pools, numbered as in the table beside it.
func chartCoverage(p *Plan, pools []PoolLine) (template.HTML, error) {
	if len(pools) == 0 {
		return "", nil
	}
	pl := plot.New()
	pl.Title.Text = "Coverage of the largest pools, before and after"
	pl.Y.Label.Text = "%"
	pl.Y.Min, pl.Y.Max = 0, 118
	var before, after plotter.Values
	var names []string
	for i, pool := range pools {
		before = append(before, pool.CoverageBefore)
		after = append(after, pool.CoverageAfter)
		names = append(names, strconv.Itoa(i+1))
	}
	w := vg.Points(9)
	b1, err := plotter.NewBarChart(before, w)
	if err != nil {
		return "", err
	}
	b1.Color, b1.Offset = grey, -w/2
	b2, err := plotter.NewBarChart(after, w)
	if err != nil {
		return "", err
	}
	b2.Color, b2.Offset = green, w/2
	pl.Add(b1, b2, plotter.NewGrid())
	pl.Legend.Add("before", b1)
	pl.Legend.Add("after", b2)
	pl.Legend.Top = true
	pl.NominalX(names...)
	return inlineSVG(pl, 16*vg.Centimeter, 8*vg.Centimeter)
}
