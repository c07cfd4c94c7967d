package report

import (
	"bytes"
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

var (
	blue   = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	orange = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	green  = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	red    = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

func svg(p *plot.Plot, w, h vg.Length) (string, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("report: rendering a chart: %w", err)
	}
	return b.String(), nil
}

// chartDaily plots coverage and utilization per day.
func chartDaily(r *Report) (string, error) {
	p := plot.New()
	p.Title.Text = "Coverage and utilization by day"
	p.Y.Label.Text = "%"
	p.Y.Min, p.Y.Max = 0, 100
	p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02"}
	var cov, util plotter.XYs
	for _, g := range r.Groups {
		if g.Dimension != "day" {
			continue
		}
		t, err := time.Parse("2006-01-02", g.Key)
		if err != nil {
			continue
		}
		x := float64(t.Unix())
		if g.Metrics.Coverage != nil {
			cov = append(cov, plotter.XY{X: x, Y: *g.Metrics.Coverage * 100})
		}
		if g.Metrics.Utilization != nil {
			util = append(util, plotter.XY{X: x, Y: *g.Metrics.Utilization * 100})
		}
	}
	for _, s := range []struct {
		name string
		xy   plotter.XYs
		c    color.Color
	}{{"coverage", cov, blue}, {"utilization", util, orange}} {
		if len(s.xy) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(s.xy)
		if err != nil {
			return "", err
		}
		l.Color, pts.Color = s.c, s.c
		pts.Radius = vg.Points(1.5)
		p.Add(l, pts)
		p.Legend.Add(s.name, l)
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return svg(p, 16*vg.Centimeter, 8*vg.Centimeter)
}

// chartMonthly plots net savings and waste per month.
func chartMonthly(r *Report) (string, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Net savings and waste by month (%s)", r.Currency)
	var names []string
	var sav, waste plotter.Values
	for _, g := range r.Groups {
		if g.Dimension == "month" {
			names = append(names, g.Key)
			sav = append(sav, g.Metrics.NetSavings)
			waste = append(waste, g.Metrics.Waste)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	w := vg.Points(14)
	b1, err := plotter.NewBarChart(sav, w)
	if err != nil {
		return "", err
	}
	b1.Color, b1.Offset = green, -w/2
	b2, err := plotter.NewBarChart(waste, w)
	if err != nil {
		return "", err
	}
	b2.Color, b2.Offset = red, w/2
	p.Add(b1, b2)
	// Headroom above the bars for the legend.
	hi := 0.0
	for i := range sav {
		hi = max(hi, sav[i], waste[i])
	}
	if hi > 0 {
		p.Y.Max = hi * 1.35
	}
	p.Add(plotter.NewGrid())
	p.Legend.Add("net savings", b1)
	p.Legend.Add("waste", b2)
	p.Legend.Top = true
	p.NominalX(names...)
	return svg(p, 16*vg.Centimeter, 8*vg.Centimeter)
}

// chartExpiries is the expiry calendar: amortized cost per hour that
// expires in each week of the 90 days after AsOf.
func chartExpiries(r *Report) (string, error) {
	if len(r.Expiries) == 0 {
		return "", nil
	}
	const weeks = 13
	vals := make(plotter.Values, weeks)
	names := make([]string, weeks)
	for i := range names {
		names[i] = r.AsOf.AddDate(0, 0, 7*i).Format("01-02")
	}
	for _, e := range r.Expiries {
		i := int(e.End.Sub(r.AsOf).Hours() / (24 * 7))
		if i >= 0 && i < weeks {
			vals[i] += e.HourlyCost
		}
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Expiry calendar: commitment expiring per week (%s per hour)", r.Currency)
	b, err := plotter.NewBarChart(vals, vg.Points(12))
	if err != nil {
		return "", err
	}
	b.Color = blue
	p.Add(b)
	p.NominalX(names...)
	p.X.Label.Text = "week starting (month-day)"
	return svg(p, 16*vg.Centimeter, 7*vg.Centimeter)
}
