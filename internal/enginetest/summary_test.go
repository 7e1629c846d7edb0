package enginetest

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

func preEvent(op apitype.OpType, typ, name string, diffs, keys []string) events.EngineEvent {
	return events.EngineEvent{EngineEvent: apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{
		Metadata: apitype.StepEventMetadata{
			Op: op, Type: typ, URN: "urn:pulumi:s::p::" + typ + "::" + name,
			Diffs: diffs, Keys: keys,
			DetailedDiff: func() map[string]apitype.PropertyDiff {
				m := map[string]apitype.PropertyDiff{}
				for _, d := range diffs {
					m[d] = apitype.PropertyDiff{Kind: apitype.DiffUpdate}
				}
				return m
			}(),
		},
	}}}
}

func TestSummarize(t *testing.T) {
	const tg, lis = "aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener"
	tests := []struct {
		name        string
		evs         []events.EngineEvent
		wantCreates map[string]int
		wantReplace map[string]int
		wantUpdates map[string]int
		wantSames   map[string]int
		wantChanged bool
	}{
		{
			name: "a replacement counts once, under replaces",
			evs: []events.EngineEvent{
				preEvent(apitype.OpCreateReplacement, tg, "blue", []string{"port"}, []string{"port"}),
				preEvent(apitype.OpReplace, tg, "blue", []string{"port"}, []string{"port"}),
				preEvent(apitype.OpDeleteReplaced, tg, "blue", nil, nil),
				preEvent(apitype.OpSame, tg, "green", nil, nil),
				{EngineEvent: apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Message: "x"}}},
			},
			wantCreates: map[string]int{}, wantReplace: map[string]int{tg: 1}, wantUpdates: map[string]int{},
			wantSames: map[string]int{tg: 1}, wantChanged: true,
		},
		{
			name:        "sames only is no change",
			evs:         []events.EngineEvent{preEvent(apitype.OpSame, lis, "prod", nil, nil)},
			wantCreates: map[string]int{}, wantReplace: map[string]int{}, wantUpdates: map[string]int{},
			wantSames: map[string]int{lis: 1},
		},
		{
			name: "creates and updates by type",
			evs: []events.EngineEvent{
				preEvent(apitype.OpCreate, tg, "blue", nil, nil),
				preEvent(apitype.OpCreate, tg, "green", nil, nil),
				preEvent(apitype.OpUpdate, lis, "prod", []string{"defaultActions"}, nil),
			},
			wantCreates: map[string]int{tg: 2}, wantReplace: map[string]int{}, wantUpdates: map[string]int{lis: 1},
			wantSames: map[string]int{}, wantChanged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarize(tt.evs)
			for what, pair := range map[string][2]map[string]int{
				"creates": {s.Creates, tt.wantCreates}, "replaces": {s.Replaces, tt.wantReplace},
				"updates": {s.Updates, tt.wantUpdates}, "sames": {s.Sames, tt.wantSames},
			} {
				if len(pair[0]) != len(pair[1]) {
					t.Errorf("%s = %v, want %v", what, pair[0], pair[1])
				}
				for k, v := range pair[1] {
					if pair[0][k] != v {
						t.Errorf("%s = %v, want %v", what, pair[0], pair[1])
					}
				}
			}
			if s.Changed() != tt.wantChanged {
				t.Errorf("Changed() = %v, want %v", s.Changed(), tt.wantChanged)
			}
		})
	}

	s := summarize(tests[0].evs)
	steps := s.Find(tg, "blue")
	if len(steps) != 3 {
		t.Fatalf("Find(blue) = %d steps, want 3", len(steps))
	}
	if i := slices.IndexFunc(steps, func(st Step) bool { return st.Op == "replace" }); i < 0 ||
		!slices.Equal(steps[i].Replaces, []string{"port"}) || !slices.Equal(steps[i].DetailedDiff, []string{"port"}) {
		t.Errorf("replace step = %+v, want replaces and detailed diff [port]", steps)
	}
}
