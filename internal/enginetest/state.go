package enginetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Resource is one resource of a stack's state, as `pulumi stack export` has it.
type Resource struct {
	URN     string         `json:"urn"`
	Type    string         `json:"type"`
	Protect bool           `json:"protect"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
}

// Name is the resource's name, the last part of its URN.
func (r Resource) Name() string { return r.URN[strings.LastIndex(r.URN, "::")+2:] }

// State is a stack's state: its resources in the engine's order.
type State []Resource

// ExportState reads the stack's state, failing the test when it cannot.
func ExportState(ctx context.Context, tb testing.TB, st auto.Stack) State {
	tb.Helper()
	dep, err := st.Export(ctx)
	if err != nil {
		tb.Fatalf("export of %s: %v", st.Name(), err)
	}
	if len(dep.Deployment) == 0 {
		return nil
	}
	var state struct {
		Resources []Resource `json:"resources"`
	}
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		tb.Fatalf("decoding the state of %s: %v", st.Name(), err)
	}
	return state.Resources
}

// Find returns the resource of type typ named name, failing the test when there is none.
func (s State) Find(tb testing.TB, typ, name string) Resource {
	tb.Helper()
	for _, r := range s {
		if r.Type == typ && r.Name() == name {
			return r
		}
	}
	tb.Fatalf("no %s named %s in the state", typ, name)
	return Resource{}
}

// Has reports whether the state holds a resource of type typ named name.
func (s State) Has(typ, name string) bool {
	for _, r := range s {
		if r.Type == typ && r.Name() == name {
			return true
		}
	}
	return false
}
