package planner

import (
	"errors"
	"fmt"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// Scenario is one possible future of usage for every pool, over the
// horizon, with its probability (DESIGN.md "Forecast scenarios").
type Scenario struct {
	Name        string
	Probability float64
	// Usage holds one series per pool, starting at the as-of hour, each
	// as long as the horizon.
	Usage []providers.UsageSeries
}

// Forecaster turns the usage history before the as-of time into
// scenarios over the horizon. History series are aligned: they share their
// start and length, and end at asOf or later (only hours before asOf may
// be read).
type Forecaster interface {
	// Name is what the plan calls the forecast ("repeat").
	Name() string
	Forecast(history []providers.UsageSeries, asOf time.Time, lookback time.Duration, horizonHours int) ([]Scenario, error)
}

// ErrForecastTooLarge is what a ForecastTooLargeError unwraps to.
var ErrForecastTooLarge = errors.New("forecast too large to hold in memory")

// ForecastTooLargeError is returned (possibly wrapped) by a Forecaster
// whose scenarios would take more memory than it allows. MakePlan then
// falls back where it may: with a ScenarioBudget, it optimizes over the
// repeat forecast (the budget is a preference); the risk figures come
// from the first Fits scenarios when the forecaster is a Resizer.
type ForecastTooLargeError struct {
	Scenarios, Pools, Hours int
	// Bytes is what the scenarios would take, Limit what is allowed.
	Bytes, Limit int64
	// Fits is the most scenarios that the limit holds (0: none).
	Fits int
}

func (e *ForecastTooLargeError) Error() string {
	return fmt.Sprintf("%v: %d scenarios × %d pools × %d hours is %d MB, over the limit of %d MB (at most %d scenarios fit; fewer scenarios or a shorter horizon)",
		ErrForecastTooLarge, e.Scenarios, e.Pools, e.Hours, e.Bytes>>20, e.Limit>>20, e.Fits)
}

func (e *ForecastTooLargeError) Unwrap() error { return ErrForecastTooLarge }

// Resizer is a Forecaster whose first n scenarios, equally probable, are a
// forecast of their own: MakePlan evaluates the risk on as many as fit.
type Resizer interface {
	// WithScenarios returns the forecaster making the first n of its
	// scenarios.
	WithScenarios(n int) Forecaster
}

// Limiter is a Forecaster whose memory can be limited: MakePlan with a
// ScenarioBudget limits it to the budget's most pool-hours, so that
// scenarios it would not optimize over are never drawn.
type Limiter interface {
	// WithMaxBytes returns the forecaster refusing, with a
	// *ForecastTooLargeError, scenarios larger than n bytes (or its own
	// limit, if lower).
	WithMaxBytes(n int64) Forecaster
}

// Explainer is a Forecaster that can say, in sentences for the plan's
// notes, what its scenarios assume beyond the history: migrations it
// continues, moves it draws.
type Explainer interface {
	Explain(history []providers.UsageSeries, asOf time.Time) ([]string, error)
}

// Repeat is the forecast the providers' recommenders make: the lookback's
// hours repeated over the horizon, one scenario with probability 1. Pools
// without usage in the lookback are left out.
type Repeat struct{}

// Name is "repeat".
func (Repeat) Name() string { return "repeat" }

// Forecast repeats the last lookback hours before asOf (fewer when the
// history is shorter) over the horizon.
func (Repeat) Forecast(history []providers.UsageSeries, asOf time.Time, lookback time.Duration, horizonHours int) ([]Scenario, error) {
	if len(history) == 0 {
		return nil, ErrNoUsage
	}
	start := history[0].Start.UTC().Truncate(time.Hour)
	to := int(asOf.Sub(start).Hours())
	from := max(0, to-int(lookback.Hours()))
	s := Scenario{Name: "repeat", Probability: 1}
	for _, h := range history {
		look := h.Quantity[from:to]
		var total float64
		for _, q := range look {
			total += q
		}
		if total <= 0 {
			continue
		}
		q := make([]float64, horizonHours)
		for i := range q {
			q[i] = look[i%len(look)]
		}
		s.Usage = append(s.Usage, providers.UsageSeries{Pool: h.Pool, Start: asOf, Quantity: q, OnDemandRate: h.OnDemandRate})
	}
	return []Scenario{s}, nil
}
