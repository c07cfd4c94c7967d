// Package aws is Tranche's AWS adapter. Through the real aws-sdk-go-v2 it
// reads prices (Price List GetProducts, Savings Plans
// DescribeSavingsPlansOfferingRates, or the bulk price files), usage (Cost
// Explorer GetCostAndUsage), owned commitments (EC2
// DescribeReservedInstances, Savings Plans DescribeSavingsPlans) and AWS's
// own recommendations, coverage and utilization, and turns them into the
// vocabulary of package providers: pools, usage series, price books and
// commitments.
//
// Every SDK client is used through an interface of only the calls made
// (PricingAPI, SavingsPlansAPI, CostExplorerAPI, EC2API), so the IAM policy
// in deploy/aws-iam-policy.json can list exactly those calls. Nothing here
// buys anything: no purchase API is in any interface.
//
// Pools follow DESIGN.md: a regional reserved instance on Linux/UNIX with
// shared tenancy is size-flexible within its family and region, so its pool
// is the family measured in normalized units (NU-hour: nano 0.25 … 32xlarge
// 256); every other platform, tenancy or a zonal reservation is priced per
// instance type, so its pool's Family is the instance type itself (e.g.
// "m5.large") measured in instance-hours.
package aws

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
	"github.com/aws/smithy-go"

	"github.com/tranchehq/tranche/providers"
)

// Options configure a Client. The zero value is usable: the SDK's standard
// retryer with 5 attempts.
type Options struct {
	// MaxAttempts is how many times a call is tried before its error is
	// returned (throttling and 5xx are retried). 0 means 5.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts. 0 means 20 s.
	MaxBackoff time.Duration
	// NoBackoff retries at once (tests use it so as not to sleep).
	NoBackoff bool
	// BaseEndpoint, when set, sends every call to this URL instead of AWS's
	// endpoints (tests point it at an httptest server).
	BaseEndpoint string
	// HTTPClient, when set, replaces the SDK's HTTP client.
	HTTPClient *http.Client
	// MaxPages bounds the pages read from one paginated call, against a
	// service that never stops returning tokens. 0 means 10000.
	MaxPages int
}

// Client reads AWS through the four SDK clients it holds.
type Client struct {
	Pricing      PricingAPI
	SavingsPlans SavingsPlansAPI
	CostExplorer CostExplorerAPI
	EC2          EC2API
	maxPages     int
}

// New builds a Client from an SDK configuration (from config.LoadDefaultConfig
// in production: the standard credential chain). The Price List API is
// served from us-east-1 (and two other regions) only, and Cost Explorer from
// us-east-1, whatever cfg.Region is; EC2 uses cfg.Region.
func New(cfg aws.Config, opts Options) *Client {
	cfg = cfg.Copy()
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			// A body cut short by the network is worth another try, like a
			// reset connection; the SDK does not retry it by default.
			o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return aws.TrueTernary
				}
				return aws.UnknownTernary
			}))
			if opts.MaxBackoff > 0 {
				o.MaxBackoff = opts.MaxBackoff
			}
			if opts.NoBackoff {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
				o.RateLimiter = ratelimit.None
			}
		})
	}
	if opts.BaseEndpoint != "" {
		cfg.BaseEndpoint = aws.String(opts.BaseEndpoint)
	}
	if opts.HTTPClient != nil {
		cfg.HTTPClient = opts.HTTPClient
	}
	pages := opts.MaxPages
	if pages <= 0 {
		pages = 10000
	}
	return &Client{
		Pricing: pricing.NewFromConfig(cfg, func(o *pricing.Options) {
			if opts.BaseEndpoint == "" {
				o.Region = "us-east-1"
			}
		}),
		SavingsPlans: savingsplans.NewFromConfig(cfg),
		CostExplorer: costexplorer.NewFromConfig(cfg, func(o *costexplorer.Options) {
			if opts.BaseEndpoint == "" {
				o.Region = "us-east-1"
			}
		}),
		EC2:      ec2.NewFromConfig(cfg),
		maxPages: pages,
	}
}

// wrap turns an SDK error into the adapter's: "aws: SERVICE OPERATION: …",
// with providers.ErrThrottled in the chain when the provider was still
// throttling after the retries.
func wrap(service, op string, err error) error {
	if err == nil {
		return nil
	}
	if isThrottle(err) {
		return fmt.Errorf("aws: %s %s: %w: %w", service, op, providers.ErrThrottled, err)
	}
	return fmt.Errorf("aws: %s %s: %w", service, op, err)
}

func isThrottle(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if _, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]; ok {
			return true
		}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests {
		return true
	}
	return false
}

// errTooManyPages is returned when a paginated call does not stop.
var errTooManyPages = errors.New("too many pages (the service keeps returning a next token)")

// nextToken reports whether pagination continues, guarding against a
// repeated token and a page count above the limit.
func (c *Client) nextToken(seen map[string]bool, pages int, tok *string) (bool, error) {
	if tok == nil || *tok == "" {
		return false, nil
	}
	if seen[*tok] {
		return false, fmt.Errorf("the service returned the page token %q twice", *tok)
	}
	if pages >= c.maxPages {
		return false, errTooManyPages
	}
	seen[*tok] = true
	return true, nil
}
