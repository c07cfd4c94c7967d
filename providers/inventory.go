package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"time"
)

// InventorySchema versions the inventory file.
const InventorySchema = "tranche.inventory/v1"

// Inventory is the commitments owned, as the providers' APIs describe them
// (AWS DescribeReservedInstances and DescribeSavingsPlans, …): what billing
// data does not say — the kind, the end of the term, the size bought. A
// plan reads it beside the billing files (docs/inventory.md).
type Inventory struct {
	Schema string `json:"schema"`
	// Source says where the inventory comes from; AsOf when it was taken.
	Source      string       `json:"source,omitempty"`
	AsOf        time.Time    `json:"as_of,omitzero"`
	Commitments []Commitment `json:"commitments"`
}

// LoadInventory reads and validates an inventory file.
func LoadInventory(path string) (*Inventory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return DecodeInventory(bytes.NewReader(b), path)
}

// DecodeInventory reads an inventory strictly (unknown fields are errors)
// and validates every commitment; errors name the file and the field.
func DecodeInventory(r io.Reader, name string) (*Inventory, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var inv Inventory
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("inventory %s: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("inventory %s: more than one JSON value", name)
	}
	if inv.Schema != InventorySchema {
		return nil, fmt.Errorf("inventory %s: schema %q, want %q", name, inv.Schema, InventorySchema)
	}
	var errs []error
	seen := map[string]bool{}
	for i, c := range inv.Commitments {
		bad := func(field, format string, args ...any) {
			errs = append(errs, fmt.Errorf("inventory %s: commitments[%d].%s: %s", name, i, field, fmt.Sprintf(format, args...)))
		}
		if c.ID == "" {
			bad("id", "empty")
		} else if seen[c.ID] {
			bad("id", "%q appears twice", c.ID)
		}
		seen[c.ID] = true
		if _, err := ParseKind(string(c.Kind)); err != nil {
			bad("kind", "%v", err)
		}
		if !(c.Quantity > 0) || math.IsInf(c.Quantity, 0) {
			bad("quantity", "must be a positive number, got %v", c.Quantity)
		}
		if c.Start.IsZero() || c.End.IsZero() || !c.End.After(c.Start) {
			bad("end", "start %s and end %s: both are needed, end after start", c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339))
		}
		if !nonNegative(c.UpfrontFee) || !nonNegative(c.RecurringHourlyFee) {
			bad("upfront_fee", "fees must be non-negative numbers")
		}
		if c.Provider == "" {
			bad("provider", "empty")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.SliceStable(inv.Commitments, func(i, j int) bool { return inv.Commitments[i].ID < inv.Commitments[j].ID })
	return &inv, nil
}

// Encode writes the inventory as indented JSON.
func (inv *Inventory) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(inv)
}
