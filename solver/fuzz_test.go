package solver

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// byteReader turns fuzz input into numbers; it returns zeros when it runs
// out.
type byteReader struct{ b []byte }

func (r *byteReader) u8() int {
	if len(r.b) == 0 {
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *byteReader) f64() float64 {
	if len(r.b) < 8 {
		r.b = nil
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

// small maps a byte to a modest value, so that most inputs are valid
// problems; raw float64s (NaN, ±Inf, huge, negative) come in through f64.
func (r *byteReader) small() float64 { return float64(r.u8()) / 16 }

// FuzzSolve builds small problems from the fuzz input — valid or not — and
// checks that Solve either rejects them with a ValidationError or returns a
// plan that is whole where it must be, within the policy, and never more
// expensive than buying nothing.
func FuzzSolve(f *testing.F) {
	f.Add([]byte{3, 4, 2, 10, 20, 30, 40, 50, 60, 70, 80, 16, 1, 8, 0, 1})
	f.Add([]byte{1, 1, 1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 1, 1})
	f.Add([]byte{2, 6, 3, 255, 0, 255, 0, 128, 128, 3, 1, 5, 9, 2, 6, 5, 3, 5, 200})
	// Two pools over 8 hours, two offerings with windows, an hourly cap.
	f.Add([]byte{1, 7, 1, 1, 16, 32, 0, 0, 48, 48, 48, 48, 48, 48, 16, 16, 16, 16, 16, 16, 16, 16, 16,
		0, 0, 0, 8, 8, 0, 16, 0, 12, 0, 4, 8, 0, 16, 0, 12, 0, 2, 8, 3, 3, 7, 1, 2})
	// Scenarios with each risk limit (found by search: valid problems with
	// two scenarios or more): a CVaR limit on regret, an expected waste cap, a tail waste cap, the percentile utilization floor, the laddering cap.
	f.Add([]byte{2, 7, 54, 52, 63, 6, 47, 10, 30, 26, 5, 35, 36, 57, 50, 32, 54, 1, 33, 18, 62, 60, 27, 3, 55, 29, 11, 14, 62, 18, 48, 49, 22, 12, 2, 16, 12, 11, 24, 49, 6, 59, 52, 60, 3, 13, 58, 56, 17, 59, 33, 51, 5, 57, 37, 1, 19, 23, 55, 17, 52, 30, 60, 59, 52, 20, 42, 17, 24, 26, 60, 30, 48, 12, 59, 43, 5, 33, 24, 41, 46, 14, 52, 49, 21, 25, 34, 35, 41, 43, 27, 22, 53})
	f.Add([]byte{1, 9, 53, 46, 61, 23, 42, 14, 55, 35, 34, 11, 55, 3, 13, 29, 23, 20, 23, 33, 27, 57, 6, 51, 31, 19, 63, 23, 52, 21, 53, 33, 44, 19, 17, 33, 50, 46, 58, 5, 19, 50, 34, 24, 50, 62, 25, 37, 54, 33, 29, 58, 30, 52, 39, 14, 34, 19})
	f.Add([]byte{1, 7, 48, 23, 10, 56, 55, 15, 29, 0, 1, 11, 21, 48, 7, 13, 41, 57, 48, 6, 55, 7, 34, 23, 25, 44, 24, 33, 9, 14, 6, 1, 31, 32, 30, 12, 42, 16, 62, 30, 51, 29, 18, 19, 60, 37, 33, 12, 19, 19, 7, 7, 50, 60, 17, 23, 8, 47, 61, 35, 11, 35, 38, 55, 25, 28, 24, 10, 47, 1, 53, 44, 59, 46, 19, 41, 4, 16, 1, 33, 9, 42, 53, 51, 63, 32, 15, 10, 58, 17, 52})
	f.Add([]byte{2, 8, 51, 46, 10, 0, 31, 30, 33, 51, 39, 4, 60, 12, 30, 6, 15, 29, 9, 54, 0, 42, 33, 5, 62, 58, 44, 38, 26, 59, 9, 30, 12, 2, 0, 53, 28, 28, 39, 28, 24, 28, 45, 35, 25, 50, 61, 59, 29, 39, 30, 45, 25, 50, 34, 8, 59, 13, 4, 40, 18, 62, 27, 1, 53, 15, 56, 49, 56, 24, 62, 1, 12, 57, 2, 21, 11, 23, 42, 25, 28, 49, 4, 63, 25, 16, 8, 58, 32, 6, 36, 16, 18, 41, 10, 12, 47, 23})
	f.Add([]byte{2, 7, 21, 33, 25, 62, 43, 30, 40, 16, 13, 3, 23, 44, 14, 15, 29, 19, 34, 38, 28, 59, 61, 45, 35, 56, 16, 31, 59, 44, 5, 44, 56, 18, 52, 17, 9, 1, 20, 18, 17, 22, 14, 32, 4, 58, 49, 4, 53, 36, 56, 10, 0, 9, 63, 28, 58, 0, 28, 7, 18, 26, 24, 32, 46, 28, 20, 43, 29})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzProblem(data)
		for _, m := range []Method{Direct, Benders} {
			res, err := Solve(context.Background(), p, Options{Method: m})
			if errors.Is(err, ErrUnsupported) && m == Benders && p.Policy.wasteRows() {
				continue
			}
			if err != nil {
				if p.Validate() == nil {
					t.Fatalf("%v: valid problem failed: %v", m, err)
				}
				return
			}
			if res.Bill.Total > res.Baseline.Total*(1+1e-9)+1e-9 {
				t.Fatalf("%v: plan %v costs more than buying nothing %v", m, res.Bill.Total, res.Baseline.Total)
			}
			for k, q := range res.Quantity {
				if q < 0 || math.IsNaN(q) {
					t.Fatalf("%v: quantity[%d] = %v", m, k, q)
				}
				if inc := p.Offerings[k].Increment; inc > 0 && math.Abs(q/inc-math.Round(q/inc)) > 1e-9 {
					t.Fatalf("%v: quantity[%d] = %v not a multiple of %v", m, k, q, inc)
				}
			}
			if why := policyViolation(p, nil, res.Quantity); why != "" {
				t.Fatalf("%v: plan breaks %s", m, why)
			}
			// The risk limits, on the fill (the bill's rule).
			if why := compile(context.Background(), p, true, 1).riskViolation(res.Quantity, nil, 1e-7); why != "" {
				t.Fatalf("%v: plan breaks %s", m, why)
			}
		}
	})
}

// fuzzProblem builds a small problem from fuzz input, valid or not.
func fuzzProblem(data []byte) *Problem {
	r := &byteReader{b: data}
	np, hours, nk := 1+r.u8()%4, 1+r.u8()%12, 1+r.u8()%4
	p := &Problem{Hours: hours}
	raw := r.u8()%7 == 0 // sometimes feed raw floats
	val := func() float64 {
		if raw {
			return r.f64()
		}
		return r.small()
	}
	for i := 0; i < np; i++ {
		pl := Pool{OnDemandRate: val() + 0.01, Usage: make([]float64, hours)}
		for t := range pl.Usage {
			pl.Usage[t] = val()
		}
		p.Pools = append(p.Pools, pl)
	}
	for k := 0; k < nk; k++ {
		o := Offering{Type: OfferingType(r.u8() % 2), Tier: r.u8() % 3, TermHours: 1 + r.u8()%24,
			Upfront: val(), Recurring: val() + 0.001, Increment: float64(r.u8() % 2)}
		for i := 0; i < np; i++ {
			if r.u8()%2 == 0 || i == 0 {
				o.Covers = append(o.Covers, Cover{Pool: i, Rate: val() + 0.01})
			}
		}
		p.Offerings = append(p.Offerings, o)
	}
	if r.u8()%3 == 0 {
		p.Owned = append(p.Owned, Commitment{Offering: r.u8() % nk, Quantity: val(), Start: r.u8()%8 - 4, End: r.u8() % 16})
	}
	switch r.u8() % 5 {
	case 1:
		p.Policy.MaxUpfront = Limit(val())
	case 2:
		p.Policy.MaxHourlyCommitment = Limit(val())
	case 3:
		p.Policy.MinUtilization = float64(r.u8()%11) / 10
	case 4:
		p.Policy.MaxThreeYearShare = Limit(float64(r.u8()%11) / 10)
	}
	// Purchase windows come last, so that inputs written before they
	// existed still build the same problems. Values run one past the
	// valid range on each side.
	for k := range p.Offerings {
		o := &p.Offerings[k]
		switch r.u8() % 4 {
		case 1:
			o.Start = r.u8()%(hours+2) - 1
		case 2:
			o.End = r.u8()%(hours+3) - 1
		case 3:
			o.Start = r.u8()%(hours+2) - 1
			o.End = r.u8()%(hours+3) - 1
		}
	}
	// Scenarios and the risk limits come after the windows, for the same
	// reason. The scenarios' hours are drawn, the last one takes the
	// rest (which may be nothing: invalid); probabilities are drawn
	// weights, sometimes raw.
	if ns := r.u8() % 4; ns > 0 {
		left := hours
		var sum float64
		for s := 0; s < ns; s++ {
			h := left
			if s < ns-1 {
				h = 1 + r.u8()%hours
			}
			left -= h
			p.Scenarios = append(p.Scenarios, Scenario{Hours: h, Probability: 1 + float64(r.u8()%4)})
			sum += p.Scenarios[s].Probability
		}
		for s := range p.Scenarios {
			p.Scenarios[s].Probability /= sum
			if raw {
				p.Scenarios[s].Probability = r.f64()
			}
		}
	}
	switch r.u8() % 6 {
	case 1:
		p.Policy.MaxCVaRRegret = Limit(val())
		p.Policy.CVaRLevel = float64(r.u8()%11) / 10
	case 2:
		p.Policy.MaxExpectedWasteShare = Limit(float64(r.u8()%11) / 10)
	case 3:
		p.Policy.MaxTailWasteShare = Limit(float64(r.u8()%11) / 10)
		p.Policy.CVaRLevel = float64(r.u8()%10) / 10
	case 4:
		p.Policy.MinUtilization = float64(r.u8()%11) / 10
		p.Policy.UtilizationFloorPercentile = float64(r.u8()%11) / 10
	case 5:
		p.Policy.MaxExpiringPerMonth = Limit(val())
	}
	return p
}
