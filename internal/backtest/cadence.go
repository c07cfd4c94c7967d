package backtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cadence is how often the backtest decides: every calendar month, or every
// fixed number of days.
type Cadence struct {
	// Months is 1 for a monthly cadence; 0 otherwise.
	Months int
	// Days is the step of a fixed cadence (7 for weekly); 0 when Months is
	// set.
	Days int
}

// Monthly and Weekly are the common cadences.
var (
	Monthly = Cadence{Months: 1}
	Weekly  = Cadence{Days: 7}
)

// ParseCadence reads "monthly", "weekly" or "Nd" (every N days, N ≥ 1).
func ParseCadence(s string) (Cadence, error) {
	switch n := strings.ToLower(strings.TrimSpace(s)); n {
	case "monthly", "month", "1mo":
		return Monthly, nil
	case "weekly", "week", "1w":
		return Weekly, nil
	default:
		if d, ok := strings.CutSuffix(n, "d"); ok {
			if v, err := strconv.Atoi(d); err == nil && v >= 1 && v <= 3660 {
				return Cadence{Days: v}, nil
			}
		}
	}
	return Cadence{}, fmt.Errorf("backtest: unknown cadence %q (want monthly, weekly or Nd such as 14d)", s)
}

func (c Cadence) String() string {
	switch {
	case c.Months == 1:
		return "monthly"
	case c.Months > 1:
		return fmt.Sprintf("every %d months", c.Months)
	case c.Days == 7:
		return "weekly"
	}
	return fmt.Sprintf("%dd", c.Days)
}

func (c Cadence) valid() bool { return (c.Months > 0) != (c.Days > 0) && c.Months >= 0 && c.Days >= 0 }

// step returns the i-th decision date after start. Monthly steps keep the
// day of the month, clamped to the month's last day (a start on the 31st
// decides on the 30th in April).
func (c Cadence) step(start time.Time, i int) time.Time {
	if c.Months == 0 {
		return start.AddDate(0, 0, i*c.Days)
	}
	y, m, d := start.Date()
	first := time.Date(y, m+time.Month(i*c.Months), 1, start.Hour(), 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// firstDecision is the default first decision date: the first hour at or
// after earliest that the cadence would choose by itself (the first of a
// month for a monthly cadence, midnight UTC otherwise).
func (c Cadence) firstDecision(earliest time.Time) time.Time {
	day := earliest.Truncate(24 * time.Hour)
	if day.Before(earliest) {
		day = day.AddDate(0, 0, 1)
	}
	if c.Months == 0 {
		return day
	}
	y, m, _ := day.Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	if first.Before(day) {
		first = first.AddDate(0, 1, 0)
	}
	return first
}
