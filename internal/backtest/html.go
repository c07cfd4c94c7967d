package backtest

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

//go:embed backtest.html.tmpl
var htmlTemplate string

var tmpl = template.Must(template.New("backtest").Funcs(template.FuncMap{
	"pct": pct, "amount": amount, "day": day, "row": summaryRow, "header": func() []string { return summaryHeader },
}).Parse(htmlTemplate))

// The report's palette (internal/report), one colour per strategy.
var strategyColor = map[StrategyName]color.Color{
	Tranche:          color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	TrancheRepeat:    color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	TrancheScenarios: color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	Recommender:      color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	Hindsight:        color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	None:             color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

// WriteHTML writes the result as one self-contained HTML page: inline
// CSS, charts as inline SVG, no script and no external resource.
func WriteHTML(w io.Writer, res *Result) error {
	r := res.Rounded()
	// Cost per day of each period, drawn as a step over the period.
	cost, err := chart(r, fmt.Sprintf("Cost per day in each period (%s)", r.Currency), true, func(s StrategyResult) plotter.XYs {
		var xy plotter.XYs
		for _, p := range s.Periods {
			xy = append(xy, plotter.XY{X: float64(p.Start.Unix()), Y: p.Cost / (p.End.Sub(p.Start).Hours() / 24)})
		}
		return append(xy, plotter.XY{X: float64(r.End.Unix()), Y: xy[len(xy)-1].Y})
	})
	if err != nil {
		return err
	}
	// Savings against buying nothing, summed up to the end of each period.
	none := r.Strategy(None)
	cum, err := chart(r, fmt.Sprintf("Cumulative savings against buying nothing (%s)", r.Currency), false, func(s StrategyResult) plotter.XYs {
		xy := plotter.XYs{{X: float64(r.Start.Unix())}}
		var acc float64
		for i, p := range s.Periods {
			acc += none.Periods[i].Cost - p.Cost
			xy = append(xy, plotter.XY{X: float64(p.End.Unix()), Y: acc})
		}
		return xy
	})
	if err != nil {
		return err
	}
	return tmpl.Execute(w, map[string]any{"R": r, "Headline": headline(r), "Cost": cost, "Cumulative": cum})
}

// chart plots one line per strategy, as inline SVG.
func chart(r *Result, title string, step bool, series func(StrategyResult) plotter.XYs) (template.HTML, error) {
	p, err := chartPlot(r, title, step, series)
	if err != nil {
		return "", err
	}
	c := vgsvg.New(16*vg.Centimeter, 8*vg.Centimeter)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("backtest: rendering a chart: %w", err)
	}
	// The SVG is generated here from numbers and our own labels; strip the
	// XML prolog so that it can be inlined.
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s), nil
}

// chartPlot draws the lines of chart, with headroom above them for the
// legend.
func chartPlot(r *Result, title string, step bool, series func(StrategyResult) plotter.XYs) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02"}
	lo, hi := 0.0, 0.0
	for _, s := range r.Strategies {
		xy := series(s)
		for _, v := range xy {
			lo, hi = min(lo, v.Y), max(hi, v.Y)
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("backtest: chart: %w", err)
		}
		l.Color = strategyColor[s.Name]
		l.Width = vg.Points(1.5)
		if step {
			l.StepStyle = plotter.PostStep
		}
		if s.Name == None {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(string(s.Name), l)
	}
	p.Y.Min = lo
	if hi > lo {
		p.Y.Max = hi + 0.4*(hi-lo)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p, nil
}
