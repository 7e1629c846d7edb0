package release

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecs-bluegreen/ecs-bluegreen/release/internal/fakeclock"
)

func TestParseStatuses(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{"200", []int{200}, ""},
		{"200,204", []int{200, 204}, ""},
		{" 204 , 200 ,200", []int{200, 204}, ""},
		{"200-203", []int{200, 201, 202, 203}, ""},
		{"3xx,200", append([]int{200}, seq(300, 399)...), ""},
		{"", nil, "empty"},
		{"200,,204", nil, `status ""`},
		{"20", nil, "three-digit"},
		{"600", nil, "100-599"},
		{"abc", nil, "100-599"},
		{"204-200", nil, "reversed"},
		{"6xx", nil, "100-599"},
	}
	for _, tc := range tests {
		got, err := ParseStatuses(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseStatuses(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseStatuses(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if s := FormatStatuses([]int{204, 200, 201, 202, 404}); s != "200-202,204,404" {
		t.Errorf("FormatStatuses = %s", s)
	}
}

func seq(lo, hi int) []int {
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

func FuzzParseStatuses(f *testing.F) {
	for _, s := range []string{"200", "200,204", "2xx", "200-299,404", " 301 ,302", "1xx,5xx", "-", ",", "199-", "5XX"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		codes, err := ParseStatuses(s)
		if err != nil {
			return
		}
		if len(codes) == 0 || !slices.IsSorted(codes) || len(slices.Compact(slices.Clone(codes))) != len(codes) {
			t.Fatalf("ParseStatuses(%q) = %v: want a sorted, unique, non-empty list", s, codes)
		}
		for _, c := range codes {
			if c < 100 || c > 599 {
				t.Fatalf("ParseStatuses(%q) gave %d", s, c)
			}
		}
		again, err := ParseStatuses(FormatStatuses(codes))
		if err != nil || !slices.Equal(again, codes) {
			t.Fatalf("format/parse round trip of %v gave %v, %v", codes, again, err)
		}
	})
}

func TestSmokeApply(t *testing.T) {
	base := SmokeConfig{Enabled: false, Path: "/health", ExpectedStatus: []int{200}, ConsecutiveSuccesses: 3}
	path, off, n, baseURL := "/ready", false, 5, "https://shop.example.com:8443"
	tests := []struct {
		name string
		o    SmokeOverrides
		want SmokeConfig
	}{
		{"nothing", SmokeOverrides{}, base},
		{"path enables", SmokeOverrides{Path: &path}, SmokeConfig{Enabled: true, Path: "/ready", ExpectedStatus: []int{200}, ConsecutiveSuccesses: 3}},
		{"explicit off wins", SmokeOverrides{Path: &path, Enabled: &off}, SmokeConfig{Path: "/ready", ExpectedStatus: []int{200}, ConsecutiveSuccesses: 3}},
		{"url enables", SmokeOverrides{BaseURL: &baseURL}, SmokeConfig{Enabled: true, BaseURL: baseURL, Path: "/health", ExpectedStatus: []int{200}, ConsecutiveSuccesses: 3}},
		{"statuses and count", SmokeOverrides{ExpectedStatus: []int{204}, ConsecutiveSuccesses: &n}, SmokeConfig{Enabled: true, Path: "/health", ExpectedStatus: []int{204}, ConsecutiveSuccesses: 5}},
	}
	for _, tc := range tests {
		got := base.Apply(tc.o)
		if got.Enabled != tc.want.Enabled || got.BaseURL != tc.want.BaseURL || got.Path != tc.want.Path || !slices.Equal(got.ExpectedStatus, tc.want.ExpectedStatus) || got.ConsecutiveSuccesses != tc.want.ConsecutiveSuccesses {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestSmokeValidate(t *testing.T) {
	ok := SmokeConfig{Enabled: true, Path: "/h", ExpectedStatus: []int{200}, ConsecutiveSuccesses: 1, RequestTimeout: time.Second, TotalTimeout: time.Minute}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.Path, bad.ConsecutiveSuccesses, bad.TotalTimeout = "h", 0, time.Millisecond
	err := bad.Validate()
	for _, want := range []string{"must start with /", "at least 1", "shorter than the request timeout"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	if ExitCode(err) != ExitUsage {
		t.Errorf("exit code %d", ExitCode(err))
	}
	if (SmokeConfig{}).Validate() != nil {
		t.Error("a disabled gate must be valid")
	}
}

func TestRunSmokeTimesOutAndResetsStreak(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n%3 == 0 { // never three successes in a row
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(strings.Repeat("é", 600))) // multi-byte body longer than the excerpt
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	clock := fakeclock.New(time.Unix(0, 0))
	cfg := SmokeConfig{Enabled: true, Path: "/", ExpectedStatus: []int{204}, ConsecutiveSuccesses: 3, Interval: 10 * time.Second,
		RequestTimeout: time.Second, TotalTimeout: time.Minute}
	rep, err := RunSmoke(context.Background(), srv.Client(), clock, srv.URL+"/", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed || rep.Attempts != 6 || !strings.Contains(rep.Reason, "not reached within 1m0s") {
		t.Errorf("report %+v: want a failure after 6 attempts in 1m at 10s intervals", rep)
	}
	if len(rep.Evidence) != 2 {
		t.Fatalf("evidence %d attempts, want the 2 failures", len(rep.Evidence))
	}
	for _, a := range rep.Evidence {
		if a.Status != 500 || len(a.BodyExcerpt) > MaxBodyExcerpt || !strings.HasPrefix(a.BodyExcerpt, "éé") || !strings.Contains(a.String(), "HTTP 500") {
			t.Errorf("evidence %+v", a)
		}
	}
}

func TestRunSmokeConnectionErrorIsEvidence(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	cfg := SmokeConfig{Enabled: true, Path: "/", ExpectedStatus: []int{200}, ConsecutiveSuccesses: 1, Interval: time.Second, RequestTimeout: time.Second, TotalTimeout: 2 * time.Second}
	rep, err := RunSmoke(context.Background(), nil, fakeclock.New(time.Unix(0, 0)), url, cfg, nil)
	if err != nil || rep.Passed || len(rep.Evidence) == 0 || rep.Evidence[0].Error == "" || rep.Evidence[0].Status != 0 {
		t.Errorf("report %+v, err %v: want a failure with the connection error as evidence", rep, err)
	}
}
