package enginetest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Step is one step the engine planned, from its ResourcePreEvent.
type Step struct {
	Op           string   // "create", "same", "update", "replace", "create-replacement", ...
	Type         string   // type token
	URN          string   //
	Diffs        []string // top-level keys that changed
	DetailedDiff []string // keys of the detailed diff, sorted
	Replaces     []string // keys that caused a replacement
}

// Summary counts a preview's steps by type token, per kind of change. A replacement counts once,
// under Replaces (its create-replacement and delete-replaced steps appear only in Steps).
type Summary struct {
	Creates, Updates, Replaces, Deletes, Sames map[string]int
	Steps                                      []Step
}

// Changed reports whether the preview would create, update, replace or delete anything.
func (s Summary) Changed() bool {
	return len(s.Creates)+len(s.Updates)+len(s.Replaces)+len(s.Deletes) > 0
}

// Find returns the steps on resources named name (the URN's last part) of type typ.
func (s Summary) Find(typ, name string) []Step {
	var out []Step
	for _, st := range s.Steps {
		if st.Type == typ && st.URN[strings.LastIndex(st.URN, "::")+2:] == name {
			out = append(out, st)
		}
	}
	return out
}

// String lists the steps that change something, one per line, for failure messages.
func (s Summary) String() string {
	var b strings.Builder
	for _, st := range s.Steps {
		if st.Op == string(apitype.OpSame) {
			continue
		}
		fmt.Fprintf(&b, "%s %s diffs=%v replaces=%v\n", st.Op, st.URN, st.Diffs, st.Replaces)
	}
	if b.Len() == 0 {
		return "no changes\n"
	}
	return b.String()
}

func summarize(evs []events.EngineEvent) Summary {
	s := Summary{
		Creates: map[string]int{}, Updates: map[string]int{}, Replaces: map[string]int{},
		Deletes: map[string]int{}, Sames: map[string]int{},
	}
	for _, ev := range evs {
		if ev.ResourcePreEvent == nil {
			continue
		}
		md := ev.ResourcePreEvent.Metadata
		step := Step{
			Op: string(md.Op), Type: md.Type, URN: md.URN,
			Diffs: md.Diffs, Replaces: md.Keys,
		}
		for k := range md.DetailedDiff {
			step.DetailedDiff = append(step.DetailedDiff, k)
		}
		sort.Strings(step.DetailedDiff)
		s.Steps = append(s.Steps, step)
		switch md.Op {
		case apitype.OpCreate:
			s.Creates[md.Type]++
		case apitype.OpUpdate:
			s.Updates[md.Type]++
		case apitype.OpReplace:
			s.Replaces[md.Type]++
		case apitype.OpDelete:
			s.Deletes[md.Type]++
		case apitype.OpSame:
			s.Sames[md.Type]++
		}
	}
	slices.SortStableFunc(s.Steps, func(a, b Step) int { return strings.Compare(a.URN, b.URN) })
	return s
}

// collect reads an event channel until it closes.
func collect() (chan events.EngineEvent, func(tb testing.TB) []events.EngineEvent) {
	ch := make(chan events.EngineEvent)
	done := make(chan []events.EngineEvent, 1)
	go func() {
		var evs []events.EngineEvent
		for ev := range ch {
			evs = append(evs, ev)
		}
		done <- evs
	}()
	return ch, func(tb testing.TB) []events.EngineEvent {
		tb.Helper()
		select {
		case evs := <-done:
			return evs
		case <-time.After(time.Minute):
			tb.Fatalf("enginetest: the engine's event stream never closed")
			return nil
		}
	}
}

// Preview runs `pulumi preview` and summarises its steps from the engine's events (not its
// text). It fails the test when the preview fails.
func Preview(ctx context.Context, tb testing.TB, st auto.Stack, opts ...optpreview.Option) Summary {
	tb.Helper()
	sum, err := TryPreview(ctx, tb, st, opts...)
	if err != nil {
		tb.Fatalf("enginetest: preview of %s: %v", st.Name(), err)
	}
	return sum
}

// TryPreview is Preview for previews that may fail (e.g. the engine refusing to replace a
// protected resource): it returns the preview's error, with the text of the CLI's output, and
// the steps the engine planned before it stopped.
func TryPreview(ctx context.Context, tb testing.TB, st auto.Stack, opts ...optpreview.Option) (Summary, error) {
	tb.Helper()
	ch, wait := collect()
	_, err := st.Preview(ctx, append(opts, optpreview.EventStreams(ch))...)
	return summarize(wait(tb)), err
}

// Up runs `pulumi up` and fails the test when it fails.
func Up(ctx context.Context, tb testing.TB, st auto.Stack, opts ...optup.Option) auto.UpResult {
	tb.Helper()
	res, err := st.Up(ctx, opts...)
	if err != nil {
		tb.Fatalf("enginetest: up of %s: %v", st.Name(), err)
	}
	return res
}

// Refresh runs `pulumi refresh` and fails the test when it fails.
func Refresh(ctx context.Context, tb testing.TB, st auto.Stack, opts ...optrefresh.Option) auto.RefreshResult {
	tb.Helper()
	res, err := st.Refresh(ctx, opts...)
	if err != nil {
		tb.Fatalf("enginetest: refresh of %s: %v", st.Name(), err)
	}
	return res
}

// Destroy runs `pulumi destroy` and fails the test when it fails.
func Destroy(ctx context.Context, tb testing.TB, st auto.Stack, opts ...optdestroy.Option) auto.DestroyResult {
	tb.Helper()
	res, err := st.Destroy(ctx, opts...)
	if err != nil {
		tb.Fatalf("enginetest: destroy of %s: %v", st.Name(), err)
	}
	return res
}
