package aws

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/aws/golden")

// reply is one recorded response the test server sends.
type reply struct {
	status int
	body   string
	// truncate, when positive, declares the whole body's length but sends
	// only this many bytes, then drops the connection.
	truncate int
}

// fakeAWS is an httptest server speaking the four wire protocols the
// adapter's SDK clients use: JSON 1.1 (pricing, Cost Explorer; operation in
// X-Amz-Target), EC2 query (form body, XML reply) and REST-JSON (savings
// plans; operation in the path). Each operation replays its queue of
// replies in order; it records every request as "service:Operation", the
// IAM action name.
type fakeAWS struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	queues  map[string][]reply
	calls   []string
	bodies  map[string][]string
	missing []string
	// last is the last successful reply of each operation and the request
	// it answered. A read repeated with the same request right after a
	// success is the client retrying a response it failed to read (on
	// loopback, Go's transport sometimes loses a response it already has:
	// "use of closed network connection"); like AWS, the server answers a
	// repeated read the same way instead of handing out the next reply.
	last map[string]served
}

type served struct {
	request string
	reply   reply
}

func newFakeAWS(t *testing.T) *fakeAWS {
	t.Helper()
	f := &fakeAWS{t: t, queues: map[string][]reply{}, bodies: map[string][]string{}, last: map[string]served{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for op, q := range f.queues {
			if len(q) > 0 {
				t.Errorf("fake AWS: %d replies for %s were never requested", len(q), op)
			}
		}
		for _, m := range f.missing {
			t.Errorf("fake AWS: unexpected call %s", m)
		}
	})
	return f
}

// on queues replies for an operation ("pricing:GetProducts").
func (f *fakeAWS) on(op string, replies ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queues[op] = append(f.queues[op], replies...)
}

// Calls returns the operations requested so far, in order.
func (f *fakeAWS) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeAWS) Bodies(op string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies[op]...)
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
		f.t.Errorf("request %s %s not signed with the test credentials: %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
	}
	op, proto := operation(r, body)
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.bodies[op] = append(f.bodies[op], string(body))
	q := f.queues[op]
	var rp reply
	prev, repeat := f.last[op]
	repeat = repeat && prev.request == string(body)
	ok := len(q) > 0 || repeat
	switch {
	case repeat:
		rp = prev.reply
	case ok:
		rp, f.queues[op] = q[0], q[1:]
	default:
		f.missing = append(f.missing, op)
	}
	if ok && (rp.status == 0 || rp.status == 200) && rp.truncate == 0 {
		f.last[op] = served{request: string(body), reply: rp}
	} else {
		delete(f.last, op)
	}
	f.mu.Unlock()
	if !ok {
		rp = reply{status: 500, body: errorBody(proto, "InternalFailure", "no recorded reply")}
	}
	switch proto {
	case "json":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	case "rest-json":
		w.Header().Set("Content-Type", "application/json")
	case "ec2":
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	}
	w.Header().Set("X-Amzn-Requestid", "00000000-0000-4000-8000-000000000000")
	if rp.status == 0 {
		rp.status = 200
	}
	if proto == "rest-json" && rp.status >= 400 {
		// REST-JSON carries the error code in a header too.
		if code := errorCode(rp.body); code != "" {
			w.Header().Set("X-Amzn-Errortype", code)
		}
	}
	if rp.truncate > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(rp.body)))
		w.WriteHeader(rp.status)
		_, _ = io.WriteString(w, rp.body[:rp.truncate])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
		return
	}
	w.WriteHeader(rp.status)
	_, _ = io.WriteString(w, rp.body)
}

// operation names the IAM action of a request and its protocol.
func operation(r *http.Request, body []byte) (op, proto string) {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, name, _ := strings.Cut(t, ".")
		switch prefix {
		case "AWSPriceListService":
			return "pricing:" + name, "json"
		case "AWSInsightsIndexService":
			return "ce:" + name, "json"
		}
		return "unknown:" + t, "json"
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		v, _ := url.ParseQuery(string(body))
		return "ec2:" + v.Get("Action"), "ec2"
	}
	return "savingsplans:" + strings.TrimPrefix(r.URL.Path, "/"), "rest-json"
}

func errorBody(proto, code, msg string) string {
	switch proto {
	case "ec2":
		return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>00000000-0000-4000-8000-000000000000</RequestID></Response>`, code, msg)
	case "rest-json":
		return fmt.Sprintf(`{"message":%q}`, msg)
	}
	return fmt.Sprintf(`{"__type":"com.amazonaws.awspricelistservice#%s","message":%q}`, code, msg)
}

// errorCode reads the code of a JSON error body for the REST-JSON header.
func errorCode(body string) string {
	for _, c := range []string{"ThrottlingException", "InternalServerException", "ValidationException"} {
		if strings.Contains(body, c) {
			return c
		}
	}
	return ""
}

// throttle and serverError are the error replies of each protocol.
func throttle(proto string) reply {
	switch proto {
	case "ec2":
		return reply{status: 503, body: errorBody("ec2", "RequestLimitExceeded", "Request limit exceeded.")}
	case "rest-json":
		return reply{status: 429, body: `{"message":"Rate exceeded","__type":"ThrottlingException"}`}
	}
	return reply{status: 400, body: `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"}`}
}

func serverError(proto string) reply {
	switch proto {
	case "ec2":
		return reply{status: 500, body: errorBody("ec2", "InternalError", "An internal error has occurred")}
	case "rest-json":
		return reply{status: 500, body: `{"message":"Internal server error","__type":"InternalServerException"}`}
	}
	return reply{status: 500, body: `{"__type":"InternalServerException","message":"An internal error has occurred"}`}
}

// testAttempts is the retry budget of test clients.
const testAttempts = 3

// client is an adapter Client whose real SDK clients talk to f.
func (f *fakeAWS) client() *Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	return New(cfg, Options{MaxAttempts: testAttempts, NoBackoff: true, BaseEndpoint: f.srv.URL, HTTPClient: f.srv.Client(), MaxPages: 50})
}

func readTestdata(t testing.TB, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "testdata", "aws"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// golden compares got with testdata/aws/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "aws", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 10; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}

var bg = context.Background()
