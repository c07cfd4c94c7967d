package solver

import (
	"context"
	"encoding/binary"
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
	f.Fuzz(func(t *testing.T, data []byte) {
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
		for _, m := range []Method{Direct, Benders} {
			res, err := Solve(context.Background(), p, Options{Method: m})
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
		}
	})
}
