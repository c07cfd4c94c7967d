package scenarios

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// compileEvents finds the pools each event acts on, adding the pools that
// launches and migrations create. An event that matches no pool is an
// error: a misspelt selector must not leave a plan unchanged silently.
func (m *model) compileEvents(a *Assumptions, index map[providers.PoolKey]int) error {
	poolFor := func(k providers.PoolKey, rate float64) int {
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(m.pools)
		m.pools = append(m.pools, pool{key: k, rate: rate, fresh: true, partner: -1})
		return len(m.pools) - 1
	}
	fail := func(i int, e *Event, format string, args ...any) error {
		return &ValidationError{File: a.File, Line: e.line, Field: fmt.Sprintf("events[%d]", i), Err: fmt.Errorf(format, args...)}
	}
	for i, e := range a.Events {
		var t []int
		switch e.Kind {
		case Migration:
			n := len(m.pools)
			for f := range n {
				if !e.From.Matches(m.pools[f].key) {
					continue
				}
				k := overlay(m.pools[f].key, e.To)
				if k == m.pools[f].key {
					return fail(i, e, "migration moves pool %s onto itself (to changes nothing)", k)
				}
				t = append(t, f, poolFor(k, 0))
			}
		case Decommission, Slump:
			for p := range m.pools {
				if e.Match.Matches(m.pools[p].key) {
					t = append(t, p)
				}
			}
		case Launch:
			k, err := e.Pool.key()
			if err != nil {
				return fail(i, e, "pool: %v", err)
			}
			rate := 0.0
			if e.OnDemandRate != nil {
				rate = *e.OnDemandRate
			}
			t = append(t, poolFor(k, rate))
		default:
			return fail(i, e, "unknown kind %q", e.Kind)
		}
		if len(t) == 0 {
			return fail(i, e, "the %s event matches no pool of the history", e.Kind)
		}
		m.events = append(m.events, e)
		m.targets = append(m.targets, t)
	}
	return nil
}

// overlay is k with the fields that s sets replaced.
func overlay(k providers.PoolKey, s PoolSpec) providers.PoolKey {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	p := string(k.Provider)
	set(&p, s.Provider)
	k.Provider = providers.Provider(p)
	set(&k.BillingScope, s.BillingScope)
	set(&k.Account, s.Account)
	set(&k.Region, s.Region)
	set(&k.Service, s.Service)
	set(&k.Family, s.Family)
	set(&k.Platform, s.Platform)
	set(&k.Tenancy, s.Tenancy)
	u := string(k.Unit)
	set(&u, s.Unit)
	k.Unit = providers.Unit(u)
	return k
}

// key is the PoolKey the spec spells out.
func (s PoolSpec) key() (providers.PoolKey, error) {
	p, err := providers.ParseProvider(s.Provider)
	if err != nil {
		return providers.PoolKey{}, err
	}
	if s.Unit == "" {
		return providers.PoolKey{}, errors.New("no unit")
	}
	return overlay(providers.PoolKey{Provider: p}, PoolSpec{BillingScope: s.BillingScope, Account: s.Account, Region: s.Region,
		Service: s.Service, Family: s.Family, Platform: s.Platform, Tenancy: s.Tenancy, Unit: s.Unit}), nil
}

// applyEvents applies the planned events, in order, to one scenario.
func (m *model) applyEvents(usage []providers.UsageSeries) {
	H := m.horizon
	// ramp is the share of a change done at the start of horizon hour j:
	// 0 before start, 1 from start + d, linear in between.
	ramp := func(start time.Time, d time.Duration) func(j int) float64 {
		s := start.Sub(m.asOf).Hours()
		dh := d.Hours()
		return func(j int) float64 {
			t := float64(j) - s
			switch {
			case t < 0:
				return 0
			case dh <= 0 || t >= dh:
				return 1
			}
			return t / dh
		}
	}
	for i, e := range m.events {
		t := m.targets[i]
		switch e.Kind {
		case Migration:
			share, ratio := 1.0, 1.0
			if e.Share.set {
				share = e.Share.Value
			}
			if e.Ratio != nil {
				ratio = *e.Ratio
			}
			r := ramp(e.Start.Time, e.Duration.Duration)
			for p := 0; p+1 < len(t); p += 2 {
				from, to := usage[t[p]].Quantity, usage[t[p+1]].Quantity
				for j := range H {
					moved := share * r(j) * from[j]
					from[j] -= moved
					to[j] += moved * ratio
				}
			}
		case Decommission:
			r := ramp(e.At.Time, e.Duration.Duration)
			for _, p := range t {
				q := usage[p].Quantity
				for j := range H {
					q[j] *= 1 - r(j)
				}
			}
		case Launch:
			r := ramp(e.At.Time, e.Duration.Duration)
			q := usage[t[0]].Quantity
			for j := range H {
				q[j] += *e.Quantity * r(j)
			}
		case Slump:
			// the hours that start inside [Start, End)
			from := int(max(0, math.Ceil(e.Start.Sub(m.asOf).Hours())))
			to := int(min(float64(H), math.Max(0, math.Ceil(e.End.Sub(m.asOf).Hours()))))
			for _, p := range t {
				q := usage[p].Quantity
				for j := from; j < to; j++ {
					q[j] *= e.Factor.Value
				}
			}
		}
	}
}
