package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxBodyExcerpt is the most of a response body kept as evidence of a smoke check.
const MaxBodyExcerpt = 512

// ParseStatuses parses an expected-status list as given to --smoke-status: comma-separated HTTP
// statuses, ranges ("200-204") and classes ("2xx"). The result is sorted and unique.
func ParseStatuses(s string) ([]int, error) {
	var out []int
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty status list")
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, err := parseStatusRange(part)
		if err != nil {
			return nil, fmt.Errorf("status %q: %w", part, err)
		}
		for c := lo; c <= hi; c++ {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseStatusRange(part string) (int, int, error) {
	if len(part) == 3 && (part[1:] == "xx" || part[1:] == "XX") {
		c, err := parseStatus(part[:1] + "00")
		return c, c + 99, err
	}
	if a, b, ok := strings.Cut(part, "-"); ok {
		lo, err := parseStatus(strings.TrimSpace(a))
		if err != nil {
			return 0, 0, err
		}
		hi, err := parseStatus(strings.TrimSpace(b))
		if err != nil {
			return 0, 0, err
		}
		if lo > hi {
			return 0, 0, fmt.Errorf("range is reversed")
		}
		return lo, hi, nil
	}
	c, err := parseStatus(part)
	return c, c, err
}

func parseStatus(s string) (int, error) {
	if len(s) != 3 {
		return 0, fmt.Errorf("want a three-digit HTTP status, a range like 200-204 or a class like 2xx")
	}
	c, err := strconv.Atoi(s)
	if err != nil || c < 100 || c > 599 {
		return 0, fmt.Errorf("want an HTTP status in 100-599")
	}
	return c, nil
}

// FormatStatuses writes statuses compactly, with runs as ranges: [200 201 202 204] → "200-202,204".
func FormatStatuses(codes []int) string {
	codes = slices.Clone(codes)
	slices.Sort(codes)
	codes = slices.Compact(codes)
	var parts []string
	for i := 0; i < len(codes); {
		j := i
		for j+1 < len(codes) && codes[j+1] == codes[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(codes[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", codes[i], codes[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// SmokeOverrides are the command-line overrides of the stack's smokeCheck output. A nil field
// keeps the stack's value.
type SmokeOverrides struct {
	Enabled              *bool
	BaseURL              *string
	Path                 *string
	ExpectedStatus       []int
	ConsecutiveSuccesses *int
	Interval             *time.Duration
	RequestTimeout       *time.Duration
	TotalTimeout         *time.Duration
}

// Apply returns s with the overrides applied. Overriding any setting of the gate enables it,
// unless Enabled is given explicitly.
func (s SmokeConfig) Apply(o SmokeOverrides) SmokeConfig {
	set := false
	if o.BaseURL != nil {
		s.BaseURL, set = *o.BaseURL, true
	}
	if o.Path != nil {
		s.Path, set = *o.Path, true
	}
	if o.ExpectedStatus != nil {
		s.ExpectedStatus, set = slices.Clone(o.ExpectedStatus), true
	}
	if o.ConsecutiveSuccesses != nil {
		s.ConsecutiveSuccesses, set = *o.ConsecutiveSuccesses, true
	}
	if o.Interval != nil {
		s.Interval, set = *o.Interval, true
	}
	if o.RequestTimeout != nil {
		s.RequestTimeout, set = *o.RequestTimeout, true
	}
	if o.TotalTimeout != nil {
		s.TotalTimeout, set = *o.TotalTimeout, true
	}
	switch {
	case o.Enabled != nil:
		s.Enabled = *o.Enabled
	case set:
		s.Enabled = true
	}
	return s
}

// SmokeAttempt is one HTTP request of the smoke gate.
type SmokeAttempt struct {
	N           int           `json:"n"`
	At          time.Time     `json:"at"`
	URL         string        `json:"url"`
	Status      int           `json:"status,omitempty"` // 0 when no response arrived
	Error       string        `json:"error,omitempty"`
	Duration    time.Duration `json:"-"`                     // written as durationMs
	BodyExcerpt string        `json:"bodyExcerpt,omitempty"` // at most MaxBodyExcerpt bytes
	OK          bool          `json:"ok"`
}

// MarshalJSON writes Duration in milliseconds.
func (a SmokeAttempt) MarshalJSON() ([]byte, error) {
	type plain SmokeAttempt
	return json.Marshal(struct {
		plain
		DurationMs int64 `json:"durationMs"`
	}{plain(a), a.Duration.Milliseconds()})
}

func (a SmokeAttempt) String() string {
	res := fmt.Sprintf("HTTP %d", a.Status)
	if a.Error != "" {
		res = "error: " + a.Error
	}
	s := fmt.Sprintf("#%d GET %s → %s in %s", a.N, a.URL, res, a.Duration.Round(time.Millisecond))
	if a.BodyExcerpt != "" {
		s += fmt.Sprintf(", body: %q", a.BodyExcerpt)
	}
	return s
}

// SmokeReport is the outcome of the smoke gate, with the evidence to print.
type SmokeReport struct {
	URL       string         `json:"url"`
	Passed    bool           `json:"passed"`
	Attempts  int            `json:"attempts"`
	Elapsed   time.Duration  `json:"-"`                  // written as elapsedMs
	Reason    string         `json:"reason,omitempty"`   // why it failed
	Evidence  []SmokeAttempt `json:"evidence,omitempty"` // the last failed attempts, oldest first
	Successes int            `json:"consecutiveSuccesses"`
}

// MarshalJSON writes Elapsed in milliseconds.
func (r SmokeReport) MarshalJSON() ([]byte, error) {
	type plain SmokeReport
	return json.Marshal(struct {
		plain
		ElapsedMs int64 `json:"elapsedMs"`
	}{plain(r), r.Elapsed.Milliseconds()})
}

const keptFailures = 3

// RunSmoke requests url until cfg.ConsecutiveSuccesses responses in a row have an expected
// status, or cfg.TotalTimeout passes (measured on clock). Each request has cfg.RequestTimeout.
// onAttempt, when non-nil, sees every attempt. It returns an error only when ctx is done.
func RunSmoke(ctx context.Context, client *http.Client, clock Clock, url string, cfg SmokeConfig, onAttempt func(SmokeAttempt)) (SmokeReport, error) {
	if client == nil {
		client = http.DefaultClient
	}
	start := clock.Now()
	deadline := start.Add(cfg.TotalTimeout)
	rep := SmokeReport{URL: url}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Attempts++
		a := smokeAttempt(ctx, client, clock, url, cfg)
		a.N = rep.Attempts
		if onAttempt != nil {
			onAttempt(a)
		}
		if a.OK {
			rep.Successes++
		} else {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			rep.Successes = 0
			rep.Evidence = append(rep.Evidence, a)
			if len(rep.Evidence) > keptFailures {
				rep.Evidence = rep.Evidence[len(rep.Evidence)-keptFailures:]
			}
		}
		rep.Elapsed = clock.Now().Sub(start)
		if rep.Successes >= cfg.ConsecutiveSuccesses {
			rep.Passed = true
			return rep, nil
		}
		if !clock.Now().Add(cfg.Interval).Before(deadline) {
			rep.Reason = fmt.Sprintf("%d consecutive successes (status %s) not reached within %s: %d attempts, %d in a row at the end",
				cfg.ConsecutiveSuccesses, FormatStatuses(cfg.ExpectedStatus), cfg.TotalTimeout, rep.Attempts, rep.Successes)
			return rep, nil
		}
		if err := clock.Sleep(ctx, cfg.Interval); err != nil {
			return rep, err
		}
	}
}

func smokeAttempt(ctx context.Context, client *http.Client, clock Clock, url string, cfg SmokeConfig) (a SmokeAttempt) {
	a = SmokeAttempt{At: clock.Now(), URL: url}
	rctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
	defer cancel()
	defer func() { a.Duration = clock.Now().Sub(a.At) }()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	req.Header.Set("User-Agent", "ecs-bluegreen-smoke")
	resp, err := client.Do(req)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	defer resp.Body.Close()
	a.Status = resp.StatusCode
	a.OK = slices.Contains(cfg.ExpectedStatus, resp.StatusCode)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBodyExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // let the connection be reused
	a.BodyExcerpt = strings.ToValidUTF8(string(body), "�")
	if len(a.BodyExcerpt) > MaxBodyExcerpt { // replacement characters can lengthen it
		a.BodyExcerpt = strings.ToValidUTF8(a.BodyExcerpt[:MaxBodyExcerpt], "")
	}
	return a
}
